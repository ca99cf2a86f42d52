public import TWAdviseEngine

/// The table a report over several network namespaces starts with: one row per namespace, the worst first
/// after the host's, so a person sees at once which namespace needs them.
public struct NamespaceSummary: Sendable {
    /// One namespace.
    public struct Row: Sendable, Hashable {
        /// How a person finds it (`host`, `netns blue`, `pod default/web (container 3f2a1b4c5d6e)`).
        public var label: String
        /// TIME_WAIT sockets in it (sockstat's `tw`, else the socket table's count).
        public var timeWait: Int64?
        /// Its most pressed destination, with its share of R (U(D)/R) and its pressure (the reuse-aware share).
        public var pressed: Observed.Destination?
        /// The highest severity among its findings.
        public var worst: Severity?
        /// Its findings at or above the minimum severity.
        public var shownFindings: Int
        /// Why it could not be read; `nil` when it was.
        public var notRead: String?
        /// Whether its verdict is "insufficient data".
        public var insufficient: Bool

        /// A row.
        public init(label: String, timeWait: Int64?, pressed: Observed.Destination?, worst: Severity?, shownFindings: Int,
                    notRead: String? = nil, insufficient: Bool = false) {
            self.label = label
            self.timeWait = timeWait
            self.pressed = pressed
            self.worst = worst
            self.shownFindings = shownFindings
            self.notRead = notRead
            self.insufficient = insufficient
        }

        /// What it ranks by after severity: pressure, else share of R.
        package var pressure: Double { pressed?.pressedness ?? -1 }

        /// The verdict column: the worst finding, "not read: REASON", "insufficient data", or "healthy".
        var verdictCell: String {
            if let notRead { return "not read: " + notRead }
            if let worst, worst > .info || !insufficient { return worst.rawValue.uppercased() }
            return (insufficient ? Verdict.insufficientData : .healthy).description
        }
    }

    /// The rows: the first is the host's own namespace.
    public var rows: [Row]

    /// A summary of `rows`.
    public init(rows: [Row]) { self.rows = rows }

    /// The rows in the order the table shows them: the host first, then by worst severity and pressure.
    public var ordered: [Row] {
        guard let first = rows.first else { return [] }
        return [first] + rows.dropFirst().sorted { a, b in
            // Namespaces that could not be read come last: nothing is known of them.
            if (a.notRead == nil) != (b.notRead == nil) { return a.notRead == nil }
            let sa = a.worst.flatMap { Severity.allCases.firstIndex(of: $0) } ?? -1
            let sb = b.worst.flatMap { Severity.allCases.firstIndex(of: $0) } ?? -1
            if sa != sb { return sa > sb }
            if a.pressure != b.pressure { return a.pressure > b.pressure }
            return a.label < b.label
        }
    }

    /// `50.0% █████` for a share, `-` when unknown.
    static func shareCell(_ share: Double?) -> String {
        guard let share else { return "-" }
        let bar = Presentation.bar(share)
        return Presentation.percent(share) + (bar.isEmpty ? "" : " " + bar)
    }

    /// For `watch`: how many other namespaces were read, then the `shown` most pressed of them one line each
    /// (worst finding, TIME_WAIT, most pressed destination with its share of R and pressure), and those that
    /// could not be read. Empty when none was read.
    public static func watchLines(_ rows: [Row], shown: Int) -> String {
        guard !rows.isEmpty else { return "" }
        let ordered = NamespaceSummary(rows: [Row(label: "", timeWait: nil, pressed: nil, worst: nil, shownFindings: 0)] + rows).ordered.dropFirst()
        let unread = ordered.filter { $0.notRead != nil }
        let busy = ordered.filter { $0.notRead == nil && ($0.worst.map { $0 > .info } ?? false || $0.pressure > 0 || ($0.timeWait ?? 0) > 0) }
        var lines = ["  \(rows.count) other network namespace\(rows.count == 1 ? "" : "s"), \(busy.count) with sockets or findings"
                     + (unread.isEmpty ? "" : ", \(unread.count) not read")
                     + (busy.count > shown ? "; the \(shown) most pressed:" : busy.isEmpty ? "" : ":")]
        for row in busy.prefix(shown) {
            var line = "    " + (row.worst.map { $0 > .info ? $0.rawValue.uppercased() : "ok" } ?? "ok") + "  " + Escaping.terminalValue(row.label)
                + "  TIME_WAIT \(row.timeWait.map(String.init) ?? "?")"
            if let pressed = row.pressed {
                line += "  \(Escaping.terminalValue(pressed.label)) share of R \(shareCell(pressed.shareOfR))"
                if let pressure = pressed.pressure { line += " pressure \(Presentation.percent(pressure))" }
            }
            lines.append(line)
        }
        for row in unread.prefix(shown) {
            lines.append("    not read  \(Escaping.terminalValue(row.label)): \(Escaping.terminalValue(row.notRead ?? ""))")
        }
        return "\n" + Escaping.terminal(lines.joined(separator: "\n"))
    }

    /// The table in Markdown, with the line that says which runbooks follow.
    public func markdown(hostname: String?) -> String {
        document(hostname: hostname).markdown
    }

    /// The table as a document: its heading, the table, what share of R and pressure are, and which runbooks
    /// follow.
    public func document(hostname: String?) -> ReportDocument {
        let rows = ordered.map { row in
            [MarkdownReport.host(row.label), row.timeWait.map(String.init) ?? "unknown", row.pressed.map { MarkdownReport.host($0.label) } ?? "-",
             Self.shareCell(row.pressed?.shareOfR), row.pressed?.pressure.map(Presentation.percent) ?? "-", MarkdownReport.host(row.verdictCell)]
        }
        let others = self.rows.dropFirst()
        let unread = others.filter { $0.notRead != nil }.count
        let insufficient = others.filter { $0.notRead == nil && $0.insufficient && $0.shownFindings == 0 }.count
        let quiet = others.filter { $0.notRead == nil && !$0.insufficient && $0.shownFindings == 0 }.count
        var tail: [String] = []
        if quiet > 0 { tail.append("\(quiet) namespace\(quiet == 1 ? " has" : "s have") none") }
        if insufficient > 0 { tail.append("\(insufficient) could not be decided (insufficient data)") }
        if unread > 0 { tail.append("\(unread) could not be read") }
        return ReportDocument(blocks: [
            .heading(level: 1, text: "TWAdvise: \(self.rows.count) network namespaces on \(MarkdownReport.host(hostname ?? "unknown host"))"),
            .table(ReportTable(header: ["Namespace", "TIME_WAIT", "Most pressed destination", "Share of R", "Pressure", "Verdict"], rows: rows)),
            .paragraph(["Share of R is U(D)/R: the destination's sockets over the usable ephemeral ports. Pressure counts a "
                        + "TIME_WAIT port only for the reuse delay where tcp_tw_reuse applies toward it."]),
            .paragraph(["A runbook follows for the host's own namespace and for each namespace with findings"
                        + (tail.isEmpty ? "." : "; " + tail.joined(separator: "; ") + ".")]),
        ])
    }
}
