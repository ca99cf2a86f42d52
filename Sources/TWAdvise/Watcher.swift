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
    /// What each reading reads, read as `diagnose` reads it (``FactsInput/load()``): the live host's own
    /// network namespace (``FactsInput/hostNamespaceOnly``), every one of them, the one named
    /// (``FactsInput/namespace``), or a captured tree (``FactsInput/root``). The view names no process, so
    /// owners are never looked up, whatever ``FactsInput/owners`` says: no `/proc/PID/fd` is read, in any
    /// namespace, at any interval.
    public var input: FactsInput
    /// Destinations shown and exported.
    public let top: Int
    /// The previous reading's counters, by network namespace ("" for the one read first).
    private var previous: [String: (counters: KeyedCounters, at: ContinuousClock.Instant)] = [:]
    /// TIME_WAIT and new connections per second of the last readings, oldest first, for the sparklines, by
    /// namespace ("" for the one read first): the namespace shown in full may change between readings.
    private var history: [String: [(timeWait: Double?, opens: Double?)]] = [:]
    /// Readings the sparklines cover.
    static let historyLength = 30

    /// A watcher of `input` (by default the live host's own network namespace) that shows and exports the
    /// `top` most pressed destinations.
    public init(advisor: Advisor, input: FactsInput = FactsInput(hostNamespaceOnly: true), top: Int = 5) {
        self.advisor = advisor
        self.input = input
        self.top = top
    }

    /// Reads the host once; from the second reading on, the snapshot carries the rates since the previous one.
    /// An input that cannot be read this time (a namespace whose last process exited) gives a reading that
    /// says so: watching goes on.
    public mutating func read() -> WatchReading {
        var input = self.input
        input.topDestinations = max(top, 100)
        input.owners = .off
        var read: [FactsSnapshot]
        do {
            read = try input.load()
        } catch {
            let location = input.root ?? "/"
            read = [FactsSnapshot.notRead(FactsOrigin(kind: input.root == nil ? .live : .root, location: location, namespace: input.namespace),
                                          path: location, reason: error.description)]
        }
        var snapshot = read.removeFirst()
        var others = read
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
        // Over every namespace of the live host (needs root or CAP_SYS_ADMIN) the most pressed is shown in full.
        if input.readsEveryLiveNamespace, let best = Self.mostPressed(diagnosed), best != 0 {
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
    /// The other network namespaces read, with their diagnoses (when ``Watcher/input`` covers them).
    var others: [(snapshot: FactsSnapshot, diagnosis: Diagnosis)] = []
    /// Whether another namespace than the host's own is shown in full because it is the most pressed.
    var shownBecausePressed = false
    /// The host's own namespace's facts (the one shown in full may be another, the most pressed).
    package var hostSnapshot: FactsSnapshot {
        ([snapshot] + others.map(\.snapshot)).first { $0.origin.namespace == nil } ?? snapshot
    }

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
        var notices = (snapshot.notCovered ?? []).map { "\n  note: " + Escaping.terminalValue($0) }.joined()
        if let notRead = snapshot.notRead { notices = "\n  not read: " + Escaping.terminalValue(notRead) + notices }
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
    /// `text` as one line: newline and tab made visible too.
    package static func line(_ text: String) -> String { Escaping.terminalValue(text) }
}
