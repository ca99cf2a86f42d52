/// Counter changes between two readings, and per-second rates (`--interval SECONDS`).
public struct CounterRates: Codable, Sendable, Hashable {
    /// Seconds between the two readings.
    public var intervalSeconds: Double
    /// Increase of every counter present in both readings, by section (`TcpExt`, `Tcp`).
    public var deltas: KeyedCounters

    /// Rates from counter changes over `intervalSeconds`.
    package init(intervalSeconds: Double, deltas: KeyedCounters) {
        self.intervalSeconds = intervalSeconds
        self.deltas = deltas
    }

    /// Increase per second of `section.name`, when both readings had it.
    public func perSecond(_ section: String, _ name: String) -> Double? {
        guard intervalSeconds > 0, let delta = deltas[section, name] else { return nil }
        return Double(delta) / intervalSeconds
    }

    /// Deltas of every counter in both readings; a counter that went backwards (reset, wrap) is left out.
    package init(first: KeyedCounters, second: KeyedCounters, intervalSeconds: Double) {
        var deltas = KeyedCounters()
        for (section, values) in second.sections {
            for (name, value) in values {
                guard let before = first[section, name], value >= before else { continue }
                deltas.sections[section, default: [:]][name] = value - before
            }
        }
        self.init(intervalSeconds: intervalSeconds, deltas: deltas)
    }
}

extension Duration {
    /// The duration in seconds, as a double (for rates between two readings).
    package var secondsValue: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

extension FactsSnapshot {
    /// The counters rates are computed from: ``counters`` and the conntrack statistics (under
    /// ``ConntrackFacts/rateSection``), so `insert_failed` and `drop` get a rate like the TCP counters.
    package var rateBasis: KeyedCounters { counters.adding(conntrackStats: conntrack.stats) }
}

extension KeyedCounters {
    /// These counters with conntrack statistics under ``ConntrackFacts/rateSection``, when there are any.
    func adding(conntrackStats stats: [String: Int64]?) -> KeyedCounters {
        var basis = self
        if let stats { basis.sections[ConntrackFacts.rateSection] = stats }
        return basis
    }
}
