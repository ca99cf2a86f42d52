import Testing
import TWAdvise
import TWAdviseFacts
import TWAdviseTestSupport

/// `watch` reads through the same input as `diagnose` (``FactsInput``), never looks up owners, and keeps
/// watching when an input cannot be read for a moment.
@Suite("Watcher")
struct WatcherTests {
    @Test("two readings of the live host's own namespace scan no /proc/PID/fd, whatever the input's owner policy says")
    func noOwnerScan() throws {
        let counter = OwnerScanCounter()
        var input = FactsInput(hostNamespaceOnly: true)
        input.owners = .scanOnce
        input.scanCounter = counter
        var watcher = Watcher(advisor: ScenarioTests.advisor, input: input)
        let first = watcher.read()
        let second = watcher.read()
        #expect(counter.count == 0)
        #expect(first.snapshot.rates == nil)
        #expect(second.snapshot.rates != nil, "the second reading has the rates since the first")
        #expect(second.snapshot.notRead == nil)
    }

    @Test("a namespace that cannot be read gives a reading that says why, and the watcher goes on")
    func unreadableNamespace() {
        var watcher = Watcher(advisor: ScenarioTests.advisor, input: FactsInput(namespace: "twadvise-test-no-such-namespace"))
        let reading = watcher.read()
        let notRead = reading.snapshot.notRead ?? ""
        #expect(!notRead.isEmpty)
        #expect(reading.view.contains("not read: " + notRead))
        #expect(watcher.read().snapshot.notRead == notRead, "the next reading tries again")
    }

    @Test("a captured tree is read as diagnose reads it")
    func tree() throws {
        let tree = try Scenario.clientExhaustion.tree()
        var watcher = Watcher(advisor: ScenarioTests.advisor, input: FactsInput(root: tree.root))
        let reading = watcher.read()
        let loaded = try FactsInput(root: tree.root, topDestinations: 100).load()
        #expect(reading.snapshot.sockets?.destinations.map(\.label) == loaded.first?.sockets?.destinations.map(\.label))
        #expect(reading.snapshot.sockstat?["TCP", "tw"] == loaded.first?.sockstat?["TCP", "tw"])
    }
}
