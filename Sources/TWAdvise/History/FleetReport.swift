#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
public import TWAdviseEngine
public import TWAdvisePrometheus
import TWAdviseHistory
import TWAdviseRunbooks

/// The fleet worst first: one row per instance, its worst measure at its worst moment, with the severity the
/// rules in force give that peak, and the command that reads that host in full.
public struct FleetReport: Sendable, Codable {
    /// One instance.
    public struct Row: Sendable, Codable {
        /// The instance label (`web-1:9100`).
        public var instance: String
        /// Its worst measure (`destination_pressure`, `time_wait`, ...).
        public var measure: String
        /// What it measures, for a person.
        public var title: String
        /// The severity the rule of that measure gives its peak, when one does (`nil`: below every threshold,
        /// or a measure no rule grades alone).
        public var severity: Severity?
        /// The rule whose thresholds graded it.
        public var rule: String?
        /// The highest value in the window.
        public var peak: Double
        /// When (to one step).
        public var at: Date?
        /// Labels of the worst series (a destination's `remote`, `port`, `namespace`).
        public var labels: [String: String]
        /// The instance's other measures: name → peak.
        public var others: [String: Double]
        /// The PromQL that ranked it.
        public var query: String
    }

    /// The Prometheus server read.
    public var server: String
    /// The window.
    public var from: Date
    /// The end of the window.
    public var to: Date
    /// Instances, worst first.
    public var rows: [Row]
    /// Measures the server could not give, with why.
    public var notRead: [String]

    /// The report as a Markdown table, with the command that diagnoses each of the worst hosts.
    public func markdown() -> String {
        var out = "# TWAdvise fleet report\n\n"
        out += "| | |\n|---|---|\n| Prometheus | \(MarkdownReport.host(server)) |\n| Window | \(ReportTime.full(from)) to \(ReportTime.full(to)) |\n"
        out += "| Instances ranked | \(rows.count) |\n\n"
        if rows.isEmpty {
            out += "No instance has a series of the measures below in the window: nothing to rank (insufficient data, not an all-clear).\n"
        } else {
            out += "| # | Instance | Severity | Worst | Peak | At | Also |\n|---|---|---|---|---|---|---|\n"
            for (i, row) in rows.enumerated() {
                let subject = Self.subject(row.labels)
                let also = row.others.sorted { $0.key < $1.key }.map { "\($0.key) \(Self.value($0.value, measure: $0.key))" }.joined(separator: ", ")
                out += "| \(i + 1) | \(MarkdownReport.host(row.instance)) | \(row.severity?.rawValue.uppercased() ?? "-") | \(MarkdownReport.host(row.title + (subject.isEmpty ? "" : " (\(subject))"))) | \(Self.value(row.peak, measure: row.measure)) | \(row.at.map(ReportTime.full) ?? "-") | \(MarkdownReport.host(also)) |\n"
            }
            out += "\nSeverity is what the rule in force gives that peak alone (`rules explain ID` shows its thresholds); "
            out += "read a host in full, at its worst moment, with:\n\n```sh\n"
            for row in rows.prefix(3) {
                guard let url = Escaping.shellQuoted(server), let instance = Escaping.shellQuoted(row.instance) else { continue }
                out += "twadvise diagnose --prometheus \(url) --instance \(instance)"
                if let at = row.at { out += " --at \(ReportTime.full(at))" }
                out += "\n"
            }
            out += "```\n"
        }
        if !notRead.isEmpty {
            out += "\nNot read:\n\n" + notRead.map { "- \(MarkdownReport.host($0))\n" }.joined()
        }
        return out
    }

    /// The report as JSON (sorted keys, RFC 3339 times).
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        var data = try encoder.encode(self)
        data.append(0x0A)
        return data
    }

    static func subject(_ labels: [String: String]) -> String {
        var parts: [String] = []
        if let remote = labels["remote"], let port = labels["port"] { parts.append("\(remote):\(port)") }
        if let namespace = labels["namespace"], namespace != "host" { parts.append("namespace \(namespace)") }
        return parts.joined(separator: ", ")
    }

    static func value(_ value: Double, measure: String) -> String {
        let unit: Timeline.Series.Unit = switch measure {
        case FleetMeasure.destinationPressure.rawValue, FleetMeasure.conntrackRatio.rawValue, FleetMeasure.fileHandlesRatio.rawValue: .share
        case FleetMeasure.activeOpensRate.rawValue: .perSecond
        default: .count
        }
        return unit.formatted(value)
    }
}

