#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif
public import TWAdviseEngine
import TWAdviseFacts
import TWAdviseHistory
public import TWAdviseRecorder
import TWAdviseRunbooks

/// What `twadvise record` keeps between readings: the last settings stored (stored again only when they
/// change) and the end of the last interval of kernel messages.
package struct RecorderMemory: Sendable {
    var sysctls: [String: String] = [:]
    var persistent: String?
    var lastKernelRead: Date?
    /// Nothing stored yet.
    package init() {}
}

extension WatchReading {
    /// The compact reading `twadvise record` stores: per namespace TIME_WAIT in and out, states, the `top`
    /// most pressed destinations, counter deltas; the host's sysctls and persistent configuration only when
    /// they changed; the kernel messages of the interval; and, when a finding is high or critical, the full
    /// snapshot of every namespace (for `--facts`).
    package func recorded(at time: Date, top: Int = 8, memory: inout RecorderMemory, kernelMessages: [String] = []) -> RecordedReading {
        let all = [(snapshot, diagnosis)] + others
        var namespaces: [RecordedNamespace] = []
        for (snapshot, diagnosis) in all {
            let derived = snapshot.derived
            var states: [String: Int] = [:]
            if let sockets = snapshot.sockets {
                for state in TCPState.allCases where sockets.all[state] > 0 { states[state.name] = sockets.all[state] }
            }
            let destinations = (snapshot.sockets?.destinations ?? []).map { d -> RecordedDestination in
                RecordedDestination(localAddress: d.localAddress.description, address: d.remoteAddress.description, port: d.remotePort,
                                    inUse: d.inUse, timeWait: d.timeWait, established: d.established, closeWait: d.closeWait,
                                    shareOfR: derived.portBudget?.share(of: d),
                                    pressure: derived.reuse.pressure(of: d, budget: derived.portBudget),
                                    owners: (d.owners ?? []).map { "\($0.command ?? "?") (pid \($0.pid))" })
            }.sorted { ($0.rankingValue ?? -1, $0.inUse) > ($1.rankingValue ?? -1, $1.inUse) }
            var deltas: [String: Int64] = [:]
            for (section, values) in snapshot.rates?.deltas.sections ?? [:] {
                for (name, value) in values where value != 0 { deltas[section + "." + name] = value }
            }
            _ = diagnosis
            namespaces.append(RecordedNamespace(
                label: snapshot.origin.namespace ?? "host", inode: snapshot.namespace?.inode,
                timeWait: snapshot.sockstat?["TCP", "tw"].map { Int($0) },
                timeWaitOutbound: snapshot.sockets?.outboundTimeWait, timeWaitInbound: snapshot.sockets?.inboundTimeWait,
                states: states, portsUsable: derived.portBudget?.usable, destinations: Array(destinations.prefix(top)),
                counterDeltas: deltas, intervalSeconds: snapshot.rates?.intervalSeconds))
        }
        // Settings: the host's own namespace's (watch shows the most pressed one first), stored when they change.
        let host = all.first { $0.0.origin.namespace == nil }?.0 ?? all[0].0
        var sysctls: [String: String] = [:]
        for (key, value) in host.sysctls.values { sysctls[key] = value.description }
        // Each other namespace's own network settings (`net.*`), keyed `KEY@LABEL`: its R is its own range's.
        for (snapshot, _) in all {
            guard let label = snapshot.origin.namespace else { continue }
            for (key, value) in snapshot.sysctls.values where key.hasPrefix("net.") { sysctls[key + "@" + label] = value.description }
        }
        let changed = sysctls.filter { memory.sysctls[$0.key] != $0.value }
        memory.sysctls = sysctls
        let persistent = host.persistentSysctls.effective.keys.sorted().map { key in
            "\(key) = \(host.persistentSysctls.effective[key]!.value)"
        }.joined(separator: "\n")
        let persistentChanged = persistent != memory.persistent ? persistent : nil
        memory.persistent = persistent
        // The full snapshot of the moment, when it crosses a high or critical finding.
        var full: Data?
        if all.contains(where: { ($0.1.highestSeverity ?? .info) >= .high }) {
            var whole = host
            whole.namespaces = all.map(\.0).filter { $0.origin.namespace != nil }
            full = try? whole.jsonData()
        }
        return RecordedReading(time: time, namespaces: namespaces, changedSysctls: changed, persistentConfig: persistentChanged,
                               kernelMessages: kernelMessages, snapshot: full)
    }
}

