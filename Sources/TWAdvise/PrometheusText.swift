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
        render(snapshot, tree: snapshot.factValue, findings: findings, topDestinations: topDestinations, timestamp: timestamp)
    }

    /// ``render(_:findings:topDestinations:timestamp:)`` with the snapshot's fact tree already made.
    static func render(_ snapshot: FactsSnapshot, tree: FactValue, findings: [Finding], topDestinations: Int,
                       timestamp: Double?) -> String {
        let destinations = Array((tree["sockets"]["destinations"].listItems ?? FactRows.empty).prefix(topDestinations))
        var families: [MetricFamily] = []
        for fact in HostFactSchema.facts {
            guard let metric = fact.metric, metric.writtenByWatch else { continue }
            var family = MetricFamily(name: metric.name, help: metric.help)
            if let field = fact.path.destinationField {
                for d in destinations {
                    guard let value = d[field].number else { continue }
                    let labels = [MetricFamily.Label("local", d["local_address"].string ?? ""),
                                  MetricFamily.Label("remote", d["remote_address"].string ?? ""),
                                  MetricFamily.Label("port", d["remote_port"].description)]
                    family.samples.append(.init(labels: labels, value: value))
                }
            } else if let value = tree.value(at: fact.path).number {
                family.samples.append(.init(value: value))
            }
            families.append(family)
        }
        // The kernel's own TIME_WAIT counter, beside the table's count (node_exporter has it as node_sockstat_TCP_tw).
        if let tw = snapshot.sockstat?["TCP", "tw"] {
            families.insert(MetricFamily(name: "twadvise_time_wait_sockets", help: "TIME_WAIT sockets, kernel counter (/proc/net/sockstat tw).",
                                         samples: [.init(value: Double(tw))]), at: 0)
        }
        var finding = MetricFamily(name: "twadvise_finding", help: "A current TWAdvise finding (1 while it holds); score in twadvise_finding_score.")
        var score = MetricFamily(name: "twadvise_finding_score", help: "Ranking score of a current finding.")
        for f in findings {
            let labels = [MetricFamily.Label("rule", f.id), MetricFamily.Label("severity", f.severity.rawValue), MetricFamily.Label("subject", f.subject ?? "")]
            finding.samples.append(.init(labels: labels, value: 1))
            score.samples.append(.init(labels: labels, value: f.score))
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
