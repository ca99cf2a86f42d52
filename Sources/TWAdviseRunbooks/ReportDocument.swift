/// A report as one document of typed blocks: the Markdown runbook and the terminal's view are two renderings
/// of it (``markdown`` and ``terminal(color:)``), never one read back from the other.
///
/// The frame (`report.md`, which a team may replace) is Markdown by contract, so its rendered lines are read
/// into blocks once; everything the report builds itself is a block from the start: each finding's runbook
/// (its ``RunbookSteps``: headings, prose, code blocks with what they declare), its evidence tables, the
/// table of namespaces. Text in blocks is inline Markdown, escaped where it holds host values.
public struct ReportDocument: Sendable, Hashable, Codable {
    /// The blocks in order; each is separated from the next by one blank line in Markdown and on a terminal.
    public var blocks: [ReportBlock]

    /// A document of `blocks`.
    public init(blocks: [ReportBlock]) {
        self.blocks = blocks
    }

    /// The document as Markdown: each block, one blank line between blocks, one newline at the end.
    public var markdown: String {
        blocks.isEmpty ? "" : blocks.map(\.markdown).joined(separator: "\n\n") + "\n"
    }

    /// The document for a person at a terminal: escapes undone, headings and bold in bold, tables aligned in
    /// columns, code blocks indented and unfenced, links as `title <url>`, severities in colour (none with
    /// `color: false`, the `NO_COLOR` convention). Every invisible scalar but tab is made visible first
    /// (``Escaping/terminal(_:)``), before the renderer adds its own control sequences.
    public func terminal(color: Bool) -> String {
        blocks.isEmpty ? "" : blocks.map { $0.terminal(color: color) }.joined(separator: "\n\n") + "\n"
    }

    /// The blocks of a finding's runbook: each subsection's `###` heading, then its prose (read as blocks:
    /// paragraphs and lists) and its code blocks as they are.
    public init(steps: RunbookSteps) {
        var blocks: [ReportBlock] = []
        for subsection in steps.subsections {
            if let heading = subsection.heading { blocks.append(.heading(level: 3, text: heading)) }
            for block in subsection.blocks {
                switch block {
                case .code(let code): blocks.append(.code(code))
                case .prose(let text): blocks += ReportDocument(markdown: text).blocks
                }
            }
        }
        self.blocks = blocks
    }

    /// Markdown read into blocks by the first characters of its lines: `#` headings, `|` tables (a header
    /// row, a `---` row, rows), fenced code, `- ` lists with indented continuation lines, `---` rules, and
    /// paragraphs of whatever else. Blank lines separate blocks; runs of them count as one. Lines end at
    /// `\n` (not in a CR LF pair, as ``MarkdownReport/tidy(_:)`` cuts them).
    package init(markdown: String) {
        var blocks: [ReportBlock] = []
        let lines = MarkdownReport.lines(markdown).map(String.init)
        var i = 0
        func isBlank(_ line: String) -> Bool { line.utf8.allSatisfy { $0 == 0x20 } }
        while i < lines.count {
            let line = lines[i]
            if isBlank(line) {
                i += 1
            } else if Self.isFence(line) {
                var code: [RunbookCode.Line] = []
                i += 1
                while i < lines.count, !Self.isFence(lines[i]) {
                    code.append(RunbookCode.Line(lines[i]))
                    i += 1
                }
                i += 1  // the closing fence (or the end)
                blocks.append(.code(RunbookCode(language: String(line.dropFirst(3)), lines: code)))
            } else if let level = Self.headingLevel(line) {
                blocks.append(.heading(level: level, text: String(line.dropFirst(level + 1))))
                i += 1
            } else if line == "---" {
                blocks.append(.rule)
                i += 1
            } else if line.utf8.first == UInt8(ascii: "|"), i + 1 < lines.count, Self.isDelimiterRow(lines[i + 1]) {
                let header = TerminalMarkdown.cellsOf(line)
                var rows: [[String]] = []
                i += 2
                while i < lines.count, lines[i].utf8.first == UInt8(ascii: "|") {
                    rows.append(TerminalMarkdown.cellsOf(lines[i]))
                    i += 1
                }
                blocks.append(.table(ReportTable(header: header, rows: rows)))
            } else if Self.isListItem(line) {
                var items: [[String]] = []
                while i < lines.count, !isBlank(lines[i]) {
                    let next = lines[i]
                    if Self.isListItem(next) {
                        items.append([String(next.dropFirst(2))])
                    } else if next.utf8.starts(with: [0x20, 0x20]) {
                        items[items.count - 1].append(String(next.dropFirst(2)))
                    } else {
                        break
                    }
                    i += 1
                }
                blocks.append(.list(items))
            } else {
                var paragraph: [String] = []
                while i < lines.count, !isBlank(lines[i]), paragraph.isEmpty || !Self.startsBlock(lines[i]) {
                    paragraph.append(lines[i])
                    i += 1
                }
                blocks.append(.paragraph(paragraph))
            }
        }
        self.blocks = blocks
    }

