#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TWAdviseEngine
public import TWAdviseFacts
import TWAdviseRunbooks

/// The article's `netstat` loop done right, one reading at a time: each ``read()`` takes a snapshot, the
/// counter rates since the previous reading, and the diagnosis. `twadvise watch` calls it every interval.
public struct Watcher: Sendable {
    /// Evaluates each reading.
    public let advisor: Advisor
    /// The host (`/`) or a captured tree.
    public let source: FactSource
    /// Destinations shown and exported.
    public let top: Int
    /// The previous reading's counters, by network namespace ("" for the one read first).
    private var previous: [String: (counters: KeyedCounters, at: ContinuousClock.Instant)] = [:]
    /// The live network namespace followed, when not the own one.
    public var namespace: NetworkNamespace?
    /// Read every network namespace of the live host each time (needs root or CAP_SYS_ADMIN): the own one is
    /// shown in full, the others one line each, the most pressed first.
    public var allNamespaces = false
    /// TIME_WAIT and new connections per second of the last readings, oldest first, for the sparklines, by
    /// namespace ("" for the one read first): the namespace shown in full may change between readings.
    private var history: [String: [(timeWait: Double?, opens: Double?)]] = [:]
    /// Readings the sparklines cover.
    static let historyLength = 30

    /// A watcher of `source` that shows and exports the `top` most pressed destinations.
    public init(advisor: Advisor, source: FactSource = FactSource(), top: Int = 5) {
        self.advisor = advisor
        self.source = source
        self.top = top
    }

    /// Reads the host once; from the second reading on, the snapshot carries the rates since the previous one.
    public mutating func read() -> WatchReading {
        // The view names no process: no /proc/PID/fd is read, in any namespace, at any interval.
        var options = SnapshotReader.Options(topDestinations: max(top, 100))
        options.owners = .off
        var snapshot: FactsSnapshot
        var others: [FactsSnapshot] = []
        var everyNamespace = FactsInput(topDestinations: max(top, 100))
        everyNamespace.owners = .off
        if allNamespaces, namespace == nil, let all = try? everyNamespace.load(), let first = all.first {
            snapshot = first
            others = Array(all.dropFirst())
        } else if let namespace {
            switch LiveNamespaceReader.read(namespace, options: options) {
            case .success(let read): snapshot = read
            case .failure(let failure):
                snapshot = FactsSnapshot(origin: FactsOrigin(kind: .live, location: "/", namespace: namespace.label))
                snapshot.warnings.append(FactWarning(path: namespace.path, message: failure.description))
                snapshot.notRead = failure.description
            }
        } else {
            snapshot = SnapshotReader(source: source, options: options).read()
        }
        let now = ContinuousClock.now
        var seen: [String: (counters: KeyedCounters, at: ContinuousClock.Instant)] = [:]
        func withRates(_ snapshot: FactsSnapshot) -> FactsSnapshot {
            var snapshot = snapshot
            let key = snapshot.origin.namespace ?? ""
            if let before = previous[key] {
                snapshot.rates = CounterRates(first: before.counters, second: snapshot.rateBasis, intervalSeconds: (now - before.at).secondsValue)
            }
            seen[key] = (snapshot.rateBasis, now)
            return snapshot
        }
        snapshot = withRates(snapshot)
        others = others.map(withRates)
        previous = seen  // namespaces that are gone are forgotten
        var seenHistory: [String: [(timeWait: Double?, opens: Double?)]] = [:]
        for read in [snapshot] + others {
            let key = read.origin.namespace ?? ""
            var series = history[key] ?? []
            series.append((read.sockstat?["TCP", "tw"].map(Double.init), read.rates?.perSecond("Tcp", "ActiveOpens")))
            if series.count > Self.historyLength { series.removeFirst(series.count - Self.historyLength) }
            seenHistory[key] = series
        }
        history = seenHistory
        var diagnosed = [(snapshot, advisor.diagnose(snapshot))] + others.map { ($0, advisor.diagnose($0)) }
        // Over every namespace, the most pressed one is shown in full: the one with the worst finding above
        // info (then the highest pressure), so an empty host namespace does not hide a pod that is running out
        // of ports; the host's own while no namespace has such a finding.
        var chosen = false
        if allNamespaces, namespace == nil, let best = Self.mostPressed(diagnosed), best != 0 {
            diagnosed.swapAt(0, best)
            chosen = true
        }
        let shown = diagnosed[0]
        let series = history[shown.0.origin.namespace ?? ""] ?? []
        var reading = WatchReading(snapshot: shown.0, diagnosis: shown.1, top: top,
                                   timeWaitHistory: series.map(\.timeWait), opensHistory: series.map(\.opens))
        reading.others = Array(diagnosed.dropFirst())
        reading.shownBecausePressed = chosen
        return reading
    }

