import Foundation
import Testing
@testable import TWAdvise
import TWAdviseFacts
import TWAdviseHistory
import TWAdviseRecorder
import TWAdviseRunbooks
import TWAdviseTestSupport

/// A postmortem of an input read inside its window (the live host with `--history`): the reading is a moment
/// of the window too, and history never drops it silently.
@Suite("A postmortem of an input read inside the window")
struct PostmortemReadingTests {
    static let day = Date(timeIntervalSince1970: 1_796_601_600)  // 2026-12-07T00:00:00Z
    static func at(_ minutes: Double) -> Date { day.addingTimeInterval(3 * 3600 + minutes * 60) }

    /// sysstat's TIME_WAIT peak at 03:20 (27,000 sockets, 450 opens/s) and the kernel's bucket overflow just
    /// before it, as the golden postmortem has them.
    static let history: History = {
        let tw = HistorySeries(quantity: .sockstat("TCP", "tw"), source: "var/log/sysstat/sar07",
                               points: [(0, 500), (10, 900), (20, 27_000), (30, 450), (40, 460)].map { HistoryPoint(time: at($0.0), value: $0.1) })
        let opens = HistorySeries(quantity: .counterRate("Tcp", "ActiveOpens"), source: "var/log/sysstat/sar07",
                                  points: [(0, 10), (10, 12), (20, 450), (30, 11), (40, 10)].map { HistoryPoint(time: at($0.0), value: $0.1) })
        let overflow = KernelLogEvent(kind: .timeWaitBucketOverflow, first: at(19), last: at(19.5), count: 3, suppressed: 40,
                                      times: [at(19), at(19.2), at(19.5)], example: "TCP: time wait bucket table overflow", source: "var/log/kern.log")
        return History(series: [tw, opens], kernelEvents: [overflow], read: ["var/log/kern.log", "var/log/sysstat/sar07"])
    }()
    static let window = HistoryWindow(from: day, to: day.addingTimeInterval(12 * 3600))

    /// A scenario's facts, read at `readAt` (as the live reader stamps them), or with no time.
    static func reading(_ scenario: Scenario, at readAt: Date?) throws -> FactsSnapshot {
        var snapshot = try GoldenShapesTests.snapshot(scenario).0
        snapshot.collectedAt = readAt.map { $0.formatted(.iso8601) }
        return snapshot
    }

    @Test("a reading with a finding outranks a worst moment history kept without sockets")
    func readingWithAFindingIsTheReport() throws {
        let readAt = Self.at(200)
        let diagnosis = ScenarioTests.advisor.diagnose(history: Self.history, base: try Self.reading(.clientExhaustion, at: readAt),
                                                       window: Self.window)
        let alone = ScenarioTests.advisor.diagnose(try Self.reading(.clientExhaustion, at: readAt))
        #expect(diagnosis.findings.map(\.id) == alone.findings.map(\.id))
        #expect(diagnosis.findings.contains { $0.id == "ports.destination-exhaustion" })
        let markdown = try diagnosis.markdown()
        #expect(markdown.contains("evaluated at **2026-12-07T06:20:00Z**, when the input was read"))
        #expect(markdown.contains("The worst moment history kept, 2026-12-07T03:20:00Z (the peak of TIME\\_WAIT sockets in var/log/sysstat/sar07), was evaluated too: "))
    }

    @Test("the reading covers the network namespaces read with it: a namespace's finding is not dropped for history's host")
    func readingKeepsItsNamespaces() throws {
        var host = try Self.reading(.healthy, at: Self.at(200))
        var blue = try GoldenShapesTests.snapshot(.clientExhaustion).0
        blue.origin.namespace = "netns blue"
        host.namespaces = [blue]
        let diagnosis = ScenarioTests.advisor.diagnose(history: Self.history, base: host, window: Self.window)
        #expect(diagnosis.namespaces.map(\.summaryRow.label) == ["netns blue"])
        #expect(diagnosis.namespaces.first?.findings.contains { $0.id == "ports.destination-exhaustion" } == true)
        let markdown = try diagnosis.markdown()
        #expect(markdown.hasPrefix("# TWAdvise: 2 network namespaces on "))
        #expect(markdown.contains("was evaluated too: "))
    }