extension Advisor {
    /// The fleet report of a ranking: each instance's measures graded by the thresholds of the rules in force
    /// (overlays included), the worst first.
    public func fleetReport(_ ranking: FleetRanking, server: String) -> FleetReport {
        func parameter(_ rule: String, _ name: String) -> Double? {
            catalog.ruleSet.rule(id: rule).flatMap { r in r.isDisabled ? nil : r.parameters.first { $0.name == name }?.value.number }
        }
        func grade(_ row: FleetRow) -> (Severity?, String?) {
            switch row.measure {
            case .destinationPressure:
                let rule = "ports.destination-exhaustion"
                if let t = parameter(rule, "critical_ratio"), row.peak >= t { return (.critical, rule) }
                if let t = parameter(rule, "high_ratio"), row.peak >= t { return (.high, rule) }
                if let t = parameter(rule, "medium_ratio"), row.peak >= t { return (.medium, rule) }
                return (nil, rule)
            case .conntrackRatio:
                let rule = "conntrack.table-near-full"
                if let t = parameter(rule, "critical_share"), row.peak >= t { return (.critical, rule) }
                if let t = parameter(rule, "high_share"), row.peak >= t { return (.high, rule) }
                return (nil, rule)
            case .fileHandlesRatio:
                let rule = "fs.file-handles-near-limit"
                if let t = parameter(rule, "share"), row.peak >= t { return (.high, rule) }
                return (nil, rule)
            case .timeWait:
                let rule = "timewait.total-high"
                if let t = parameter(rule, "total_threshold"), row.peak >= t { return (.low, rule) }
                return (nil, rule)
            case .activeOpensRate:
                return (nil, nil)
            }
        }
        var byInstance: [String: [FleetRow]] = [:]
        for row in ranking.rows { byInstance[row.instance, default: []].append(row) }
        let order = FleetMeasure.allCases
        var rows: [FleetReport.Row] = []
        for (instance, measures) in byInstance {
            let graded = measures.map { ($0, grade($0)) }
            // Worst: highest severity, then the measure order (pressure first), then the peak.
            let worst = graded.max { a, b in
                let sa = a.1.0.map { Severity.allCases.firstIndex(of: $0)! } ?? -1
                let sb = b.1.0.map { Severity.allCases.firstIndex(of: $0)! } ?? -1
                if sa != sb { return sa < sb }
                return order.firstIndex(of: a.0.measure)! > order.firstIndex(of: b.0.measure)!
            }!
            var others: [String: Double] = [:]
            for (row, _) in graded where row.measure != worst.0.measure { others[row.measure.rawValue] = row.peak }
            rows.append(FleetReport.Row(instance: instance, measure: worst.0.measure.rawValue, title: Self.fleetTitle(worst.0.measure),
                                        severity: worst.1.0, rule: worst.1.1, peak: worst.0.peak, at: worst.0.at,
                                        labels: worst.0.labels, others: others, query: worst.0.query))
        }
        rows.sort { a, b in
            let sa = a.severity.map { Severity.allCases.firstIndex(of: $0)! } ?? -1
            let sb = b.severity.map { Severity.allCases.firstIndex(of: $0)! } ?? -1
            if sa != sb { return sa > sb }
            let ma = FleetMeasure(rawValue: a.measure).flatMap { order.firstIndex(of: $0) } ?? 99
            let mb = FleetMeasure(rawValue: b.measure).flatMap { order.firstIndex(of: $0) } ?? 99
            if ma != mb { return ma < mb }
            return (a.peak, b.instance) > (b.peak, a.instance)
        }
        return FleetReport(server: server, from: ranking.from, to: ranking.to, rows: rows, notRead: ranking.notRead.map(\.description))
    }

    static func fleetTitle(_ measure: FleetMeasure) -> String {
        switch measure {
        case .destinationPressure: "pressure toward a destination (share of R where no pressure series)"
        case .timeWait: "TIME_WAIT sockets"
        case .activeOpensRate: "connections opened per second"
        case .conntrackRatio: "conntrack entries / table size"
        case .fileHandlesRatio: "file handles allocated / limit"
        }
    }
}
