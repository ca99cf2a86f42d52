import Foundation
public import TWAdviseEngine
public import TWAdviseFacts
public import TWAdviseHistory
import TWAdviseRunbooks

extension Advisor {
    /// Diagnoses a host from the history it kept: the series and kernel messages of `history` in `window`
    /// become a `## Timeline`, and the rules are evaluated at one moment, `window.at` or the worst of the
    /// window, on the facts as they were then (every evidence row says at which time it was read).
    ///
    /// - Parameters:
    ///   - history: what the kernel log, sysstat, Prometheus or a recording kept.
    ///   - base: facts read now, for what history does not keep (sysctls, persistent configuration, host
    ///     name); its socket table and counters are of now, not of the moment, and are left out.
    ///   - window: the time read and, optionally, the moment to evaluate at.
    public func diagnose(history: History, base: FactsSnapshot, window: HistoryWindow, minimumSeverity: Severity = .info) -> Diagnosis {
        let clipped = Postmortem.clipped(history, to: window)
        return diagnose(clipped: clipped, found: Postmortem.worstMoment(clipped), base: base, window: window, minimumSeverity: minimumSeverity)
    }

    /// ``diagnose(history:base:window:minimumSeverity:)`` of history already clipped to the window, whose
    /// worst moment was `found` (each is computed once).
    func diagnose(clipped history: History, found: (time: Date, because: String, namespace: String?)?, base: FactsSnapshot,
                  window: HistoryWindow, minimumSeverity: Severity) -> Diagnosis {
        // The input itself is a moment of the window when it was read inside it with a socket table (the live
        // host, a tree or sosreport that kept its date): history never drops it silently.
        let readAt = Postmortem.readingTime(base, window: window)
        func timeline(_ diagnosis: inout Diagnosis, at: Date?, because: String) {
            diagnosis.input.timeline = Postmortem.timeline(history, window: window, evaluatedAt: at, because: because)
        }
        if let asked = window.at, let readAt, abs(asked.timeIntervalSince(readAt)) <= Postmortem.readingTolerance {
            // `--at now`: the moment asked for is the reading, whose sockets history does not keep.
            var diagnosis = diagnose(base, minimumSeverity: minimumSeverity)
            timeline(&diagnosis, at: readAt, because: "the moment asked for, when the input was read")
            return diagnosis
        }
        let worst = window.at.map { (time: $0, because: "the moment asked for") } ?? found.map { (time: $0.time, because: $0.because) }
        // The moment's facts are those of the namespace where the worst series was (a recording or the
        // `twadvise_` series of every namespace), the base's own when the series name none.
        var moment = base
        if let namespace = found?.namespace, namespace != (base.origin.namespace ?? "host") {
            moment.origin.namespace = namespace == "host" ? nil : namespace
        }
        let snapshot = worst.map { Postmortem.facts(at: $0.time, history: history, base: moment) } ?? moment
        var diagnosis = diagnose(snapshot, minimumSeverity: minimumSeverity)
        timeline(&diagnosis, at: worst?.time, because: worst?.because ?? "")
        if worst == nil {
            diagnosis.input.timeline?.notRead.append("no series and no kernel message in the window: the facts are those read now")
            return diagnosis
        }
        guard window.at == nil, let readAt, let worst else { return diagnosis }
        // Without `--at`, the reading competes with the worst moment history kept: the one with the higher
        // finding (then the one whose verdict could be decided) is the report, and the other is named in it.
        // The reading covers every network namespace read with it; history's moment, the one its series name.
        let reading = diagnose(base, minimumSeverity: minimumSeverity)
        if Postmortem.outranks(reading, diagnosis) {
            var chosen = reading
            timeline(&chosen, at: readAt, because: "when the input was read: its findings outrank those of the worst moment history kept")
            chosen.input.timeline?.alsoEvaluated = "The worst moment history kept, \(ReportTime.full(worst.time)) (\(worst.because)), was evaluated too: \(Postmortem.outcome(diagnosis))."
            return chosen
        }
        diagnosis.input.timeline?.alsoEvaluated = "The input as read, at \(ReportTime.full(readAt)), was evaluated too: \(Postmortem.outcome(reading)); a diagnosis without a window reports it."
        return diagnosis
    }
}