    /// `#` to `######` and a space: the heading's level.
    static func headingLevel(_ line: String) -> Int? {
        let hashes = line.utf8.prefix { $0 == UInt8(ascii: "#") }.count
        guard (1...6).contains(hashes), line.utf8.dropFirst(hashes).first == 0x20 else { return nil }
        return hashes
    }

    /// A table's second row: `|`, dashes, colons and spaces only, a dash among them.
    static func isDelimiterRow(_ line: String) -> Bool {
        line.utf8.first == UInt8(ascii: "|") && line.utf8.contains(UInt8(ascii: "-"))
            && line.utf8.allSatisfy { $0 == UInt8(ascii: "|") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ":") || $0 == 0x20 }
    }

    /// A code fence: three backticks first.
    static func isFence(_ line: String) -> Bool { line.utf8.starts(with: [0x60, 0x60, 0x60]) }

    /// A list item: `- ` first.
    static func isListItem(_ line: String) -> Bool { line.utf8.starts(with: [UInt8(ascii: "-"), 0x20]) }

    /// Whether `line` starts a block other than a paragraph, which ends the paragraph before it.
    static func startsBlock(_ line: String) -> Bool {
        isFence(line) || headingLevel(line) != nil || line == "---" || isListItem(line)
    }
}

/// One block of a ``ReportDocument``.
public enum ReportBlock: Sendable, Hashable, Codable {
    /// `## text`: a heading of `level` 1 to 6.
    case heading(level: Int, text: String)
    /// Lines of prose, kept as written (a line break inside a paragraph stays one).
    case paragraph([String])
    /// `- ` items, each its lines (the first after the marker, the others without their two-space indent).
    case list([[String]])
    /// A table: its header row and its rows of cells.
    case table(ReportTable)
    /// A fenced code block: commands for a person to copy.
    case code(RunbookCode)
    /// `---`.
    case rule

    /// The block as Markdown, without the blank line after it.
    public var markdown: String {
        switch self {
        case .heading(let level, let text): return String(repeating: "#", count: level) + " " + text
        case .paragraph(let lines): return lines.joined(separator: "\n")
        case .list(let items): return items.map { "- " + $0.joined(separator: "\n  ") }.joined(separator: "\n")
        case .table(let table): return table.markdown
        case .code(let code): return code.markdown
        case .rule: return "---"
        }
    }

    /// The block for a terminal (see ``ReportDocument/terminal(color:)``).
    public func terminal(color: Bool) -> String {
        func inline(_ text: String) -> String { TerminalMarkdown.inline(Escaping.terminal(text), color: color) }
        switch self {
        case .heading(let level, let text):
            return TerminalMarkdown.styled(inline(text), level == 1 ? .boldUnderline : .bold, color)
        case .paragraph(let lines):
            return lines.map(inline).joined(separator: "\n")
        case .list(let items):
            return items.map { "- " + $0.map(inline).joined(separator: "\n  ") }.joined(separator: "\n")
        case .table(let table):
            let rows = ([table.header] + table.rows).map { $0.map { Escaping.terminal($0) } }
            return TerminalMarkdown.alignedTable(rows, color: color).joined(separator: "\n")
        case .code(let code):
            // Commands stay exactly as written, to be copied; only invisible scalars are made visible.
            return code.lines.map { "    " + Escaping.terminal($0.text) }.joined(separator: "\n")
        case .rule:
            return String(repeating: "─", count: 40)
        }
    }
}

/// A table of a ``ReportDocument``: cells are inline Markdown.
public struct ReportTable: Sendable, Hashable, Codable {
    /// The header row; all empty for a table without one (the report's `| | |` tables of label and value).
    public var header: [String]
    /// The rows, each as many cells as the header or fewer.
    public var rows: [[String]]

    /// A table of `header` and `rows`.
    public init(header: [String], rows: [[String]]) {
        self.header = header
        self.rows = rows
    }

    /// `| a | b |` rows, the header first, then `|---|---|`; a row of empty cells as `| | |`. A `|` in a cell
    /// that no backslash escapes (rule text as written, `|tcp_ehash_entries| / 2`) is escaped: it would end the
    /// cell.
    public var markdown: String {
        func row(_ cells: [String]) -> String {
            cells.allSatisfy(\.isEmpty) ? "|" + String(repeating: " |", count: cells.count)
                : "| " + cells.map(Self.escapingBars).joined(separator: " | ") + " |"
        }
        return ([row(header), "|" + String(repeating: "---|", count: header.count)] + rows.map(row)).joined(separator: "\n")
    }

    /// `cell` with a backslash before each `|` that none escapes, by UTF-8 byte.
    static func escapingBars(_ cell: String) -> String {
        guard cell.utf8.contains(UInt8(ascii: "|")) else { return cell }
        var out: [UInt8] = []
        var escaped = false
        for byte in cell.utf8 {
            if byte == UInt8(ascii: "|"), !escaped { out.append(UInt8(ascii: "\\")) }
            escaped = byte == UInt8(ascii: "\\") && !escaped
            out.append(byte)
        }
        return String(decoding: out, as: UTF8.self)
    }
}
