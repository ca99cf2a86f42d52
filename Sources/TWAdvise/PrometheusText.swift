public import TWAdviseEngine
public import TWAdviseFacts

/// Prometheus text exposition of a snapshot and its findings, for node_exporter's textfile collector.
///
/// Every name is in the `twadvise_` namespace with `# HELP` and `# TYPE`; one `twadvise_finding` series per
/// current finding carries `rule`, `severity` and `subject` labels.
public enum PrometheusText {
    struct Family {
        var name: String
        var help: String
        var type = "gauge"
        var samples: [(labels: [(String, String)], value: Double)] = []
    }

    /// The exposition text. `rates` are the per-second rates between this reading and the previous one, if any.
    public static func render(_ snapshot: FactsSnapshot, findings: [Finding], topDestinations: Int = 10,
                              timestamp: Double? = nil) -> String {
        var families: [Family] = []
        func gauge(_ name: String, _ help: String, _ value: Double?) {
            guard let value else { return }
            families.append(Family(name: name, help: help, samples: [([], value)]))
        }
        gauge("twadvise_time_wait_sockets", "TIME_WAIT sockets, kernel counter (/proc/net/sockstat tw).", snapshot.sockstat?["TCP", "tw"].map(Double.init))
        gauge("twadvise_socket_table_time_wait", "TIME_WAIT rows in the socket table.", snapshot.sockets.map { Double($0.timeWait) })
        gauge("twadvise_outbound_time_wait", "TIME_WAIT on ephemeral local ports (this host closed outgoing connections).", snapshot.sockets.map { Double($0.outboundTimeWait) })
        gauge("twadvise_inbound_time_wait", "TIME_WAIT on listening ports (the server closed first).", snapshot.sockets.map { Double($0.inboundTimeWait) })
        gauge("twadvise_established_sockets", "ESTABLISHED TCP sockets, IPv4 and IPv6.", snapshot.sockets.map { Double($0.all[.established]) })
        let budget = snapshot.portBudget
        gauge("twadvise_ephemeral_ports_usable", "Usable ephemeral ports R: range minus reserved and listening ports in it.", budget.map { Double($0.usable) })
        gauge("twadvise_ephemeral_ports_in_use", "Distinct ephemeral ports held by any socket.", budget.map { Double($0.inUse) })
        if let r = snapshot.rates {
            gauge("twadvise_active_opens_per_second", "Connections opened by this host per second over the last interval.", r.perSecond("Tcp", "ActiveOpens"))
            gauge("twadvise_time_wait_created_per_second", "TIME_WAIT sockets created per second over the last interval (TcpExt TW).", r.perSecond("TcpExt", "TW"))
            gauge("twadvise_time_wait_overflow_per_second", "Closes that skipped TIME_WAIT per second (TcpExt TCPTimeWaitOverflow).", r.perSecond("TcpExt", "TCPTimeWaitOverflow"))
        }
        if let sockets = snapshot.sockets {
            let usable = budget.map { Double($0.usable) }
            var inUse = Family(name: "twadvise_destination_sockets", help: "Sockets holding an ephemeral port toward a destination, U(D).")
            var tw = Family(name: "twadvise_destination_time_wait", help: "TIME_WAIT sockets toward a destination.")
            var share = Family(name: "twadvise_destination_port_share", help: "U(D) / R: share of the usable ephemeral ports a destination holds.")
            for d in sockets.destinations.prefix(topDestinations) {
                let labels = [("local", d.localAddress.description), ("remote", d.remoteAddress.description), ("port", String(d.remotePort))]
                inUse.samples.append((labels, Double(d.inUse)))
                tw.samples.append((labels, Double(d.timeWait)))
                if let usable, usable > 0 { share.samples.append((labels, Double(d.inUse) / usable)) }
            }
            families += [inUse, tw, share].filter { !$0.samples.isEmpty }
        }
        var finding = Family(name: "twadvise_finding", help: "A current TWAdvise finding (1 while it holds); score in twadvise_finding_score.")
        var score = Family(name: "twadvise_finding_score", help: "Ranking score of a current finding.")
        for f in findings {
            let labels = [("rule", f.id), ("severity", f.severity.rawValue), ("subject", f.subject ?? "")]
            finding.samples.append((labels, 1))
            score.samples.append((labels, f.score))
        }
        families.append(finding)
        if !score.samples.isEmpty { families.append(score) }
        gauge("twadvise_last_run_timestamp_seconds", "When twadvise last read the host (Unix time).", timestamp)

        var out = ""
        for family in families {
            out += "# HELP \(family.name) \(family.help)\n# TYPE \(family.name) \(family.type)\n"
            for (labels, value) in family.samples {
                let labelText = labels.isEmpty ? "" : "{" + labels.map { "\($0.0)=\"\(escape($0.1))\"" }.joined(separator: ",") + "}"
                out += "\(family.name)\(labelText) \(format(value))\n"
            }
        }
        return out
    }

    /// Label value escaping of the exposition format: backslash, double quote and newline.
    static func escape(_ value: String) -> String {
        var out = ""
        for c in value {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(c)
            }
        }
        return out
    }

    static func format(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        return FactValue.format(v)
    }
}
