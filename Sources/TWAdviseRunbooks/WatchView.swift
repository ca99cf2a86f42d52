public import TWAdviseEngine

/// What `twadvise watch` shows for one reading: plain numbers, rendered by ``render()``.
public struct WatchFrame: Sendable, Hashable {
    /// A destination row.
    public struct Destination: Sendable, Hashable {
        public var label: String
        /// U(D).
        public var inUse: Int
        public var timeWait: Int
        /// U(D)/R, when R is known.
        public var share: Double?

        public init(label: String, inUse: Int, timeWait: Int, share: Double?) {
            self.label = label
            self.inUse = inUse
            self.timeWait = timeWait
            self.share = share
        }
    }

    /// `HH:MM:SS` of the reading, or `--:--:--` when the time is not known.
    public var time: String
    /// sockstat `tw`.
    public var timeWait: Int64?
    public var outboundTimeWait: Int?
    public var inboundTimeWait: Int?
    public var established: Int?
    /// R.
    public var usablePorts: Int?
    public var opensPerSecond: Double?
    public var timeWaitPerSecond: Double?
    /// Findings above `info`, in rank order.
    public var findings: [Finding]
    public var destinations: [Destination]
    /// TIME_WAIT of the last readings, oldest first: a sparkline from two readings on.
    public var timeWaitHistory: [Double?]
    /// New connections per second of the last readings, oldest first (unknown for the first).
    public var opensHistory: [Double?]

    public init(time: String, timeWait: Int64?, outboundTimeWait: Int?, inboundTimeWait: Int?, established: Int?,
                usablePorts: Int?, opensPerSecond: Double?, timeWaitPerSecond: Double?, findings: [Finding],
                destinations: [Destination], timeWaitHistory: [Double?] = [], opensHistory: [Double?] = []) {
        self.timeWaitHistory = timeWaitHistory
        self.opensHistory = opensHistory
        self.time = time
        self.timeWait = timeWait
        self.outboundTimeWait = outboundTimeWait
        self.inboundTimeWait = inboundTimeWait
        self.established = established
        self.usablePorts = usablePorts
        self.opensPerSecond = opensPerSecond
        self.timeWaitPerSecond = timeWaitPerSecond
        self.findings = findings
        self.destinations = destinations
    }

    /// The compact text `watch` prints.
    public func render() -> String {
        var head = "\(time)  TIME_WAIT \(timeWait.map(String.init) ?? "?")"
        if let outboundTimeWait, let inboundTimeWait, let established {
            head += " (out \(outboundTimeWait), in \(inboundTimeWait))  ESTABLISHED \(established)"
        }
        if let usablePorts { head += "  ports R \(usablePorts)" }
        if let opensPerSecond { head += "  opens/s \(Presentation.number(opensPerSecond))" }
        if let timeWaitPerSecond { head += "  TIME_WAIT/s \(Presentation.number(timeWaitPerSecond))" }
        var lines = [head]
        if timeWaitHistory.count >= 2 {
            func range(_ values: [Double?]) -> String {
                let known = values.compactMap { $0 }
                guard let low = known.min(), let high = known.max() else { return "" }
                return " (\(Presentation.number(low))-\(Presentation.number(high)))"
            }
            var line = "  last \(timeWaitHistory.count): TIME_WAIT " + Presentation.sparkline(timeWaitHistory) + range(timeWaitHistory)
            if opensHistory.contains(where: { $0 != nil }) {
                line += "  opens/s " + Presentation.sparkline(opensHistory) + range(opensHistory)
            }
            lines.append(line)
        }
        if let worst = findings.first {
            lines.append("  \(findings.count) finding\(findings.count == 1 ? "" : "s"), worst: \(worst.severity.rawValue.uppercased()) \(worst.id) \(Escaping.terminalValue(worst.subject ?? ""))")
        }
        if !destinations.isEmpty {
            lines.append("  destination                                   in use  TIME_WAIT  share of R")
            for d in destinations {
                let share = d.share.map(Presentation.percent) ?? "?"
                lines.append("  " + pad(Escaping.terminalValue(d.label), 44) + " " + pad(String(d.inUse), 7, right: true) + " "
                             + pad(String(d.timeWait), 10, right: true) + " " + pad(share, 11, right: true)
                             + (d.share.map { " " + Presentation.bar($0) } ?? ""))
            }
        }
        return Escaping.terminal(lines.joined(separator: "\n"))
    }

    private func pad(_ s: String, _ n: Int, right: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, n - s.count))
        return right ? fill + s : s + fill
    }
}
