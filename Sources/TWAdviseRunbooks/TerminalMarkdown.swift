/// The runbook as a terminal shows it: the Markdown the report renders, without its escapes (`TIME\_WAIT`
/// reads `TIME_WAIT`), headings and bold in bold, tables aligned in columns, code blocks indented, links as
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

    /// `markdown` rendered for a terminal.
    public static func render(_ markdown: String, color: Bool) -> String {
        var out: [String] = []
        var table: [[String]] = []
        var inCode = false
        func flushTable() {
            guard !table.isEmpty else { return }
            out += alignedTable(table, color: color)
            table = []
        }
        for raw in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw)
            if line.hasPrefix("```") {
                flushTable()
                inCode.toggle()
                continue
            }
            if inCode {
                out.append("    " + line)  // commands stay exactly as written: they are to be copied
                continue
            }
            if line.hasPrefix("|") {
                let cells = cellsOf(line)
                if !cells.allSatisfy({ $0.allSatisfy { $0 == "-" || $0 == ":" } && !$0.isEmpty }) { table.append(cells) }
                continue
            }
            flushTable()
            if line.hasPrefix("# ") {
                out.append(styled(inline(String(line.dropFirst(2)), color: color), .boldUnderline, color))
            } else if line.hasPrefix("## ") || line.hasPrefix("### ") || line.hasPrefix("#### ") {
                let text = line.drop { $0 == "#" }.dropFirst()
                out.append(styled(inline(String(text), color: color), .bold, color))
            } else if line == "---" {
                out.append(String(repeating: "─", count: 40))
            } else {
                out.append(inline(line, color: color))
            }
        }
        flushTable()
        return out.joined(separator: "\n")
    }

    static func styled(_ text: String, _ style: Style, _ color: Bool) -> String {
        color ? style.rawValue + text + Style.reset.rawValue : text
    }

    /// The cells of a table row, split at unescaped `|`.
    static func cellsOf(_ line: String) -> [String] {
        // By Unicode scalar: a `|` that a prepended scalar (U+0600) joins into one Character is still a `|`.
        var cells: [String] = []
        var current = String.UnicodeScalarView()
        var escaped = false
        for c in line.unicodeScalars.dropFirst() {
            if escaped {
                current.append("\\")
                current.append(c)
                escaped = false
            } else if c == "\\" {
                escaped = true
            } else if c == "|" {
                cells.append(String(current).trimmingCharacters(in: " "))
                current = String.UnicodeScalarView()
            } else {
                current.append(c)
            }
        }
        let last = String(current)
        if !last.trimmingCharacters(in: " ").isEmpty { cells.append(last.trimmingCharacters(in: " ")) }
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
    /// its backticks, `[title](url)` as `title <url>`, severity words coloured.
    static func inline(_ text: String, color: Bool) -> String {
        var out = ""
        let chars = Array(text)
        var i = 0
        var bold = false
        while i < chars.count {
            let c = chars[i]
            if c == "\\", i + 1 < chars.count, "\\`*_[]|~".contains(chars[i + 1]) {
                out.append(chars[i + 1])
                i += 2
            } else if c == "*", i + 1 < chars.count, chars[i + 1] == "*" {
                bold.toggle()
                if color { out += bold ? Style.bold.rawValue : Style.reset.rawValue }
                i += 2
            } else if c == "`" {
                i += 1
            } else if c == "[", let close = chars[i...].firstIndex(of: "]"), close + 1 < chars.count, chars[close + 1] == "(",
                      let end = chars[(close + 1)...].firstIndex(of: ")") {
                out += String(chars[(i + 1)..<close]) + " <" + String(chars[(close + 2)..<end]) + ">"
                i = end + 1
            } else {
                out.append(c)
                i += 1
            }
        }
        if bold, color { out += Style.reset.rawValue }
        out = out.replacingEntities()
        return color ? colouringSeverities(out) : out
    }

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
    /// `&lt;`, `&gt;` and `&amp;` back to the characters the report escaped for HTML.
    func replacingEntities() -> String {
        guard contains("&") else { return self }
        var out = ""
        var rest = Substring(self)
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            rest = rest[amp...]
            if rest.hasPrefix("&lt;") { out += "<"; rest = rest.dropFirst(4) }
            else if rest.hasPrefix("&gt;") { out += ">"; rest = rest.dropFirst(4) }
            else if rest.hasPrefix("&amp;") { out += "&"; rest = rest.dropFirst(5) }
            else { out += "&"; rest = rest.dropFirst() }
        }
        return out + rest
    }
}