extension Postmortem {
    /// How far `--at` may be from the reading and still name it (`--at now` is taken before the input is read).
    static let readingTolerance: TimeInterval = 120

    /// When `base` was read, if it was read inside `window` (or just after its end, which `now` set before the
    /// reading) and holds a socket table; `nil` otherwise.
    static func readingTime(_ base: FactsSnapshot, window: HistoryWindow) -> Date? {
        guard base.sockets != nil, let text = base.collectedAt, let at = TimeExpression.parse(text, now: window.to),
              at >= window.from, at <= window.to + readingTolerance else { return nil }
        return at
    }

    /// Whether the diagnosis `a` says more than `b`: a higher finding in any namespace it covers, or at the same,
    /// verdicts it could decide where `b` could not.
    static func outranks(_ a: Diagnosis, _ b: Diagnosis) -> Bool {
        func weight(_ d: Diagnosis) -> (Int, Int) { (d.highestSeverity?.rank ?? -1, decidable(d) ? 1 : 0) }
        return weight(a) > weight(b)
    }

    /// Whether every namespace a diagnosis covers could decide its verdict.
    static func decidable(_ diagnosis: Diagnosis) -> Bool {
        diagnosis.everyNamespace.allSatisfy { $0.input.verdictGaps.isEmpty }
    }

    /// A diagnosis's outcome in a few words: its findings and the highest (with its namespace when not the
    /// host's), or none, or that it could not decide.
    static func outcome(_ diagnosis: Diagnosis) -> String {
        let all = diagnosis.everyNamespace.flatMap { d in
            d.input.evaluation.findings.map { (finding: $0, namespace: d.summaryRow.label == "host" ? nil : d.summaryRow.label) }
        }
        if let highest = all.max(by: { $0.finding.severity < $1.finding.severity }) {
            let place = highest.namespace.map { " in \($0)" } ?? ""
            return "\(all.count) finding\(all.count == 1 ? "" : "s"), the highest \(highest.finding.severity.rawValue.uppercased()) (rule \(highest.finding.id)\(place))"
        }
        return decidable(diagnosis) ? "no finding" : "no finding, and insufficient data to say it is healthy"
    }
}

