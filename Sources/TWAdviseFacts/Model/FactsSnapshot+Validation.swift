extension FactsSnapshot {
    /// The largest socket count a snapshot may carry: far above any host (a kernel holds at most a few
    /// hundred million sockets), far below where sums of counts could overflow.
    static let maxCount = 1 << 40

    /// Checks that every count, port and duration a snapshot file carries is in range, so that nothing
    /// computed from it can overflow or divide by something absurd.
    ///
    /// - Throws: ``SnapshotDecodingError`` naming the JSON path of the first value out of range.
    func validate() throws(SnapshotDecodingError) {
        try validateOwn()
        guard let namespaces else { return }
        guard namespaces.count <= FactsInput.maxNamespaces else {
            throw SnapshotDecodingError(message: "namespaces: \(namespaces.count) snapshots, more than \(FactsInput.maxNamespaces)")
        }
        for (i, namespace) in namespaces.enumerated() {
            guard namespace.namespaces == nil else {
                throw SnapshotDecodingError(message: "namespaces[\(i)].namespaces: namespaces nest one level only")
            }
            do {
                try namespace.validateOwn()
            } catch {
                throw SnapshotDecodingError(message: "namespaces[\(i)].\(error.message)")
            }
        }
    }

    /// The shortest and longest time between two readings a snapshot may hold.
    static let minInterval = 0.001
    static let maxInterval = 86_400.0
    /// The fastest a counter may move, per second.
    static let maxCounterRate = 1e9

    func validateOwn() throws(SnapshotDecodingError) {
        func count(_ value: Int, _ path: String) throws(SnapshotDecodingError) {
            guard value >= 0, value <= Self.maxCount else {
                throw SnapshotDecodingError(message: "\(path): \(value) is out of range (0...\(Self.maxCount))")
            }
        }
        func port(_ value: Int, _ path: String) throws(SnapshotDecodingError) {
            guard (0...65535).contains(value) else {
                throw SnapshotDecodingError(message: "\(path): \(value) is not a port (0...65535)")
            }
        }
        func range(_ r: PortRange, _ path: String) throws(SnapshotDecodingError) {
            try port(r.low, path + ".low")
            try port(r.high, path + ".high")
        }
        func seconds(_ value: Double, _ path: String) throws(SnapshotDecodingError) {
            guard value.isFinite, value >= 0, value <= 1e10 else {
                throw SnapshotDecodingError(message: "\(path): \(value) is out of range (0...1e10 seconds)")
            }
        }
        if let uptime = host.uptimeSeconds { try seconds(uptime, "host.uptimeSeconds") }
        if let rates {
            // Two readings are 1 ms to a day apart; a counter moves by a whole number, never back, and never
            // faster than any kernel counts (1e9 a second): no rate can be infinite or NaN.
            guard rates.intervalSeconds.isFinite, rates.intervalSeconds >= Self.minInterval, rates.intervalSeconds <= Self.maxInterval else {
                throw SnapshotDecodingError(message: "rates.intervalSeconds: \(rates.intervalSeconds) is out of range (\(Self.minInterval)...\(Self.maxInterval) seconds)")
            }
            let limit = rates.intervalSeconds * Self.maxCounterRate
            for (section, values) in rates.deltas.sections.sorted(by: { $0.key < $1.key }) {
                for (name, delta) in values.sorted(by: { $0.key < $1.key }) where delta < 0 || Double(delta) > limit {
                    throw SnapshotDecodingError(message: "rates.deltas.\(section).\(name): \(delta) is out of range (0...\(Int64(limit)) over \(rates.intervalSeconds) s)")
                }
            }
        }
        for (key, value) in sysctls.values {
            if let r = value.portRange { try range(r, "sysctls.values.\(key)") }
            if let set = value.portSet { for (i, r) in set.ranges.enumerated() { try range(r, "sysctls.values.\(key)[\(i)]") } }
        }
        guard let sockets else { return }
        if let r = sockets.ephemeralRange { try range(r, "sockets.ephemeralRange") }
        for (family, counts) in [("ipv4", sockets.ipv4), ("ipv6", sockets.ipv6)] {
            guard let counts else { continue }
            for state in TCPState.allCases { try count(counts[state], "sockets.\(family).\(state.name)") }
        }
        try count(sockets.timeWait, "sockets.timeWait")
        try count(sockets.outboundTimeWait, "sockets.outboundTimeWait")
        try count(sockets.inboundTimeWait, "sockets.inboundTimeWait")
        try count(sockets.ephemeralPortsInUse, "sockets.ephemeralPortsInUse")
        try count(sockets.destinationCount, "sockets.destinationCount")
        try count(sockets.malformedLines, "sockets.malformedLines")
        for (i, p) in sockets.listeningPorts.enumerated() { try port(p, "sockets.listeningPorts[\(i)]") }
        for (i, d) in sockets.destinations.enumerated() {
            try port(d.remotePort, "sockets.destinations[\(i)].remotePort")
            for (field, value) in [("timeWait", d.timeWait), ("established", d.established), ("synSent", d.synSent), ("other", d.other)] {
                try count(value, "sockets.destinations[\(i)].\(field)")
            }
        }
        for (i, l) in sockets.listeners.enumerated() {
            try port(l.port, "sockets.listeners[\(i)].port")
            for (field, value) in [("timeWait", l.timeWait), ("established", l.established), ("other", l.other)] {
                try count(value, "sockets.listeners[\(i)].\(field)")
            }
        }
    }
}
