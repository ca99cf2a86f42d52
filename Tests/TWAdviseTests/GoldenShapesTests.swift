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
        // sysstat's TIME_WAIT and opens peaking at 03:20, the kernel's bucket overflow just before.
        let history = PostmortemReadingTests.history
        let window = PostmortemReadingTests.window
        let markdown = try ScenarioTests.advisor.diagnose(history: history, base: base, window: window).markdown()
            .replacingOccurrences(of: root, with: "/captured/healthy")
        try GoldenReportTests.compare(markdown, "postmortem-history.md")
    }
}
