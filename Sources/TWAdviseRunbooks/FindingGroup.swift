internal import TWAdviseEngine

/// The findings of one rule, shown as one entry of the runbook: the explanation once, a table of subjects.
struct FindingGroup {
    /// Subjects shown in detail (table rows and commands); the others are counted and left to the JSON.
    static let detailLimit = 10

    /// In rank order: the first is the worst subject.
    var findings: [Finding]

    var worst: Finding { findings[0] }
    var severity: Severity { findings.map(\.severity).max()! }
    var detailed: ArraySlice<Finding> { findings.prefix(Self.detailLimit) }

    /// One group per rule: the worst severity first, then in the rank order of each rule's first finding
    /// (so a HIGH finding with a low score never sits below a MEDIUM one on the first screen).
    static func grouping(_ findings: [Finding]) -> [FindingGroup] {
        var order: [String] = []
        var byRule: [String: [Finding]] = [:]
        for finding in findings {
            if byRule[finding.id] == nil { order.append(finding.id) }
            byRule[finding.id, default: []].append(finding)
        }
        let groups = order.map { FindingGroup(findings: byRule[$0]!) }
        return groups.enumerated().sorted { a, b in
            a.element.severity != b.element.severity ? a.element.severity > b.element.severity : a.offset < b.offset
        }.map(\.element)
    }

    /// The evidence as blocks: for one subject a table of what, value and where it was read; for several,
    /// the values every subject shares in that table, then one row per subject with the values that differ.
    /// `tables` maps each subject table already shown to the rank of its finding: the same table again
    /// (another rule about the same destinations, with the same numbers) is a line pointing back to it.
    func evidenceBlocks(sameAs tables: inout [(rank: Int, rows: [String: Set<String>])], rank: Int) -> [ReportBlock] {
        let labels = worst.evidence.map(\.label)
        func item(_ f: Finding, _ i: Int) -> Evidence? {
            f.evidence.count == labels.count && f.evidence[i].label == labels[i] ? f.evidence[i] : f.evidence.first { $0.label == labels[i] }
        }
        var varying = labels.indices.filter { i in detailed.contains { item($0, i)?.value != worst.evidence[i].value } }
        // A column the same as one before it in every row (U(D)/R and the share really held, where reuse
        // applies to none) is shown once.
        varying = varying.enumerated().filter { position, i in
            !varying.prefix(position).contains { j in detailed.allSatisfy { item($0, i)?.value == item($0, j)?.value } }
        }.map(\.element)
        let shared = labels.indices.filter { i in !detailed.contains { item($0, i)?.value != worst.evidence[i].value } }
        // Values not known for any subject make one line, not rows of "unknown".
        let unknown = shared.filter { worst.evidence[$0].kind == .unknown }
        var blocks: [ReportBlock] = []
        if shared.count > unknown.count {
            blocks.append(.table(ReportTable(header: ["Evidence", "Value", "Read from"], rows: shared.filter { !unknown.contains($0) }.map { i in
                let e = worst.evidence[i]
                return [e.label, Self.cell(e), MarkdownReport.host(e.source ?? "")]
            })))
        }
        var notes: [String] = []
        let grouped = findings.count > 1 && !varying.isEmpty
        let sources = Set(varying.compactMap { worst.evidence[$0].source }).sorted()
        if grouped, !sources.isEmpty {
            notes.append("Per subject: " + sources.map { s in
                MarkdownReport.host(s.hasPrefix("computed from") ? s : "read from " + s)
            }.joined(separator: "; ") + ".")
        }
        if !unknown.isEmpty {
            notes.append("Not known from this input: " + unknown.map { labels[$0] }.joined(separator: "; ") + ".")
        }
        if !notes.isEmpty { blocks.append(.paragraph([notes.joined(separator: " ")])) }
        guard grouped else { return blocks }
        var rows: [[String]] = []
        var values: [String: Set<String>] = [:]
        for f in detailed {
            let cells = varying.map { i in item(f, i).map(Self.cell) ?? "unknown" }
            rows.append([f.severity.rawValue.uppercased(), MarkdownReport.host(f.subject ?? "")] + cells)
            values[f.subject ?? "", default: []].formUnion(zip(varying, cells).map { labels[$0] + "=" + $1 })
        }
        // Shown before when an earlier table had these subjects with these values (and maybe more columns).
        if let earlier = tables.first(where: { table in
            table.rows.count == values.count && values.allSatisfy { table.rows[$0.key]?.isSuperset(of: $0.value) == true }
        }) {
            blocks.append(.paragraph(["Its \(detailed.count) subjects and their \(varying.map { labels[$0] }.joined(separator: ", ")) are those of "
                                      + "finding \(earlier.rank)'s table above."]))
            return blocks
        }
        tables.append((rank, values))
        blocks.append(.table(ReportTable(header: ["Severity", "Subject"] + varying.map { labels[$0] }, rows: rows)))
        if findings.count > detailed.count {
            blocks.append(.paragraph(["\(findings.count - detailed.count) more subjects below these; `--format json` lists every one."]))
        }
        return blocks
    }

    /// One evidence value for a person, by its kind: a count or rate rounded, a share with its bar, seconds
    /// and text as the rule formatted them.
    static func cell(_ e: Evidence) -> String {
        switch (e.kind, e.number) {
        case (.share, let number?): return Presentation.percent(number) + " " + Presentation.bar(number)
        case (.number, let number?): return Presentation.number(number)
        default: return MarkdownReport.host(e.value)
        }
    }

    /// The thresholds as applied: `name value`, with the rule file's value beside one an overlay changed.
    func thresholds() -> String {
        worst.parameters.keys.sorted().map { name in
            let value = worst.parameters[name]!
            if let original = worst.parameterDefaults[name] {
                return "`\(name)` **\(value)** (default \(original))"
            }
            return "`\(name)` \(value)"
        }.joined(separator: " · ")
    }
}