extension Advisor {
    /// Diagnoses a recording made by `twadvise record`: the rules at the worst moment of `window` (or
    /// `window.at`), on the full snapshot kept at that moment when there is one, else on the facts the
    /// readings kept; with the Timeline of the window.
    public func diagnose(recording store: RecordingStore, window: HistoryWindow, minimumSeverity: Severity = .info) throws(RecorderError) -> Diagnosis {
        // The history is clipped to the window and its worst moment found once, for both ways below.
        let clipped = Postmortem.clipped(try store.history(in: RecordingWindow(from: window.from, to: window.to)), to: window)
        let found = Postmortem.worstMoment(clipped)
        let moment = window.at ?? found?.time
        let host = try store.hostRecord()
        // A moment asked for outside the readings kept gets no facts of its moment: the report says so.
        var outside: [String] = []
        if let at = window.at, let span = try store.span(), at < span.from.addingTimeInterval(-60) || at > span.to.addingTimeInterval(60) {
            outside.append("the moment asked for, \(ReportTime.full(at)): the recording holds readings from \(ReportTime.full(span.from)) to \(ReportTime.full(span.to)) only")
        }
        let notRecordedByRecorder = [host.kernelMessagesNotRecorded.map { "kernel messages: the recorder could not read them (\($0))" },
                                 host.otherNamespacesNotRecorded.map { "network namespaces other than the recorder's own: not recorded (\($0))" }]
            .compactMap { $0 } + outside
        // The settings in force at the moment, read once: for the snapshot's check and the facts below.
        let settings = try moment.map { moment throws(RecorderError) in try store.settings(at: moment) }
        // The full snapshot kept within one interval before the moment (never after it: the moment's facts are
        // not those of a later one), with the settings in force at the moment: every fact of that moment.
        if let moment, let settings, let kept = try store.snapshot(nearest: moment), kept.time <= moment.addingTimeInterval(1),
           moment.timeIntervalSince(kept.time) <= 30, try Self.sameSettings(store.settings(at: kept.time), settings),
           var snapshot = try? FactsSnapshot.decode(json: kept.json) {
            // Read live then, kept in the recording: the report's Input names the recording, not a live host.
            func fromRecording(_ origin: FactsOrigin) -> FactsOrigin {
                FactsOrigin(kind: .history, location: "recording \(store.directory) (the full snapshot kept at \(ReportTime.full(kept.time)))",
                            namespace: origin.namespace)
            }
            snapshot.origin = fromRecording(snapshot.origin)
            snapshot.namespaces = snapshot.namespaces?.map { var nested = $0; nested.origin = fromRecording(nested.origin); return nested }
            var diagnosis = diagnose(snapshot, minimumSeverity: minimumSeverity)
            diagnosis.input.timeline = Postmortem.timeline(clipped, window: window, evaluatedAt: kept.time,
                                                           because: window.at == nil
                                                               ? "the full snapshot the recorder kept at the worst moment" + (found.map { " (\($0.because))" } ?? "")
                                                               : "the full snapshot the recorder kept nearest before the moment asked for")
            diagnosis.input.timeline?.notRead += notRecordedByRecorder
            return diagnosis
        }
        var base = FactsSnapshot(origin: FactsOrigin(kind: .history, location: "recording \(store.directory)"))
        base.host.hostname = host.hostname
        base.host.kernel = host.kernel.flatMap(KernelVersion.init(parsing:))
        if host.hostname != nil || host.kernel != nil {
            base.readFrom = ReadLocations(host: "recording \(store.directory) (as the recorder last read it)")
        }
        var notRecorded = notRecordedByRecorder
        if let settings {
            // The moment's namespace: its own `net.*` settings (kept as `KEY@LABEL`), the host's for the rest.
            let namespace = found?.namespace ?? "host"
            for (stored, text) in settings.sysctls {
                let parts = stored.split(separator: "@", maxSplits: 1).map(String.init)
                let key = parts[0], owner = parts.count == 2 ? parts[1] : "host"
                guard key.hasPrefix("net.") ? owner == namespace : owner == "host",
                      let spec = SysctlKey.named(key), case .success(let value) = SysctlValueParser.parse(Array(text.utf8)[...], kind: spec.kind)
                else { continue }
                base.sysctls.values[key] = value
            }
            if namespace != "host", !settings.sysctls.keys.contains(where: { $0.hasSuffix("@" + namespace) }) {
                notRecorded.append("the network settings of \(namespace): not in this recording (made before twadvise kept each namespace's); its port range and R are unknown")
            }
            var read = base.readFrom ?? ReadLocations()
            read.sysctls = "recording \(store.directory) (sysctls as last stored before the moment)"
            base.readFrom = read
        }
        var diagnosis = diagnose(clipped: clipped, found: found, base: base, window: window, minimumSeverity: minimumSeverity)
        diagnosis.input.timeline?.notRead += notRecorded
        return diagnosis
    }
}

extension Advisor {
    /// Whether two readings of the settings in force (sysctls, persistent configuration) are the same.
    static func sameSettings(_ first: (sysctls: [String: String], persistentConfig: String?),
                             _ second: (sysctls: [String: String], persistentConfig: String?)) -> Bool {
        first.sysctls == second.sysctls && first.persistentConfig == second.persistentConfig
    }
}

extension RecordedReading {
    /// The reading as `watch --recording` replays it: its time, then per namespace (the most pressed first)
    /// TIME_WAIT in and out and its `top` most pressed destinations with U(D), TIME_WAIT, share of R (and its
    /// bar) and pressure. Values from the store are escaped for the terminal.
    package func view(top: Int) -> String {
        var lines = ["twadvise watch (replay of a recording) at \(ReportTime.full(time))"]
        let ordered = namespaces.sorted { a, b in
            (a.destinations.first?.rankingValue ?? -1, a.timeWait ?? 0) > (b.destinations.first?.rankingValue ?? -1, b.timeWait ?? 0)
        }
        for ns in ordered {
            func count(_ value: Int?) -> String { value.map(String.init) ?? "?" }
            lines.append("")
            lines.append("\(Escaping.terminalValue(ns.label)): TIME_WAIT \(count(ns.timeWait)) (out \(count(ns.timeWaitOutbound)), in \(count(ns.timeWaitInbound)))"
                         + (ns.portsUsable.map { ", R \($0)" } ?? ""))
            for d in ns.destinations.prefix(top) {
                let share = d.shareOfR.map { Presentation.bar($0, pad: true) + " " + Presentation.percent($0) } ?? "share of R unknown"
                let pressure = d.pressure.map { ", pressure " + Presentation.percent($0) } ?? ""
                lines.append("  \(Escaping.terminalValue(d.localAddress)) → \(Escaping.terminalValue(d.address)):\(d.port)  U(D) \(d.inUse), TIME_WAIT \(d.timeWait)  \(share)\(pressure)")
            }
        }
        for message in kernelMessages { lines.append("kernel: \(Escaping.terminalValue(message))") }
        return lines.joined(separator: "\n")
    }
}
