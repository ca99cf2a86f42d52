import TWAdviseEngine
import TWAdviseFacts
import TWAdviseRunbooks

/// What a report says it saw before any rule, and which rules its verdict rests on: both read from the
/// snapshot's declared facts and derived quantities, never from rendered text.
enum ObservedFacts {
    /// The rules that decide exhaustion and the other ways a host runs out of connections. While one of them
    /// lacks facts and nothing of medium or above fired, the verdict is "insufficient data", never "healthy".
    static let verdictRules: [(id: String, checks: String)] = [
        ("ports.destination-exhaustion", "ephemeral ports per destination"),
        ("timewait.bucket-overflow", "the TIME_WAIT bucket limit"),
        ("sockets.close-wait-leak", "CLOSE_WAIT leaks"),
        ("sockets.syn-sent-pileup", "unanswered connects"),
        ("listen.queue-overflow", "full accept queues"),
        ("fs.file-handles-near-limit", "system-wide file handles"),
        ("conntrack.table-near-full", "the conntrack table"),
    ]

    /// The destination closest to running out: the highest pressure, else the highest share of R.
    static func mostPressed(_ snapshot: FactsSnapshot, _ derived: DerivedFacts) -> Observed.Destination? {
        var best: Observed.Destination?
        func rank(_ d: Observed.Destination) -> Double { d.pressedness ?? -1 }
        for destination in snapshot.sockets?.destinations ?? [] {
            let seen = Observed.Destination(
                label: destination.label, inUse: destination.inUse, timeWait: destination.timeWait,
                shareOfR: derived.portBudget?.share(of: destination),
                pressure: derived.reuse.pressure(of: destination, budget: derived.portBudget),
                reuseApplies: derived.reuse.applies(to: destination))
            if best == nil || rank(seen) > rank(best!) { best = seen }
        }
        return best
    }

    /// The key facts of `snapshot` as read.
    static func observed(_ snapshot: FactsSnapshot, _ derived: DerivedFacts) -> Observed {
        var observed = Observed()
        observed.timeWait = snapshot.sockstat?["TCP", "tw"]
        observed.outboundTimeWait = snapshot.sockets?.outboundTimeWait
        observed.inboundTimeWait = snapshot.sockets?.inboundTimeWait
        observed.usablePorts = derived.portBudget?.usable
        observed.destinations = snapshot.sockets.map { $0.destinationCount }
        observed.mostPressed = mostPressed(snapshot, derived)
        observed.tcpTwReuse = snapshot.sysctls.tcpTwReuse
        if let rates = snapshot.rates, let opens = rates.perSecond("Tcp", "ActiveOpens") {
            observed.opensPerSecond = opens
            observed.opensBasis = "two readings \(Presentation.number(rates.intervalSeconds)) s apart"
        }
        let read = snapshot.readFrom ?? ReadLocations()
        let groups: [(String, String?)] = [
            ("socket table", snapshot.sockets == nil ? nil : read.sockets ?? "read"),
            ("sysctls", snapshot.sysctls.values.isEmpty ? nil : read.sysctls ?? "read"),
            ("persistent configuration", snapshot.persistentSysctls.entries.isEmpty && read.persistent == nil ? nil : read.persistent ?? "read"),
            ("sockstat", snapshot.sockstat == nil ? nil : read.sockstat ?? "read"),
            ("TCP counters", snapshot.counters.isEmpty ? nil : read.counters ?? "read"),
            ("conntrack", snapshot.conntrack.count == nil ? nil : read.conntrack ?? "read"),
            ("file handles", snapshot.fileHandles.allocated == nil ? nil : read.fileHandles ?? "read"),
        ]
        for (name, location) in groups {
            if let location { observed.inputsRead.append("\(name) (\(location))") } else { observed.inputsMissing.append(name) }
        }
        if snapshot.rates == nil { observed.inputsMissing.append("rates (one reading only)") }
        return observed
    }

    /// The deciding rules that lacked facts, with what they lacked.
    static func verdictGaps(_ evaluation: Evaluation) -> [VerdictGap] {
        verdictRules.compactMap { rule in
            guard let result = evaluation.results.first(where: { $0.ruleID == rule.id }),
                  case .insufficientData(let missing, let reasons) = result.outcome else { return nil }
            return VerdictGap(rule: rule.id, checks: rule.checks, missing: missing.map(\.description) + reasons)
        }
    }
}