/// Turns history into a timeline and into the facts of one moment.
package enum Postmortem {
    /// The points and kernel messages of `history` inside the window.
    static func clipped(_ history: History, to window: HistoryWindow) -> History {
        var clipped = history
        clipped.series = history.series.map { series in
            var series = series
            series.points = series.points.filter { window.contains($0.time) }
            return series
        }.filter { !$0.points.isEmpty }
        clipped.kernelEvents = history.kernelEvents.compactMap { event in
            var event = event
            if !event.times.isEmpty {
                let inside = event.times.filter(window.contains)
                guard let first = inside.first, let last = inside.last else { return nil }
                // Lines past the times kept (more than the reader keeps) are counted when the window holds them all.
                event.count = event.times.count == event.count ? inside.count : max(inside.count, event.count - (event.times.count - inside.count))
                event.first = first
                event.last = last
                event.times = inside
                return event
            }
            return window.contains(event.first) || window.contains(event.last) ? event : nil
        }
        return clipped
    }

    /// How telling a series is for choosing the moment and ordering the timeline: lower first.
    static func rank(_ quantity: HistoryQuantity) -> Int {
        switch quantity {
        case TWAdviseSeries.destinationPressure.quantity: 0
        case TWAdviseSeries.destinationShare.quantity: 1
        case .sockstat("TCP", "tw"): 2
        case TWAdviseSeries.timeWait.quantity, TWAdviseSeries.outboundTimeWait.quantity: 3
        case .counterRate("Tcp", "ActiveOpens"): 4
        case .counterRate("Tcp", "AttemptFails"): 5
        case .conntrack: 6
        case .fileHandles: 7
        case .twadvise: 8
        case .counterRate: 9
        case .sockstat: 10
        case .sysctl: 20
        }
    }

    /// The moment the rules are evaluated at: the peak of the most telling series (share of R toward a
    /// destination, else TIME_WAIT, else new connections per second), else the busiest minute of the kernel
    /// messages.
    static func worstMoment(_ history: History) -> (time: Date, because: String, namespace: String?)? {
        let candidates = history.series.filter { rank($0.quantity) < 20 && !$0.points.isEmpty }
        if let best = candidates.min(by: { rank($0.quantity) < rank($1.quantity) }) {
            let top = rank(best.quantity)
            var peak: (point: HistoryPoint, series: HistorySeries)?
            for series in candidates where rank(series.quantity) == top {
                for point in series.points where peak == nil || point.value > peak!.point.value { peak = (point, series) }
            }
            if let peak {
                let labels = labelText(peak.series.labels)
                return (peak.point.time, "the peak of \(measureName(peak.series.quantity))\(labels.isEmpty ? "" : " (\(labels))") in \(peak.series.source)",
                        peak.series.labels["namespace"])
            }
        }
        // Kernel messages alone: the minute with the most lines.
        var minutes: [Int64: Int] = [:]
        for event in history.kernelEvents {
            for time in event.times.isEmpty ? [event.last] : event.times { minutes[Int64(time.timeIntervalSince1970 / 60), default: 0] += 1 }
        }
        guard let busiest = minutes.max(by: { ($0.value, -$0.key) < ($1.value, -$1.key) }) else { return nil }
        return (Date(timeIntervalSince1970: Double(busiest.key * 60 + 59)), "the minute with the most kernel messages of this domain", nil)
    }

    /// What a series measures, for a person.
    static func measureName(_ quantity: HistoryQuantity) -> String {
        switch quantity {
        case .sockstat("TCP", "tw"): "TIME_WAIT sockets"
        case .sockstat("TCP", "inuse"): "TCP sockets in use"
        case .sockstat("TCP", "orphan"): "orphaned TCP sockets"
        case .sockstat("TCP", "mem"): "TCP memory (pages)"
        case .sockstat("TCP", "alloc"): "TCP sockets allocated"
        case .sockstat("sockets", "used"): "sockets in use"
        case .sockstat(let group, let field): "\(group) \(field)"
        case .counterRate("Tcp", "ActiveOpens"): "connections opened"
        case .counterRate("Tcp", "PassiveOpens"): "connections accepted"
        case .counterRate("Tcp", "AttemptFails"): "failed connection attempts"
        case .counterRate("Tcp", "EstabResets"): "resets of established connections"
        case .counterRate("Tcp", "RetransSegs"): "segments retransmitted"
        case .counterRate("Tcp", "OutRsts"): "resets sent"
        case .counterRate(let group, let name): "\(group) \(name)"
        case .fileHandles("allocated"): "file handles allocated"
        case .fileHandles("max"): "file handle limit"
        case .fileHandles(let field): "file handles \(field)"
        case .conntrack("count"): "conntrack entries"
        case .conntrack("max"): "conntrack table size"
        case .conntrack(let field): "conntrack \(field)"
        case .sysctl(let key): key
        case TWAdviseSeries.destinationPressure.quantity: "pressure toward a destination"
        case TWAdviseSeries.destinationShare.quantity: "share of R toward a destination"
        case TWAdviseSeries.destinationSockets.quantity: "sockets toward a destination, U(D)"
        case TWAdviseSeries.destinationTimeWait.quantity: "TIME_WAIT toward a destination"
        case TWAdviseSeries.timeWait.quantity: "TIME_WAIT sockets"
        case .twadvise(let name): name
        }
    }

    static func unit(_ quantity: HistoryQuantity) -> Timeline.Series.Unit {
        switch quantity {
        case .counterRate: .perSecond
        case .twadvise(let name) where name.hasSuffix("_per_second"): .perSecond
        case TWAdviseSeries.destinationPressure.quantity, TWAdviseSeries.destinationShare.quantity: .share
        default: .count
        }
    }

    /// `namespace blue, 10.0.0.5 → 10.0.0.9:443`: the labels that tell series of one quantity apart.
    static func labelText(_ labels: [String: String]) -> String {
        var parts: [String] = []
        if let instance = labels["instance"] { parts.append(instance) }
        if let namespace = labels["namespace"], namespace != "host" { parts.append(FactsOrigin.namespacePhrase(namespace)) }
        if let remote = labels["remote"], let port = labels["port"] {
            let host = remote.contains(":") ? "[\(remote)]" : remote
            parts.append((labels["local"].map { $0 + " → " } ?? "") + host + ":" + port)
        }
        return parts.joined(separator: ", ")
    }

    /// Counter rates the rules read (each a declared `rates.` fact): the only counters a Timeline shows. A
    /// recording keeps every counter that moved (IpExt InOctets, TcpExt TCPPureAcks, ...); they stay facts of
    /// the moment, but as rows they buried the few that matter.
    static let timelineCounters: Set<String> = Set(HostFactSchema.rateCounters.map { $0.section + " " + $0.counter })

    /// Whether a series is a row of the Timeline: every one but counters no rule reads.
    static func shownInTimeline(_ quantity: HistoryQuantity) -> Bool {
        if case .counterRate(let section, let name) = quantity { return timelineCounters.contains(section + " " + name) }
        return true
    }

    /// Series rows shown: per-destination series only for the five destinations with the highest peaks.
    static let destinationsShown = 5
    /// Rows shown at most.
    static let rowsShown = 24

    /// The timeline of a clipped history.
    static func timeline(_ history: History, window: HistoryWindow, evaluatedAt: Date?, because: String) -> Timeline {
        var rows: [(rank: Int, peak: Double, row: Timeline.Series)] = []
        var perDestination: [String: Int] = [:]
        // Each source's first reading: a destination series that starts later was not among the destinations
        // kept before (a recording keeps the most pressed only), so it rose from below them, not from its first value.
        var sourceStart: [String: Date] = [:]
        for series in history.series { if let first = series.points.first?.time { sourceStart[series.source] = min(sourceStart[series.source] ?? first, first) } }
        for var series in history.series where !series.points.isEmpty && rank(series.quantity) < 20 && shownInTimeline(series.quantity) {
            if series.labels["remote"] != nil, let start = sourceStart[series.source], let first = series.points.first?.time, first > start {
                series.points.insert(HistoryPoint(time: start, value: 0), at: 0)
            }
            let values = series.points.map(\.value)
            let peakIndex = values.indices.max { values[$0] < values[$1] || (values[$0] == values[$1] && $0 > $1) }!
            let sorted = values.sorted()
            let baseline = sorted[sorted.count / 10]
            let peak = values[peakIndex]
            var began: Date?
            var ended: Date?
            // A rise: the peak at least 20% and one unit above the usual level.
            if peak > baseline * 1.2, peak - baseline >= (unit(series.quantity) == .share ? 0.01 : 1) {
                let half = baseline + (peak - baseline) / 2
                var start = peakIndex
                while start > 0, values[start - 1] >= half { start -= 1 }
                began = series.points[start].time
                var end = peakIndex
                while end + 1 < values.count, values[end + 1] >= half { end += 1 }
                if end + 1 < values.count { ended = series.points[end + 1].time }
            }
            rows.append((rank(series.quantity), peak, Timeline.Series(
                source: series.source, measure: measureName(series.quantity), labels: labelText(series.labels),
                unit: unit(series.quantity), began: began, peak: peak, peakAt: series.points[peakIndex].time, ended: ended,
                baseline: baseline, shape: shape(series.points, from: window.from, to: window.to))))
        }
        rows.sort { ($0.rank, -$0.peak, $0.row.labels) < ($1.rank, -$1.peak, $1.row.labels) }
        var shown: [Timeline.Series] = []
        for (_, _, row) in rows where shown.count < rowsShown {
            if row.measure.hasSuffix("a destination") || row.measure.hasSuffix("a destination, U(D)") {
                perDestination[row.measure, default: 0] += 1
                if perDestination[row.measure]! > destinationsShown { continue }
            }
            shown.append(row)
        }
        let events = history.kernelEvents.map { e in
            Timeline.Event(message: KernelMessageText.text(e.kind), count: e.count, suppressed: e.suppressed, first: e.first, last: e.last,
                           source: e.source)
        }.sorted { ($0.count, $0.message) > ($1.count, $1.message) }
        return Timeline(from: window.from, to: window.to, evaluatedAt: evaluatedAt, evaluatedBecause: because, series: shown,
                        events: events, read: history.read, notRead: condensed(history.notRead))
    }

    /// Gaps of one reason told once, with the sources it applies to: a server without twenty metrics is one
    /// line (`not on the server: node_sockstat_TCP_inuse, ...`), its hints (which collector flag) kept apart.
    static func condensed(_ gaps: [HistoryGap]) -> [String] {
        var order: [String] = []
        var sources: [String: [String]] = [:]
        for gap in gaps {
            var reason = gap.reason
            var source = gap.source
            if let open = reason.range(of: " ("), reason.hasSuffix(")") {
                source += " " + reason[open.lowerBound...].trimmingPrefix(" ")
                reason = String(reason[..<open.lowerBound])
            }
            if sources[reason] == nil { order.append(reason) }
            sources[reason, default: []].append(source)
        }
        return order.map { reason in
            let list = sources[reason]!
            return list.count == 1 ? "\(list[0]): \(reason)" : "\(reason): \(list.joined(separator: "; "))"
        }
    }

    /// Up to 30 values, the highest of each of 30 equal slices of the window (a slice without a point is
    /// left at zero only between points: it repeats the last value).
    static func shape(_ points: [HistoryPoint], from: Date, to: Date) -> [Double] {
        let cells = 30
        let span = max(to.timeIntervalSince(from), 1)
        var slots = [Double?](repeating: nil, count: cells)
        for point in points {
            let i = min(cells - 1, max(0, Int(point.time.timeIntervalSince(from) / span * Double(cells))))
            slots[i] = max(slots[i] ?? -.infinity, point.value)
        }
        guard let first = slots.firstIndex(where: { $0 != nil }), let last = slots.lastIndex(where: { $0 != nil }) else { return [] }
        var out: [Double] = []
        var previous = slots[first]!
        for i in first...last {
            previous = slots[i] ?? previous
            out.append(previous)
        }
        return out
    }

    /// The largest value history may give a fact: 2^53, where a double still holds every integer. Counts,
    /// rates and limits are never negative. A value outside (1e300 from a server, a 38-digit sar field, a
    /// doctored recording) is left out, as not read, never turned into a number that traps.
    static let largestValue = 9_007_199_254_740_992.0

    /// `value` as a whole number when it is one history may give, else `nil`.
    static func whole(_ value: Double) -> Int64? {
        guard value.isFinite, value >= 0, value <= largestValue else { return nil }
        return Int64(value.rounded())
    }

    /// The value of a series at `time`: its point at or before `time`, if no older than `tolerance`, and only
    /// a finite value from 0 to 2^53 (``largestValue``).
    static func value(_ series: HistorySeries, at time: Date, tolerance: TimeInterval) -> (value: Double, at: Date)? {
        var best: HistoryPoint?
        for point in series.points where point.time <= time + 0.5 && point.value.isFinite && point.value >= 0 && point.value <= largestValue {
            if best == nil || point.time > best!.time { best = point }
        }
        guard let best, time.timeIntervalSince(best.time) <= tolerance else { return nil }
        return (best.value, best.time)
    }

    /// The usual spacing of a series' points (their median step), for how old a value may be and still
    /// stand for a moment.
    static func step(_ series: HistorySeries) -> TimeInterval {
        guard series.points.count > 1 else { return 600 }
        let steps = zip(series.points.dropFirst(), series.points).map { $0.time.timeIntervalSince($1.time) }.sorted()
        return max(1, steps[steps.count / 2])
    }

    /// The facts at `time`: `base`'s host, sysctls and persistent configuration; everything else from the
    /// history's values at that moment (the socket table from per-destination series when there are some).
    static func facts(at time: Date, history: History, base: FactsSnapshot) -> FactsSnapshot {
        var snapshot = base
        snapshot.sockets = nil
        snapshot.counters = KeyedCounters()
        snapshot.sockstat = nil
        snapshot.sockstat6 = nil
        snapshot.rates = nil
        snapshot.conntrack = ConntrackFacts()
        snapshot.fileHandles = FileHandleFacts()
        snapshot.namespaces = nil
        snapshot.collectedAt = ReportTime.full(time)
        var read = ReadLocations(host: base.readFrom?.host, sysctls: base.readFrom?.sysctls, persistent: base.readFrom?.persistent)
        let stamp = " at " + ReportTime.short(time, sameDayAs: time)
        var sockstat = KeyedCounters()
        var rateDeltas = KeyedCounters()
        // Rates are kept as deltas over the series' own step: the interval the report names (a recording's
        // readings may be a second apart, sysstat's ten minutes).
        let rateInterval = max(1, (history.series.filter { if case .counterRate = $0.quantity { true } else { false } }.map(step).min() ?? 60).rounded())
        var destinations: [String: DestinationLoad] = [:]
        var shares: [String: Double] = [:]
        var totals: [String: Int64] = [:]  // U(D) by destination, as kept
        var usable: Double?
        var portBounds: [String: (low: Int?, high: Int?)] = [:]
        // One namespace: the host's, unless every series is labelled with another.
        let wanted = base.origin.namespace ?? "host"
        for series in history.series {
            if let namespace = series.labels["namespace"], namespace != wanted { continue }
            guard let (value, _) = value(series, at: time, tolerance: 2 * step(series)) else { continue }
            let source = series.source + stamp
            switch series.quantity {
            case .sockstat(let group, let field):
                sockstat.sections[group, default: [:]][field] = whole(value)
                read.sockstat = source
            case .counterRate(let group, let name):
                rateDeltas.sections[group, default: [:]][name] = whole(value * rateInterval)
                read.counters = source
            case .fileHandles(let field):
                if field == "allocated" { snapshot.fileHandles.allocated = whole(value) }
                if field == "max" { snapshot.fileHandles.maximum = whole(value) }
                read.fileHandles = source
            case .conntrack(let field):
                if field == "count" { snapshot.conntrack.count = whole(value) }
                if field == "max" { snapshot.conntrack.max = whole(value) }
                read.conntrack = source
            case .sysctl(let key):
                // A two-value sysctl comes as two series, `field` low and high (node_exporter's sysctl collector).
                if let field = series.labels["field"] {
                    var bounds = portBounds[key] ?? (nil, nil)
                    if field == "low" { bounds.low = whole(value).map(Int.init) } else if field == "high" { bounds.high = whole(value).map(Int.init) }
                    portBounds[key] = bounds
                } else {
                    if let number = whole(value) { snapshot.sysctls.values[key] = .integer(number) }
                }
            case TWAdviseSeries.usablePorts.quantity:
                usable = value
            case .twadvise(let name):
                guard let remote = series.labels["remote"].flatMap(IPAddress.init), let port = series.labels["port"].flatMap(Int.init)
                else { continue }
                let local = series.labels["local"].flatMap(IPAddress.init) ?? IPAddress(ipv4: 0)
                let key = "\(local)|\(remote)|\(port)"
                var load = destinations[key] ?? DestinationLoad(localAddress: local, remoteAddress: remote, remotePort: port)
                switch TWAdviseSeries(rawValue: name) {
                case .destinationTimeWait?: load.timeWait = Int(whole(value) ?? 0)
                case .destinationSockets?: if let total = whole(value) { totals[key] = total }
                case .destinationShare?: shares[key] = value
                default: break
                }
                destinations[key] = load
                read.sockets = source
            }
        }
        // U(D) was read whole: what is not TIME_WAIT counts as established (the series do not split it further).
        for (key, total) in totals {
            guard var load = destinations[key] else { continue }
            load.established = max(0, Int(total) - load.timeWait)
            destinations[key] = load
        }
        for (key, bounds) in portBounds {
            if let low = bounds.low, let high = bounds.high, 0 < low, low <= high, high <= 65_535 {
                snapshot.sysctls.values[key] = .portRange(PortRange(low: low, high: high))
            }
        }
        // R kept by `watch --textfile` equal to the whole range: no port of it is reserved (or listened on), so
        // a reserved-port list that history does not keep is known to be empty within the range.
        if let usable, snapshot.sysctls.values["net.ipv4.ip_local_reserved_ports"] == nil,
           let range = snapshot.sysctls.values["net.ipv4.ip_local_port_range"]?.portRange, Double(range.count) == usable {
            snapshot.sysctls.values["net.ipv4.ip_local_reserved_ports"] = .portSet(PortSet())
        }
        // Where only the share was kept (no U(D) series), U(D) is the share of R it names.
        if let usable {
            for (key, share) in shares {
                guard var load = destinations[key], load.inUse == 0 else { continue }
                guard share <= 10, let held = whole(share * usable) else { continue }  // a share above 1000% is not one
                load.established = max(0, Int(held) - load.timeWait)
                destinations[key] = load
            }
        }
        if !sockstat.sections.isEmpty { snapshot.sockstat = sockstat }
        if !rateDeltas.sections.isEmpty { snapshot.rates = CounterRates(intervalSeconds: rateInterval, deltas: rateDeltas) }
        if !destinations.isEmpty {
            let loads = destinations.values.sorted { ($0.inUse, $0.remoteAddress.description) > ($1.inUse, $1.remoteAddress.description) }
            let timeWait = loads.reduce(0) { $0 + $1.timeWait }
            snapshot.sockets = SocketTable(sources: [read.sockets ?? "history"], ephemeralRange: base.sysctls.values["net.ipv4.ip_local_port_range"]?.portRange,
                                           timeWait: timeWait, outboundTimeWait: timeWait,
                                           ephemeralPortsInUse: loads.reduce(0) { $0 + $1.inUse },
                                           destinationCount: loads.count, destinations: loads)
            snapshot.warnings.append(FactWarning(path: read.sockets ?? "history",
                message: "the socket table at \(ReportTime.full(time)) is the per-destination series kept, not every socket"))
        }
        snapshot.readFrom = read
        snapshot.kernelLog = KernelLogFacts(history.kernelEvents, upTo: time)
        return snapshot
    }
}

/// The kernel's own words for each kind of message, as the timeline shows them.
package enum KernelMessageText {
    /// The message as printed by current kernels.
    package static func text(_ kind: KernelMessageKind) -> String {
        switch kind {
        case .timeWaitBucketOverflow: "TCP: time wait bucket table overflow"
        case .conntrackTableFull: "nf_conntrack: table full, dropping packet"
        case .synFlooding: "Possible SYN flooding on port N"
        case .tooManyOrphans: "TCP: too many orphaned sockets"
        case .tcpOutOfMemory: "TCP: out of memory -- consider tuning tcp_mem"
        case .fileMaxReached: "VFS: file-max limit N reached"
        }
    }
}
