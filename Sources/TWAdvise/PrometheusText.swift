public import TWAdviseEngine
public import TWAdviseFacts
import TWAdviseRunbooks

/// Prometheus text exposition of a snapshot and its findings, for node_exporter's textfile collector.
///
/// The metrics are those of ``HostFactSchema/facts`` that `watch` writes (`twadvise_` names with their
/// `# HELP`), plus one `twadvise_finding` series per current finding with `rule`, `severity` and `subject`
/// labels.
public enum PrometheusText {
    /// The exposition text. `topDestinations` bounds the per-destination series.
    public static func render(_ snapshot: FactsSnapshot, findings: [Finding], topDestinations: Int = 10,
                              timestamp: Double? = nil) -> String {
        render([(snapshot, snapshot.factValue, findings)], topDestinations: topDestinations, timestamp: timestamp)
    }

    /// The exposition text of several network namespaces' readings, each series labelled with its namespace
    /// (`namespace="host"` for the one read first), every metric one family: the names and help come from
    /// the fact declarations, the values from the fact tree the rules were evaluated on.
    static func render(_ readings: [(snapshot: FactsSnapshot, tree: FactValue, findings: [Finding])], topDestinations: Int,
                       timestamp: Double?) -> String {
        var families: [MetricFamily] = []
        var index: [String: Int] = [:]
        func family(_ name: String, _ help: String) -> Int {
            if let i = index[name] { return i }
            families.append(MetricFamily(name: name, help: help))
            index[name] = families.count - 1
            return families.count - 1
        }
        var finding = MetricFamily(name: "twadvise_finding", help: "A current TWAdvise finding (1 while it holds); score in twadvise_finding_score.")
        var score = MetricFamily(name: "twadvise_finding_score", help: "Ranking score of a current finding.")
        for reading in readings {
            let namespace = MetricFamily.Label("namespace", reading.snapshot.origin.namespace ?? "host")
            let destinations = Array((reading.tree["sockets"]["destinations"].listItems ?? FactRows.empty).prefix(topDestinations))
            for fact in HostFactSchema.facts {
                guard let written = fact.metric?.written else { continue }
                let i = family(written.name, written.help)
                if let field = fact.path.destinationField {
                    for d in destinations {
                        guard let value = d[field].number else { continue }
                        let labels = [namespace, MetricFamily.Label("local", d["local_address"].string ?? ""),
                                      MetricFamily.Label("remote", d["remote_address"].string ?? ""),
                                      MetricFamily.Label("port", d["remote_port"].description)]
                        families[i].samples.append(.init(labels: labels, value: value))
                    }
                } else if let value = reading.tree.value(at: fact.path).number {
                    families[i].samples.append(.init(labels: [namespace], value: value))
                }
            }
            for f in reading.findings {
                let labels = [namespace, MetricFamily.Label("rule", f.id), MetricFamily.Label("severity", f.severity.rawValue),
                              MetricFamily.Label("subject", f.subject ?? "")]
                finding.samples.append(.init(labels: labels, value: 1))
                score.samples.append(.init(labels: labels, value: f.score))
            }
        }
        var text = PrometheusExposition.render(families + [score])
        // twadvise_finding is always written, empty when nothing holds, so an alert can tell "no finding" from "no data".
        if finding.samples.isEmpty { text += "# HELP \(finding.name) \(finding.help)\n# TYPE \(finding.name) gauge\n" }
        text += PrometheusExposition.render([finding])
        if let timestamp {
            text += PrometheusExposition.render([MetricFamily(name: "twadvise_last_run_timestamp_seconds", help: "When twadvise last read the host (Unix time).",
                                                              samples: [.init(value: timestamp)])])
        }
        return text
    }
}

extension String {
    /// `time_wait` for `sockets.destinations[].time_wait`, `nil` for any other path.
    var destinationField: String? {
        hasPrefix("sockets.destinations[].") ? String(dropFirst("sockets.destinations[].".count)) : nil
    }
}

extension FactValue {
    /// The value at a dotted path of records.
    func value(at path: String) -> FactValue {
        path.split(separator: ".").reduce(self) { $0[String($1)] }
    }
}
