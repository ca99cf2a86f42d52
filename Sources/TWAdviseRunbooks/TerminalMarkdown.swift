/// How a terminal shows a report's text (``ReportDocument/terminal(color:)`` uses these): inline Markdown
/// without its escapes (`TIME\_WAIT` reads `TIME_WAIT`), bold in bold, tables aligned in columns, links as
/// `title <url>`, and severities in colour: critical and high red, medium yellow, low cyan.
///
/// With `color: false` (the `NO_COLOR` convention, or a dumb terminal) no control sequence is written at
/// all. Files and pipes get the Markdown itself; this is for a person at a terminal.
public enum TerminalMarkdown {
    /// SGR sequences used.
    enum Style: String {
        case bold = "\u{1B}[1m"
        case boldUnderline = "\u{1B}[1;4m"
        case red = "\u{1B}[1;31m"
        case yellow = "\u{1B}[33m"
        case cyan = "\u{1B}[36m"
        case dim = "\u{1B}[2m"
        case reset = "\u{1B}[0m"
    }

    /// `markdown` rendered for a terminal: read into a ``ReportDocument`` and rendered as one
    /// (``ReportDocument/terminal(color:)``). Reports are documents already; this is for Markdown from elsewhere.
    public static func render(_ markdown: String, color: Bool) -> String {
        ReportDocument(markdown: markdown).terminal(color: color)
    }

    static func styled(_ text: String, _ style: Style, _ color: Bool) -> String {
        color ? style.rawValue + text + Style.reset.rawValue : text
    }

    /// The cells of a table row (after its leading `|`), split at unescaped `|`, spaces trimmed; a last cell
    /// after the final `|` only when it holds more than spaces. Read by UTF-8 byte: `|`, `\\` and space are
    /// ASCII, which no byte of another scalar can be, so a `|` that a prepended scalar (U+0600) joins into one
    /// Character is still a `|`. A `\\` ending the row is dropped.
    static func cellsOf(_ line: String) -> [String] {
        var cells: [String] = []
        var current: [UInt8] = []
        var escaped = false
        func trimmed(_ bytes: [UInt8]) -> String {
            guard let first = bytes.firstIndex(where: { $0 != 0x20 }), let last = bytes.lastIndex(where: { $0 != 0x20 }) else { return "" }
            return String(decoding: bytes[first...last], as: UTF8.self)
        }
        for byte in line.utf8.dropFirst() {
            if escaped {
                current.append(UInt8(ascii: "\\"))
                current.append(byte)
                escaped = false
            } else if byte == UInt8(ascii: "\\") {
                escaped = true
            } else if byte == UInt8(ascii: "|") {
                cells.append(trimmed(current))
                current.removeAll(keepingCapacity: true)
            } else {
                current.append(byte)
            }
        }
        let last = trimmed(current)
        if !last.isEmpty { cells.append(last) }
        return cells
    }

    /// Columns padded to their widest cell (in characters), two spaces apart; the header row in bold.
    static func alignedTable(_ rows: [[String]], color: Bool) -> [String] {
        // A table with an empty header row (the summary's `| | |`) has no header to show.
        let headed = !(rows.first?.allSatisfy(\.isEmpty) ?? true)
        let rows = headed ? rows : Array(rows.dropFirst())
        let plain = rows.map { $0.map { inline($0, color: false) } }
        let shown = rows.map { $0.map { inline($0, color: color) } }
        let columns = plain.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: columns)
        for row in plain { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        return zip(plain, shown).enumerated().map { index, pair in
            let (plainRow, shownRow) = pair
            let cells = shownRow.enumerated().map { i, cell -> String in
                let pad = i == shownRow.count - 1 ? "" : String(repeating: " ", count: max(0, widths[i] - plainRow[i].count))
                return cell + pad
            }
            let text = "  " + cells.joined(separator: "  ")
            return headed && index == 0 && rows.count > 1 ? styled(text, .bold, color) : text
        }
    }