    @Test("a worst moment with a finding stays the report when the reading has none; the reading is named")
    func worstMomentStaysWhenTheReadingIsQuiet() throws {
        let diagnosis = ScenarioTests.advisor.diagnose(history: Self.history, base: try Self.reading(.healthy, at: Self.at(200)),
                                                       window: Self.window)
        let withoutTime = ScenarioTests.advisor.diagnose(history: Self.history, base: try Self.reading(.healthy, at: nil), window: Self.window)
        #expect(diagnosis.findings.map(\.id) == withoutTime.findings.map(\.id))
        #expect(diagnosis.highestSeverity == .high)
        let markdown = try diagnosis.markdown()
        #expect(markdown.contains("evaluated at **2026-12-07T03:20:00Z**, the peak of TIME\\_WAIT sockets"))
        #expect(markdown.contains("The input as read, at 2026-12-07T06:20:00Z, was evaluated too: no finding; a diagnosis without a window reports it."))
        #expect(try !withoutTime.markdown().contains("was evaluated too"))
    }

    @Test("--at the reading's moment evaluates the reading itself, not history's facts without sockets")
    func atTheReadingIsTheReading() throws {
        let readAt = Self.at(200)
        var window = Self.window
        window.at = readAt.addingTimeInterval(-3)  // `--at now` is taken just before the input is read
        let diagnosis = ScenarioTests.advisor.diagnose(history: Self.history, base: try Self.reading(.clientExhaustion, at: readAt),
                                                       window: window)
        #expect(diagnosis.verdict != .insufficientData)
        #expect(diagnosis.findings.contains { $0.id == "ports.destination-exhaustion" })
        #expect(try diagnosis.markdown().contains("evaluated at **2026-12-07T06:20:00Z**, the moment asked for, when the input was read"))
    }

    @Test("a reading outside the window, or without a socket table, is not a moment of it")
    func readingOutsideTheWindow() throws {
        let late = ScenarioTests.advisor.diagnose(history: Self.history, base: try Self.reading(.clientExhaustion, at: Self.day.addingTimeInterval(13 * 3600)),
                                                  window: Self.window)
        #expect(!late.findings.contains { $0.id == "ports.destination-exhaustion" })
        var noSockets = try Self.reading(.clientExhaustion, at: Self.at(200))
        noSockets.sockets = nil
        let blind = ScenarioTests.advisor.diagnose(history: Self.history, base: noSockets, window: Self.window)
        #expect(try !blind.markdown().contains("was evaluated too"))
    }
}

@Suite("The window of --at")
struct AtWindowTests {
    @Test("--at alone reads a day either side of the moment, never past now")
    func neverPastNow() throws {
        let now = Date(timeIntervalSince1970: 1_796_601_600)
        let atNow = try HistoryWindow.parse(at: "now", from: nil, to: nil, now: now)
        #expect(atNow.from == now - 86_400 && atNow.to == now && atNow.at == now)
        let hourAgo = try HistoryWindow.parse(at: "-1h", from: nil, to: nil, now: now)
        #expect(hourAgo.from == now - 90_000 && hourAgo.to == now)
        let dayAgo = try HistoryWindow.parse(at: "-2d", from: nil, to: nil, now: now)
        #expect(dayAgo.from == now - 259_200 && dayAgo.to == now - 86_400)
    }
}

