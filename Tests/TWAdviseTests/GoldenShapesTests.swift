import Foundation
import Testing
import TWAdvise
import TWAdviseFacts
import TWAdviseHistory
import TWAdviseTestSupport

/// The report shapes beside the per-scenario goldens: the terminal rendering, a host with its network
/// namespaces (one of them unreadable), and a postmortem's Timeline. Re-record with
/// `TWADVISE_RECORD=1 swift test --filter GoldenShapesTests` (a record run fails; run again to compare).
@Suite("Golden report shapes")
struct GoldenShapesTests {
    static func snapshot(_ scenario: Scenario) throws -> (FactsSnapshot, String) {
        let tree = try scenario.tree()
        return (SnapshotReader(source: FactSource(root: tree.root)).read(), tree.root)
    }

    @Test("the terminal report of the five-destination scenario, without colour")
    func terminal() throws {
        let (snapshot, root) = try Self.snapshot(.fiveDestinations)
        let text = try Diagnosis.terminal([ScenarioTests.advisor.diagnose(snapshot)], color: false)
            .replacingOccurrences(of: root, with: "/captured/five-destinations")
        try GoldenReportTests.compare(text, "five-destinations.terminal.txt")
        #expect(!text.contains("\u{1B}"))
    }

    @Test("a host with two network namespaces, one not read: the table first, then the runbooks")
    func namespaces() throws {
        var (host, hostRoot) = try Self.snapshot(.healthy)
        var (blue, blueRoot) = try Self.snapshot(.clientExhaustion)
        blue.origin.namespace = "netns blue"
        var gone = FactsSnapshot(origin: FactsOrigin(kind: .live, location: "/", namespace: "pid 4242 (sleep)"))
        gone.notRead = "the process left before its namespace could be entered"
        host.namespaces = [blue, gone]
        let markdown = try ScenarioTests.advisor.diagnose(host).markdown()
            .replacingOccurrences(of: hostRoot, with: "/captured/healthy").replacingOccurrences(of: blueRoot, with: "/captured/client-exhaustion")
        try GoldenReportTests.compare(markdown, "host-with-namespaces.md")
        #expect(markdown.contains("not read: the process left before its namespace could be entered"))
    }

    @Test("a postmortem: the Timeline and the rules at the worst moment of sysstat and the kernel log")
    func postmortem() throws {
        let (base, root) = try Self.snapshot(.healthy)
        let day = Date(timeIntervalSince1970: 1_796_601_600)  // 2026-12-07T00:00:00Z
        func at(_ minutes: Double) -> Date { day.addingTimeInterval(3 * 3600 + minutes * 60) }
        let tw = HistorySeries(quantity: .sockstat("TCP", "tw"), source: "var/log/sysstat/sar07",
                               points: [(0, 500), (10, 900), (20, 27_000), (30, 450), (40, 460)].map { HistoryPoint(time: at($0.0), value: $0.1) })
        let opens = HistorySeries(quantity: .counterRate("Tcp", "ActiveOpens"), source: "var/log/sysstat/sar07",
                                  points: [(0, 10), (10, 12), (20, 450), (30, 11), (40, 10)].map { HistoryPoint(time: at($0.0), value: $0.1) })
        let overflow = KernelLogEvent(kind: .timeWaitBucketOverflow, first: at(19), last: at(19.5), count: 3, suppressed: 40,
                                      times: [at(19), at(19.2), at(19.5)], example: "TCP: time wait bucket table overflow", source: "var/log/kern.log")
        let history = History(series: [tw, opens], kernelEvents: [overflow], read: ["var/log/kern.log", "var/log/sysstat/sar07"])
        let window = HistoryWindow(from: day, to: day.addingTimeInterval(12 * 3600))
        let markdown = try ScenarioTests.advisor.diagnose(history: history, base: base, window: window).markdown()
            .replacingOccurrences(of: root, with: "/captured/healthy")
        try GoldenReportTests.compare(markdown, "postmortem-history.md")
    }
}