    /// Inline Markdown for a terminal: escapes and entities undone, `**bold**` in bold, `` `code` `` without
    /// its backticks, `[title](url)` as `title <url>`, severity words coloured. Read by Unicode scalar, as
    /// ``Escaping/markdown(_:)`` wrote it: an escaped `[` joined to a combining scalar is still an escape.
    static func inline(_ text: String, color: Bool) -> String {
        var out = String.UnicodeScalarView()
        let scalars = Array(text.unicodeScalars)
        var i = 0
        var bold = false
        while i < scalars.count {
            let c = scalars[i]
            if c == "\\", i + 1 < scalars.count, Self.escaped.contains(scalars[i + 1]) {
                out.append(scalars[i + 1])
                i += 2
            } else if c == "*", i + 1 < scalars.count, scalars[i + 1] == "*" {
                bold.toggle()
                if color { out.append(contentsOf: (bold ? Style.bold.rawValue : Style.reset.rawValue).unicodeScalars) }
                i += 2
            } else if c == "`" {
                i += 1
            } else if c == "[", let close = scalars[i...].firstIndex(of: "]"), close + 1 < scalars.count, scalars[close + 1] == "(",
                      let end = scalars[(close + 1)...].firstIndex(of: ")") {
                out.append(contentsOf: scalars[(i + 1)..<close])
                out.append(contentsOf: " <".unicodeScalars)
                out.append(contentsOf: scalars[(close + 2)..<end])
                out.append(">")
                i = end + 1
            } else {
                out.append(c)
                i += 1
            }
        }
        if bold, color { out.append(contentsOf: Style.reset.rawValue.unicodeScalars) }
        let plain = String(out).replacingEntities()
        return color ? colouringSeverities(plain) : plain
    }

    /// What ``Escaping/markdown(_:)`` puts a backslash before: inline marks, and what would open a block.
    static let escaped = Set("\\`*_[]|~#=-+.)".unicodeScalars)

    static let severityStyles: [(word: String, style: Style)] = [
        ("ACTION NEEDED NOW", .red), ("ACTION NEEDED", .red), ("CRITICAL", .red), ("HIGH", .red),
        ("MEDIUM", .yellow), ("LOW", .cyan), ("INFO", .dim),
    ]

    /// Upper-case severity words (as the report writes them) in their colour.
    static func colouringSeverities(_ text: String) -> String {
        var result = ""
        var rest = Substring(text)
        var before: Character?  // the last character shown, control sequences not counted
        outer: while !rest.isEmpty {
            if rest.hasPrefix("\u{1B}["), let end = rest.firstIndex(of: "m") {
                result += rest[...end]
                rest = rest[rest.index(after: end)...]
                continue
            }
            for (word, style) in severityStyles where rest.hasPrefix(word) {
                let after = rest.dropFirst(word.count).first
                if (after.map { !$0.isLetter } ?? true) && (before.map { !$0.isLetter } ?? true) {
                    result += style.rawValue + word + Style.reset.rawValue
                    rest = rest.dropFirst(word.count)
                    before = word.last
                    continue outer
                }
            }
            before = rest.first
            result.append(rest.removeFirst())
        }
        return result
    }
}

extension String {
    /// `&lt;`, `&gt;`, `&amp;` and `&#32;` back to the characters the report escaped, by Unicode scalar (a
    /// combining scalar after `&lt;` joins its `;` into one Character, and the entity is still one).
    func replacingEntities() -> String {
        guard unicodeScalars.contains("&") else { return self }
        let scalars = Array(unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        func at(_ i: Int, _ entity: String) -> Bool {
            let e = Array(entity.unicodeScalars)
            return i + e.count <= scalars.count && scalars[i..<(i + e.count)].elementsEqual(e)
        }
        while i < scalars.count {
            if scalars[i] == "&" {
                if at(i, "&lt;") { out.append("<"); i += 4; continue }
                if at(i, "&gt;") { out.append(">"); i += 4; continue }
                if at(i, "&amp;") { out.append("&"); i += 5; continue }
                if at(i, "&#32;") { out.append(" "); i += 5; continue }
            }
            out.append(scalars[i])
            i += 1
        }
        return String(out)
    }
}