    /// The index of the namespace to show in full: the worst finding above info, then the highest pressure
    /// (else share of R); the first (the host's own) when none has a finding above info, and on a tie.
    package static func mostPressed(_ diagnosed: [(FactsSnapshot, Diagnosis)]) -> Int? {
        func rank(_ d: Diagnosis) -> (Int, Double) {
            let severity = d.findings.map(\.severity).filter { $0 > .info }.max().flatMap { Severity.allCases.firstIndex(of: $0) } ?? -1
            return (severity, d.summaryRow.pressure)
        }
        guard !diagnosed.isEmpty else { return nil }
        var best = 0
        for index in diagnosed.indices.dropFirst() where rank(diagnosed[index].1) > rank(diagnosed[best].1) { best = index }
        return rank(diagnosed[best].1).0 >= 0 ? best : 0
    }
}

/// One reading of ``Watcher``.
public struct WatchReading: Sendable {
    /// What was read, with rates from the second reading on.
    public let snapshot: FactsSnapshot
    /// The rules' verdict on it.
    public let diagnosis: Diagnosis
    let top: Int
    /// TIME_WAIT of the last readings, oldest first (this one last).
    public var timeWaitHistory: [Double?] = []
    /// New connections per second of the last readings, oldest first (this one last).
    public var opensHistory: [Double?] = []
    /// The other network namespaces read, with their diagnoses (``Watcher/allNamespaces``).
    var others: [(snapshot: FactsSnapshot, diagnosis: Diagnosis)] = []
    /// Whether another namespace than the host's own is shown in full because it is the most pressed.
    var shownBecausePressed = false

    /// The compact view `watch` prints.
    package var view: String {
        let budget = diagnosis.derived.portBudget
        let sockets = snapshot.sockets
        let frame = WatchFrame(
            time: snapshot.collectedAt.map { String($0.dropFirst(11).prefix(8)) } ?? "--:--:--",
            timeWait: snapshot.sockstat?["TCP", "tw"], outboundTimeWait: sockets?.outboundTimeWait,
            inboundTimeWait: sockets?.inboundTimeWait, established: sockets?.all[.established], usablePorts: budget?.usable,
            opensPerSecond: snapshot.rates.map { $0.perSecond("Tcp", "ActiveOpens") ?? 0 },
            timeWaitPerSecond: snapshot.rates.map { $0.perSecond("TcpExt", "TW") ?? 0 },
            findings: diagnosis.evaluation.findings.filter { $0.severity > .info },
            destinations: (sockets?.destinations.prefix(top) ?? []).map {
                WatchFrame.Destination(label: $0.label, inUse: $0.inUse, timeWait: $0.timeWait, share: budget?.share(of: $0))
            },
            timeWaitHistory: timeWaitHistory, opensHistory: opensHistory)
        // What the reading does not cover (namespaces left out at the bound, or not entered), as diagnose says.
        let notices = (snapshot.notCovered ?? []).map { "\n  note: " + Escaping.terminalValue($0) }.joined()
        // Another namespace than the host's own, shown in full because it is the most pressed, says so first.
        let heading = (shownBecausePressed ? snapshot.origin.namespace : nil).map { "  " + Escaping.terminalValue(FactsOrigin.namespacePhrase($0)) + ", shown in full: the most pressed\n" } ?? ""
        return heading + frame.render() + NamespaceSummary.watchLines(others.map(\.diagnosis.summaryRow), shown: top) + notices
    }

    /// Prometheus exposition text for node_exporter's textfile collector, stamped with `timestamp` (Unix
    /// time; now when `nil`): every network namespace read, each series labelled `namespace`.
    public func prometheusText(timestamp: Double? = nil) -> String {
        // Every namespace read, each series labelled with its namespace.
        let readings = [(snapshot, diagnosis)] + others
        return PrometheusText.render(readings.map { ($0.0, $0.1.tree, $0.1.evaluation.findings) }, topDestinations: top,
                                     timestamp: timestamp ?? Date.now.timeIntervalSince1970)
    }
}

/// Text for a terminal or a log, made safe: control characters from the host's values (a file name with an
/// escape sequence in it) are replaced, so they can never reach the terminal.
package enum TerminalText {
    /// `text` with every invisible scalar (controls, format characters, separators) but newline and tab made visible as `⟨U+XXXX⟩`.
    package static func safe(_ text: String) -> String { Escaping.terminal(text) }
}
