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
        /// Its most pressed destination and the share of R it really holds.
        public var pressed: (destination: String, share: Double)?
        /// The highest severity among its findings.
        public var worst: Severity?
        /// Its findings at or above the minimum severity.
        public var shownFindings: Int

        /// A row.
        public init(label: String, timeWait: Int64?, pressed: (destination: String, share: Double)?, worst: Severity?, shownFindings: Int) {
            self.label = label
            self.timeWait = timeWait
            self.pressed = pressed
            self.worst = worst
            self.shownFindings = shownFindings
        }

        public static func == (a: Row, b: Row) -> Bool {
            a.label == b.label && a.timeWait == b.timeWait && a.pressed?.destination == b.pressed?.destination
                && a.pressed?.share == b.pressed?.share && a.worst == b.worst && a.shownFindings == b.shownFindings
        }

        public func hash(into hasher: inout Hasher) { hasher.combine(label) }
    }

    /// The rows: the first is the host's own namespace.
    public var rows: [Row]

    /// A summary of `rows`.
    public init(rows: [Row]) { self.rows = rows }

    /// The rows in the order the table shows them: the host first, then by worst severity and pressure.
    public var ordered: [Row] {
        guard let first = rows.first else { return [] }
        return [first] + rows.dropFirst().sorted { a, b in
            let sa = a.worst.map { Severity.allCases.firstIndex(of: $0)! } ?? -1
            let sb = b.worst.map { Severity.allCases.firstIndex(of: $0)! } ?? -1
            if sa != sb { return sa > sb }
            if (a.pressed?.share ?? -1) != (b.pressed?.share ?? -1) { return (a.pressed?.share ?? -1) > (b.pressed?.share ?? -1) }
            return a.label < b.label
        }
    }

    /// For `watch`: how many other namespaces were read, then the `shown` most pressed of them one line each
    /// (worst finding, TIME_WAIT, most pressed destination with its share and bar). Empty when none was read.
    public static func watchLines(_ rows: [Row], shown: Int) -> String {
        guard !rows.isEmpty else { return "" }
        let ordered = NamespaceSummary(rows: [Row(label: "", timeWait: nil, pressed: nil, worst: nil, shownFindings: 0)] + rows).ordered.dropFirst()
        let busy = ordered.filter { $0.worst.map { $0 > .info } ?? false || ($0.pressed?.share ?? 0) > 0 || ($0.timeWait ?? 0) > 0 }
        var lines = ["  \(rows.count) other network namespace\(rows.count == 1 ? "" : "s"), \(busy.count) with sockets or findings"
                     + (busy.count > shown ? "; the \(shown) most pressed:" : busy.isEmpty ? "" : ":")]
        for row in busy.prefix(shown) {
            var line = "    " + (row.worst.map { $0 > .info ? $0.rawValue.uppercased() : "ok" } ?? "ok") + "  " + row.label
                + "  TIME_WAIT \(row.timeWait.map(String.init) ?? "?")"
            if let pressed = row.pressed {
                let bar = Presentation.bar(pressed.share)
                line += "  \(pressed.destination) \(Presentation.percent(pressed.share))" + (bar.isEmpty ? "" : " " + bar)
            }
            lines.append(line)
        }
        return "\n" + Escaping.terminal(lines.joined(separator: "\n"))
    }

    /// The table in Markdown, with the line that says which runbooks follow.
    public func markdown(hostname: String?) -> String {
        var lines = [
            "# TWAdvise: \(rows.count) network namespaces on \(MarkdownReport.host(hostname ?? "unknown host"))",
            "",
            "| Namespace | TIME_WAIT | Most pressed destination | Its share of R | Worst finding |",
            "|---|---|---|---|---|",
        ]
        for row in ordered {
            let share = row.pressed.map { Presentation.percent($0.share) + " " + Presentation.bar($0.share) } ?? "-"
            lines.append("| \(MarkdownReport.host(row.label)) | \(row.timeWait.map(String.init) ?? "unknown") | "
                         + "\(row.pressed.map { MarkdownReport.host($0.destination) } ?? "-") | \(share) | "
                         + "\(row.worst?.rawValue.uppercased() ?? "none") |")
        }
        let quiet = rows.dropFirst().filter { $0.shownFindings == 0 }.count
        lines.append("")
        lines.append("A runbook follows for the host's own namespace and for each namespace with findings"
                     + (quiet > 0 ? "; \(quiet) namespace\(quiet == 1 ? " has" : "s have") none." : "."))
        return lines.joined(separator: "\n") + "\n"
    }
}