@Suite("Timeline rows")
struct TimelineRowTests {
    @Test("a destination kept only once it was pressed rose from below; counters no rule reads are no rows")
    func destinationRiseAndCounters() {
        let t0 = Date(timeIntervalSince1970: 1_796_601_600)
        func points(_ values: [(Double, Double)]) -> [HistoryPoint] { values.map { HistoryPoint(time: t0 + $0.0, value: $0.1) } }
        let source = "recording /var/lib/twadvise/twadvise.sqlite"
        let tw = HistorySeries(quantity: .sockstat("TCP", "tw"), labels: ["namespace": "host"], source: source,
                               points: points([(0, 10), (1, 10), (2, 10), (3, 900), (4, 950), (5, 960)]))
        let share = HistorySeries(quantity: TWAdviseSeries.destinationShare.quantity,
                                  labels: ["namespace": "host", "local": "127.0.0.1", "remote": "127.0.0.9", "port": "443"], source: source,
                                  points: points([(3, 0.82), (4, 0.89), (5, 0.88)]))
        let octets = HistorySeries(quantity: .counterRate("IpExt", "InOctets"), labels: ["namespace": "host"], source: source,
                                   points: points([(1, 5_000), (2, 6_000)]))
        let opens = HistorySeries(quantity: .counterRate("Tcp", "ActiveOpens"), labels: ["namespace": "host"], source: source,
                                  points: points([(1, 1), (2, 300)]))
        let timeline = Postmortem.timeline(History(series: [tw, share, octets, opens]), window: HistoryWindow(from: t0, to: t0 + 10),
                                           evaluatedAt: nil, because: "")
        #expect(timeline.series.map(\.measure).count == 3)
        #expect(!timeline.series.contains { $0.measure.contains("InOctets") })
        let destination = timeline.series.first { $0.unit == .share }
        #expect(destination?.began == t0 + 3)
        #expect(destination?.baseline == 0)
    }
}

@Suite("A recording's kept full snapshot")
struct KeptSnapshotTests {
    static let t0 = Date(timeIntervalSince1970: 1_796_601_600)

    /// Readings every 2 s from t0 to t0+40, TIME_WAIT rising to its peak at t0+30; a full snapshot kept at
    /// t0+20 (host name `kept-host`); `tcp_tw_reuse` changed at t0+26 when `change` is set.
    static func recording(change: Bool) throws -> (RecordingStore, String) {
        let dir = NSTemporaryDirectory() + "twadvise-kept-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let store = try RecordingStore.openForWriting(directory: dir)
        var kept = FactsSnapshot(origin: FactsOrigin(kind: .live, location: "/"))
        kept.host.hostname = "kept-host"
        for seconds in stride(from: 0, through: 40, by: 2) {
            let tw = seconds <= 30 ? 100 + seconds * 100 : 100
            let namespace = RecordedNamespace(label: "host", inode: nil, timeWait: tw, timeWaitOutbound: tw, timeWaitInbound: 0,
                                              states: ["TIME_WAIT": tw], portsUsable: 28_232, destinations: [], counterDeltas: [:],
                                              intervalSeconds: 2)
            var reading = RecordedReading(time: t0.addingTimeInterval(Double(seconds)), namespaces: [namespace],
                                          snapshot: seconds == 20 ? try kept.jsonData() : nil)
            if seconds == 0 { reading.changedSysctls = ["net.ipv4.tcp_tw_reuse": "2"] }
            if change, seconds == 26 { reading.changedSysctls = ["net.ipv4.tcp_tw_reuse": "1"] }
            #expect(store.append(reading).stored)
        }
        return (store, dir)
    }

    static func source(at seconds: Double?, change: Bool) throws -> String {
        let (store, dir) = try recording(change: change)
        defer { store.close(); try? FileManager.default.removeItem(atPath: dir) }
        let window = HistoryWindow(from: t0, to: t0.addingTimeInterval(60), at: seconds.map { t0.addingTimeInterval($0) })
        return try ScenarioTests.advisor.diagnose(recording: store, window: window).source
    }

    @Test("used at or after it, within an interval of 30 s, with the same settings; never for a moment before it",
          .enabled(if: RecordingStore.sqliteVersion != nil, "needs libsqlite3.so.0"))
    func onlyBeforeTheMomentWithItsSettings() throws {
        #expect(try Self.source(at: 24, change: false).contains("(the full snapshot kept at 2026-12-07T00:00:20Z)"))
        #expect(try !Self.source(at: 14, change: false).contains("full snapshot"), "a snapshot after the moment is not its facts")
        #expect(try !Self.source(at: 28, change: true).contains("full snapshot"), "settings changed between the snapshot and the moment")
        #expect(try Self.source(at: nil, change: false).contains("(the full snapshot kept at 2026-12-07T00:00:20Z)"), "the worst moment, t0+30")
    }
}
