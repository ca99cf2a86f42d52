import Foundation
import Testing
import TWAdvise
import TWAdviseRunbooks
import TWAdviseTestSupport

/// What a report says it saw, a verdict that cannot say "healthy" without the facts to decide it, and one
/// number per name (share of R is U(D)/R everywhere; pressure is the reuse-aware value, named apart).
@Suite("Verdict and what was seen")
struct VerdictTests {
    static func snapshot(_ files: [String: String]) throws -> FactsSnapshot {
        let tree = try TemporaryTree(files)
        return SnapshotReader(source: FactSource(root: tree.root)).read()
    }

    static func json(_ diagnosis: Diagnosis) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: diagnosis.json()) as? [String: Any])
    }

    @Test("no socket table: 'insufficient data' naming what is missing, never 'healthy' or 'nothing needs a change'")
    func noSocketTable() throws {
        var files = Scenario.healthy.files
        files["proc/net/tcp"] = nil
        files["proc/net/tcp6"] = nil
        let diagnosis = ScenarioTests.advisor.diagnose(try Self.snapshot(files))
        let markdown = try diagnosis.markdown()
        #expect(markdown.contains("| Verdict | **insufficient data**: no finding, but rules that decide it could not run (below) |"))
        #expect(!markdown.contains("healthy"))
        #expect(!markdown.contains("nothing here needs a change"))
        #expect(markdown.contains("- Ephemeral ports per destination (`ports.destination-exhaustion`): missing sockets.destinations"))
        #expect(markdown.contains("| Most pressed destination | unknown (no socket table) |"))
        let json = try Self.json(diagnosis)
        #expect(json["verdict"] as? String == "insufficient data")
        let gaps = try #require(json["verdictGaps"] as? [[String: Any]])
        #expect(gaps.contains { $0["rule"] as? String == "ports.destination-exhaustion" })
    }

    @Test("a healthy host says so, and what it saw: TIME_WAIT, R, the most pressed destination, tcp_tw_reuse, inputs")
    func healthySaysWhatItSaw() throws {
        let diagnosis = ScenarioTests.advisor.diagnose(try Self.snapshot(Scenario.healthy.files))
        let markdown = try diagnosis.markdown()
        #expect(markdown.contains("| Verdict | **healthy**: no finding |"))
        #expect(markdown.contains("| TIME_WAIT | 12 (kernel count, sockstat); in the socket table 12 outbound, 0 inbound |"))
        #expect(markdown.contains("| Usable ephemeral ports (R) | 28232 |"))
        #expect(markdown.contains("| tcp_tw_reuse | 2: does not apply toward that destination |"))
        let observed = try #require(try Self.json(diagnosis)["observed"] as? [String: Any])
        #expect(observed["timeWait"] as? Int == 12)
        #expect(observed["usablePorts"] as? Int == 28232)
        #expect((observed["inputsMissing"] as? [String])?.contains("rates (one reading only)") == true)
    }

    /// One loopback destination with 2,500 TIME_WAIT and R = 5,001, where tcp_tw_reuse (2) applies: its share
    /// of R is 50%, its pressure under 1%.
    static var loopbackFiles: [String: String] {
        var files = HostTrees.modernSysctls
        files["proc/sys/kernel/hostname"] = "loopback-client\n"
        files["proc/sys/net/ipv4/ip_local_port_range"] = "40000\t45000\n"
        files["proc/sys/net/ipv4/tcp_tw_reuse"] = "2\n"
        var lines: [String] = []
        for i in 0..<2500 { lines.append(ProcNetTCPLine.ipv4(slot: i, local: ("127.0.0.1", 40000 + i), remote: ("127.0.0.1", 8080), state: 0x06)) }
        files["proc/net/tcp"] = (files["proc/net/tcp"] ?? "") + lines.joined(separator: "\n") + "\n"
        files["proc/net/sockstat"] = "sockets: used 20\nTCP: inuse 2 orphan 0 tw 2500 alloc 4 mem 3\n"
        return files
    }

    @Test("share of R is U(D)/R in the report, the namespace table and watch; pressure has its own name")
    func oneNumberPerName() throws {
        let snapshot = try Self.snapshot(Self.loopbackFiles)
        let diagnosis = ScenarioTests.advisor.diagnose(snapshot)
        let markdown = try diagnosis.markdown()
        #expect(markdown.contains("share of R 50%, pressure 0.8%"), "\(markdown.prefix(1500))")
        var other = snapshot
        other.origin.namespace = "netns blue"
        let table = try Diagnosis.markdown([diagnosis, ScenarioTests.advisor.diagnose(other)])
        #expect(table.contains("| netns blue | 2500 | 127.0.0.1 → 127.0.0.1:8080 | 50% █████ | 0.8% |"), "\(table.prefix(1200))")
        let watch = NamespaceSummary.watchLines([ScenarioTests.advisor.diagnose(other).summaryRow], shown: 5)
        #expect(watch.contains("127.0.0.1 → 127.0.0.1:8080 share of R 50% █████ pressure 0.8%"), "\(watch)")
    }

    @Test("a namespace that could not be read is 'not read: REASON' and counted apart, never 'none'")
    func unreadNamespace() throws {
        let host = ScenarioTests.advisor.diagnose(try Self.snapshot(Scenario.healthy.files))
        var unread = FactsSnapshot(origin: FactsOrigin(kind: .live, location: "/", namespace: "pid 4242 (sleep)"))
        unread.notRead = "cannot enter /proc/4242/ns/net: not a network namespace"
        let quiet = try Self.snapshot(Scenario.healthy.files)
        var named = quiet
        named.origin.namespace = "netns quiet"
        let table = try Diagnosis.markdown([host, ScenarioTests.advisor.diagnose(unread), ScenarioTests.advisor.diagnose(named)])
        #expect(table.contains("| pid 4242 (sleep) | unknown | - | - | - | not read: cannot enter /proc/4242/ns/net: not a network namespace |"))
        #expect(table.contains("| netns quiet | 12 |"))
        #expect(table.contains("; 1 namespace has none; 1 could not be read."), "\(table.prefix(1500))")
        // The unread namespace is last, after the readable ones.
        let rows = table.split(separator: "\n").filter { $0.hasPrefix("| netns quiet") || $0.hasPrefix("| pid 4242") }
        #expect(rows.first?.hasPrefix("| netns quiet") == true)
    }

    /// A quiet host nesting the namespace of a pod whose destination runs out of ports.
    static func hostWithPressedPod() throws -> FactsSnapshot {
        var host = try Self.snapshot(Scenario.healthy.files)
        var pressed = try Self.snapshot(Scenario.clientExhaustion.files)
        pressed.origin.namespace = "pod shop/api"
        host.namespaces = [pressed]
        return host
    }

    @Test("a snapshot that nests namespaces is diagnosed whole: a namespace's critical finding is not lost")
    func nestedNamespaces() throws {
        let host = try Self.hostWithPressedPod()
        let diagnosis = ScenarioTests.advisor.diagnose(host)
        #expect(diagnosis.findings.isEmpty, "the host's own namespace has none")
        #expect(diagnosis.namespaces.count == 1)
        #expect(diagnosis.namespaces.first?.findings.first?.severity == .critical)
        #expect(diagnosis.highestSeverity == .critical)
        let markdown = try diagnosis.markdown()
        #expect(markdown.hasPrefix("# TWAdvise: 2 network namespaces on quiet-host"))
        #expect(markdown.contains("| pod shop/api | 27300 |"))
        let json = try Self.json(diagnosis)
        #expect((json["namespaces"] as? [[String: Any]])?.first?["highestSeverity"] as? String == "critical")
    }

    @Test("an input read and diagnosed as one value: a snapshot file of a host with a namespace gives one diagnosis covering both")
    func inputAsOneValue() throws {
        let host = try Self.hostWithPressedPod()
        let tree = try TemporaryTree(["host.json": String(decoding: try host.jsonData(), as: UTF8.self)])
        let diagnosis = try ScenarioTests.advisor.diagnose(FactsInput(snapshotFile: tree.path("host.json")))
        #expect(diagnosis.namespaces.count == 1 && diagnosis.findings.isEmpty)
        #expect(diagnosis.highestSeverity == .critical)
        #expect(try diagnosis.markdown() == Diagnosis.markdown(FactsInput(snapshotFile: tree.path("host.json")).load().map {
            ScenarioTests.advisor.diagnose($0)
        }))
        #expect(throws: FactsInputError.notADirectory(path: "/nonexistent/twadvise")) {
            try ScenarioTests.advisor.diagnose(FactsInput(root: "/nonexistent/twadvise"))
        }
    }

    @Test("a namespace's runbook never writes the host's /etc/sysctl.d, and says where its settings persist")
    func namespaceDropIns() throws {
        var snapshot = try Self.snapshot(Scenario.clientExhaustion.files)
        let host = try ScenarioTests.advisor.diagnose(snapshot).markdown()
        #expect(host.contains("/etc/sysctl.d/99-twadvise-"), "the host's own runbook keeps its drop-ins")
        snapshot.origin.namespace = "netns blue"
        let markdown = try ScenarioTests.advisor.diagnose(snapshot).markdown()
        #expect(!markdown.contains("/etc/sysctl.d/99-twadvise"))
        #expect(!markdown.contains("> /etc/sysctl.d/"))
        #expect(markdown.contains("These settings belong to this network namespace, not to the host."))
        #expect(!markdown.contains("```sh\n```"), "no code block left empty")
    }

    @Test("wording: a namespace is named once ('network namespace blue', not 'network namespace netns blue'); one finding is singular")
    func wording() throws {
        #expect(FactsOrigin.namespacePhrase("netns blue") == "network namespace blue")
        #expect(FactsOrigin.namespacePhrase("pid 4242 (sleep)") == "network namespace of pid 4242 (sleep)")
        #expect(FactsOrigin.namespacePhrase("qrouter-984c") == "network namespace qrouter-984c")
        var snapshot = try Self.snapshot(Scenario.serverClosesFirst.files)
        snapshot.origin.namespace = "netns blue"
        let diagnosis = ScenarioTests.advisor.diagnose(snapshot, minimumSeverity: .critical)
        let markdown = try diagnosis.markdown()
        #expect(markdown.contains("network namespace blue") && !markdown.contains("network namespace netns"))
        let hidden = diagnosis.evaluation.findings.count
        #expect(hidden == 1 ? markdown.contains("1 finding counted above is below it") : markdown.contains("\(hidden) findings counted above are below it"), "\(markdown.prefix(800))")
    }

    @Test("watch over every namespace shows the most pressed one in full: a pod with a critical finding, not the empty host")
    func watchShowsMostPressed() throws {
        let host = try Self.snapshot(Scenario.healthy.files)
        var pod = try Self.snapshot(Scenario.clientExhaustion.files)
        pod.origin.namespace = "pod shop/api"
        var quiet = try Self.snapshot(Scenario.healthy.files)
        quiet.origin.namespace = "netns quiet"
        let advisor = ScenarioTests.advisor
        #expect(Watcher.mostPressed([(host, advisor.diagnose(host)), (quiet, advisor.diagnose(quiet)), (pod, advisor.diagnose(pod))]) == 2)
        // No finding above info anywhere: the host's own.
        #expect(Watcher.mostPressed([(host, advisor.diagnose(host)), (quiet, advisor.diagnose(quiet))]) == 0)
    }
}
