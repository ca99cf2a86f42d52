import Foundation
import Testing
@testable import TWAdvise
@testable import TWAdviseEngine
import TWAdviseFacts
import TWAdviseRunbooks
import TWAdviseTestSupport

/// No command in a runbook is ever rendered with an empty value, and no rule can point at a section that
/// needs a value it does not provide.
@Suite("Runbook values")
struct RunbookValueTests {
    /// Command lines (inside fenced blocks) that hold an empty value where one was expected.
    static func emptyValues(_ markdown: String) -> [String] {
        var bad: [String] = []
        var inCode = false
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") { inCode.toggle(); continue }
            guard inCode, !line.trimmingCharacters(in: .whitespaces).hasPrefix("#") else { continue }
            let code = line.split(separator: "#", maxSplits: 1).first.map(String.init) ?? ""
            // key= with nothing after it; an empty quoted value (but an empty set of reserved ports, which is
            // a value); an address or port left out of an ss filter; an arithmetic operand left out; a marker.
            var patterns = [#"=\s*$"#, #"dst\s+(dport|sport|\||$)"#, #"(dport|sport) = :(\s|$)"#, #"\$\(\(\s*\*"#, "\u{F8F0}"]
            if !code.contains("ip_local_reserved_ports") { patterns.append(#"=""(\s|$)"#) }
            if patterns.contains(where: { code.range(of: $0, options: .regularExpression) != nil }) { bad.append(String(line)) }
        }
        return bad
    }

    @Test("every rule that fires in every scenario renders commands with values, also when no current value could be read",
          arguments: Scenario.allCases)
    func noEmptyValues(scenario: Scenario) throws {
        let tree = try scenario.tree()
        let snapshot = SnapshotReader(source: FactSource(root: tree.root)).read()
        let diagnosis = ScenarioTests.advisor.diagnose(snapshot)
        #expect(Self.emptyValues(try diagnosis.markdown()) == [])
        // The same findings on a host none of whose current values could be read.
        var blind = diagnosis.input
        blind.current = [:]
        let markdown = try MarkdownReport(templates: diagnosis.templates).render(blind)
        #expect(Self.emptyValues(markdown) == [], "\(scenario)")
        if !diagnosis.findings.isEmpty, markdown.contains("sysctl -w") || diagnosis.findings.contains(where: { $0.runbook != nil }) {
            #expect(!markdown.contains("\u{F8F0}"))
        }
    }

    @Test("a missing value in a command becomes a comment that says what could not be read")
    func missingValueBecomesComment() throws {
        let templates = try RunbookTemplates(files: ["report": "{{#findings}}{{{body}}}{{/findings}}",
                                                     "t": "<!-- runbook: demo -->\n```sh\nsysctl -w net.ipv4.tcp_tw_reuse={{{current.tcp_tw_reuse}}}\n```\nNow {{{current.tcp_tw_reuse}}}.\n"])
        let finding = Finding(id: "demo.x", title: "t", severity: .low, score: 1, runbook: "demo")
        let input = ReportInput(hostname: "h", kernel: nil, source: "s", collectedAt: nil, current: [:],
                                evaluation: Evaluation(results: [], findings: [finding]))
        let text = try MarkdownReport(templates: templates).render(input)
        #expect(text.contains("# not shown: tcp_tw_reuse could not be read on this host; read it first (sysctl -a, ss), then decide\n"))
        #expect(text.contains("Now unknown (tcp\\_tw\\_reuse could not be read)") || text.contains("Now unknown (tcp_tw_reuse could not be read)"))
        #expect(!text.contains("tcp_tw_reuse=\n"))
    }

    @Test("rules lint rejects a rule whose runbook section needs a value it does not provide, at the rule's line")
    func lintRejectsMissingVars() throws {
        let rule = """
            rules:
              - id: team.pressed
                title: pressed
                severity: medium
                for_each: d in sockets.destinations
                condition: d.port_share >= 0.5
                subject: d.label
                runbook: ports.destination-exhaustion
            """
        let catalog = RuleCatalog(extra: [RuleSource(path: "team.yaml", text: rule)])
        #expect(catalog.diagnostics.isEmpty)
        let problems = try catalog.runbookDiagnostics()
        #expect(problems.map(\.location.description) == Array(repeating: "team.yaml:2:5", count: problems.count))
        #expect(problems.map(\.message).contains("runbook section 'ports.destination-exhaustion' uses 'remote_host', which rule 'team.pressed' does not provide"))
        #expect(throws: AdvisorError.self) { try Advisor(catalog: catalog) }
    }

    /// Every `KEY = VALUE` of a drop-in and `sysctl -w KEY=VALUE` of the runbook, for the limits a runbook
    /// could lower.
    static func limitValues(_ markdown: String) -> [(key: String, value: Int64)] {
        let keys = ["net.netfilter.nf_conntrack_max", "fs.file-max", "net.ipv4.tcp_max_tw_buckets"]
        var found: [(String, Int64)] = []
        for line in markdown.split(separator: "\n") {
            for key in keys {
                for separator in [" = ", "="] {
                    guard let range = line.range(of: key + separator) else { continue }
                    let digits = line[range.upperBound...].prefix { $0.isNumber }
                    if let value = Int64(digits) { found.append((key, value)) }
                }
            }
        }
        return found
    }

    @Test("no command or drop-in ever sets a limit below the host's current value, on hosts with high limits")
    func neverLowerALiveLimit() throws {
        var files = Scenario.conntrackNearFull.files
        files["proc/sys/net/netfilter/nf_conntrack_count"] = "1000000\n"
        files["proc/sys/net/netfilter/nf_conntrack_max"] = "1048576\n"            // above the old fixed 524288
        files["proc/sys/fs/file-nr"] = "5300000\t0\t6553600\n"                  // above the old fixed 4194304
        files["proc/sys/fs/file-max"] = "6553600\n"
        files["proc/sys/net/ipv4/tcp_max_tw_buckets"] = "2000000\n"              // above the old fixed 262144
        files["proc/net/netstat"] = "TcpExt: TW TCPTimeWaitOverflow\nTcpExt: 100 7\n"
        let tree = try TemporaryTree(files)
        let snapshot = SnapshotReader(source: FactSource(root: tree.root)).read()
        let diagnosis = ScenarioTests.advisor.diagnose(snapshot)
        let fired = Set(diagnosis.findings.map(\.id))
        #expect(fired.isSuperset(of: ["conntrack.table-near-full", "fs.file-handles-near-limit", "timewait.bucket-overflow"]), "\(fired)")
        let markdown = try diagnosis.markdown()
        let current: [String: Int64] = ["net.netfilter.nf_conntrack_max": 1_048_576, "fs.file-max": 6_553_600, "net.ipv4.tcp_max_tw_buckets": 2_000_000]
        let values = Self.limitValues(markdown)
        // tcp_max_tw_buckets is above the kernel default already: no drop-in for it at all, not one at the same value.
        #expect(Set(values.map(\.key)) == ["net.netfilter.nf_conntrack_max", "fs.file-max"])
        #expect(markdown.contains("The limit is at the kernel default (half of `tcp_ehash_entries`) or above: no sysctl to change."))
        for (key, value) in values { #expect(value >= current[key]!, "\(key) = \(value) is below the current \(current[key]!)") }
        // And the same on every scenario, whatever its limits.
        for scenario in Scenario.allCases {
            let tree = try scenario.tree()
            let snapshot = SnapshotReader(source: FactSource(root: tree.root)).read()
            let text = try ScenarioTests.advisor.diagnose(snapshot).markdown()
            let now: [String: Int64?] = ["net.netfilter.nf_conntrack_max": snapshot.sysctls.integer("net.netfilter.nf_conntrack_max"),
                                         "fs.file-max": snapshot.fileHandles.maximum, "net.ipv4.tcp_max_tw_buckets": snapshot.sysctls.tcpMaxTwBuckets]
            for (key, value) in Self.limitValues(text) {
                guard let live = now[key] ?? nil else { continue }
                #expect(value >= live, "\(scenario): \(key) = \(value) is below the current \(live)")
            }
        }
    }

    @Test("the plan's names are the ones it computes, and the reserved ports of every listener form one value")
    func planNames() throws {
        let tree = try Scenario.articleOnModernKernel.tree()
        let snapshot = SnapshotReader(source: FactSource(root: tree.root)).read()
        let plan = RunbookPlan.values(snapshot)
        #expect(Set(plan.keys).isSubset(of: RunbookPlan.names))
        #expect(plan["reserved_ports"] == "3306,8080")
        #expect(plan["ip_local_port_range"] == "1024 65535")  // never narrower than the host's 1024-65535
        // Ends of the same parity (32768 65534): widened by one to 65535, never narrowed.
        var same = snapshot
        same.sysctls.values["net.ipv4.ip_local_port_range"] = .portRange(PortRange(low: 32768, high: 65534))
        #expect(RunbookPlan.values(same)["ip_local_port_range"] == "32768 65535")
        same.sysctls.values["net.ipv4.ip_local_port_range"] = .portRange(PortRange(low: 32767, high: 65535))
        #expect(RunbookPlan.values(same)["ip_local_port_range"] == "32766 65535")  // both odd: the low end moves down
    }

    @Test("the runbooks' commands measure what they claim: deltas, the right ss field, where the error is logged, one file applied")
    func commandsThatDoWhatTheySay() {
        for (name, text) in KnowledgeBase.runbookTemplates {
            var inCode = false
            for line in text.split(separator: "\n") {
                if line.hasPrefix("```") { inCode.toggle(); continue }
                guard inCode else { continue }
                // nstat -a prints totals since boot: a check that something "increases" or "stays at 0" needs a delta.
                #expect(!line.contains("nstat -a"), "\(name): \(line)")
                // With one state filter, ss -H prints no State column: the peer is field 4; with several it
                // prints the State column, and the peer is field 5.
                let states = line.components(separatedBy: "state ").count - 1
                if states == 1 { #expect(!line.contains("{print $5}"), "\(name): \(line)") }
                if states > 1 { #expect(!line.contains("{print $4}"), "\(name): \(line)") }
                // The kernel never logs EADDRNOTAVAIL.
                #expect(!line.contains("/var/log/syslog"), "\(name): \(line)")
                // sysctl --system re-applies every file (undoing changes made by hand) and exits 0 on a stale key.
                #expect(!line.contains("sysctl --system"), "\(name): \(line)")
            }
        }
    }

    @Test("a value with a space reaches its command quoted, never as VALUE-NOT-SHELL-SAFE (the runtime port range in a rollback)")
    func spacedValueInCommand() throws {
        let tree = try TemporaryTree([
            "proc/sys/net/ipv4/ip_local_port_range": "32768\t60999\n",
            "etc/sysctl.conf": "net.ipv4.ip_local_port_range = 1024 65000\n",
            "proc/net/sockstat": "sockets: used 10\nTCP: inuse 1 orphan 0 tw 0 alloc 1 mem 1\n",
        ])
        let diagnosis = ScenarioTests.advisor.diagnose(SnapshotReader(source: FactSource(root: tree.root)).read())
        #expect(diagnosis.findings.contains { $0.id == "sysctl.runtime-differs-from-persistent" })
        let markdown = try diagnosis.markdown()
        #expect(markdown.contains("sysctl -w net.ipv4.ip_local_port_range=\"32768 60999\""))
        #expect(!markdown.contains("VALUE-NOT-SHELL-SAFE"))
    }

    @Test("a drop-in that another persistent line would override names that line")
    func dropInNamesWhatOverridesIt() throws {
        var files = Scenario.clientExhaustion.files
        files["etc/sysctl.conf"] = "# ops\nnet.ipv4.tcp_tw_reuse = 0\n"
        let tree = try TemporaryTree(files)
        let markdown = try ScenarioTests.advisor.diagnose(SnapshotReader(source: FactSource(root: tree.root)).read()).markdown()
        #expect(markdown.contains("**Also set in the persistent configuration:** etc/sysctl.conf:2 sets net.ipv4.tcp\\_tw\\_reuse = 0."))
        let plainTree = try Scenario.clientExhaustion.tree()  // kept alive: the tree is removed when released
        let plain = try ScenarioTests.advisor.diagnose(SnapshotReader(source: FactSource(root: plainTree.root)).read()).markdown()
        #expect(plain.contains("# TWAdvise runbook for api-client-7") && plain.contains("99-twadvise-tcp_tw_reuse.conf"))
        #expect(!plain.contains("Also set in the persistent configuration"))
    }

    @Test("a step that sets a value is shown only where the value is not already in force")
    func stepsOnlyWhereNeeded() throws {
        let onTree = try Scenario.clientExhaustion.tree()  // kept alive: the tree is removed when released
        let on = try ScenarioTests.advisor.diagnose(SnapshotReader(source: FactSource(root: onTree.root)).read()).markdown()
        #expect(on.contains("sysctl -w net.ipv4.tcp_tw_reuse=1"))
        #expect(!on.contains("sysctl -w net.ipv4.tcp_timestamps=1") && !on.contains("99-twadvise-tcp_timestamps.conf"))
        var files = Scenario.clientExhaustion.files
        files["proc/sys/net/ipv4/tcp_timestamps"] = "0\n"
        let tree = try TemporaryTree(files)
        let off = try ScenarioTests.advisor.diagnose(SnapshotReader(source: FactSource(root: tree.root)).read()).markdown()
        #expect(off.contains("sysctl -w net.ipv4.tcp_timestamps=1") && off.contains("cat > /etc/sysctl.d/99-twadvise-tcp_timestamps.conf"))
    }

    /// A host with 27,000 TIME_WAIT and 10 ESTABLISHED toward one peer, with the reuse settings given.
    static func loadedHost(remote: UInt32, reuse: Int64, timestamps: Int64 = 1) -> FactsSnapshot {
        let destination = DestinationLoad(localAddress: IPAddress(ipv4: 0x7F00_0001), remoteAddress: IPAddress(ipv4: remote), remotePort: 8080,
                                          timeWait: 27_000, established: 10)
        let table = SocketTable(sources: ["test"], ipv4: StateCounts(), ipv6: StateCounts(), ephemeralRange: .kernelDefault,
                                timeWait: 27_000, outboundTimeWait: 27_000, destinationCount: 1, destinations: [destination])
        let sysctls = Sysctls(values: ["net.ipv4.ip_local_port_range": .portRange(.kernelDefault), "net.ipv4.ip_local_reserved_ports": .portSet(PortSet()),
                                       "net.ipv4.tcp_tw_reuse": .integer(reuse), "net.ipv4.tcp_timestamps": .integer(timestamps)])
        return FactsSnapshot(origin: FactsOrigin(kind: .root, location: "test"), host: HostInfo(hostname: "h", kernel: KernelVersion(major: 6, minor: 18)),
                             sysctls: sysctls, sockets: table)
    }

    @Test("where tcp_tw_reuse applies, 27,000 TIME_WAIT toward one peer is not exhaustion, and no step sets tcp_tw_reuse = 1")
    func reuseAwareSeverity() throws {
        func exhaustion(_ snapshot: FactsSnapshot) -> Finding? {
            ScenarioTests.advisor.diagnose(snapshot).findings.first { $0.id == "ports.destination-exhaustion" }
        }
        // Loopback under the default tcp_tw_reuse = 2: ports come back after 1 s; 23,000 connects/s succeed.
        #expect(exhaustion(Self.loadedHost(remote: 0x7F00_0001, reuse: 2)) == nil)
        // The same count toward a remote peer under 2, or under 0, or without timestamps: reuse does not apply.
        #expect(exhaustion(Self.loadedHost(remote: 0x0A00_0009, reuse: 2))?.severity == .critical)
        #expect(exhaustion(Self.loadedHost(remote: 0x7F00_0001, reuse: 0))?.severity == .critical)
        #expect(exhaustion(Self.loadedHost(remote: 0x7F00_0001, reuse: 1, timestamps: 0))?.severity == .critical)
        // Under reuse = 1 toward a remote peer it applies: no finding either.
        #expect(exhaustion(Self.loadedHost(remote: 0x0A00_0009, reuse: 1)) == nil)
        // When the connections themselves hold the ports, reuse does not hide it, and no step sets reuse.
        var busy = Self.loadedHost(remote: 0x7F00_0001, reuse: 2)
        busy.sockets?.destinations[0].established = 27_000
        let diagnosis = ScenarioTests.advisor.diagnose(busy)
        #expect(diagnosis.findings.first { $0.id == "ports.destination-exhaustion" }?.severity == .critical)
        let markdown = try diagnosis.markdown()
        #expect(markdown.contains("`tcp\\_tw\\_reuse` already applies toward this destination") || markdown.contains("`tcp_tw_reuse` already applies toward this destination"))
        #expect(!markdown.contains("sysctl -w net.ipv4.tcp_tw_reuse=1"))
    }

    @Test("the rate rule follows the destination and reuse: 23,000 connects/s toward loopback under reuse is medium, 500/s without is high")
    func rateFollowsDestinationAndReuse() throws {
        func rateFinding(remote: UInt32, reuse: Int64, opensPerSecond: Int64) -> Finding? {
            var snapshot = Self.loadedHost(remote: remote, reuse: reuse)
            snapshot.counters = KeyedCounters(sections: ["Tcp": ["ActiveOpens": 1_000_000]])
            snapshot.rates = CounterRates(first: snapshot.counters,
                                          second: KeyedCounters(sections: ["Tcp": ["ActiveOpens": 1_000_000 + opensPerSecond * 5]]), intervalSeconds: 5)
            return ScenarioTests.advisor.diagnose(snapshot).findings.first { $0.id == "ports.outbound-rate-high" }
        }
        // Reuse applies (loopback, tcp_tw_reuse = 2): a port is back after 1 s, so 23,000/s fills 81% of R.
        let loopback = try #require(rateFinding(remote: 0x7F00_0001, reuse: 2, opensPerSecond: 23_000))
        #expect(loopback.severity == .medium && loopback.subject == "127.0.0.1 → 127.0.0.1:8080")
        #expect(rateFinding(remote: 0x7F00_0001, reuse: 2, opensPerSecond: 450) == nil)
        // Toward a remote peer under tcp_tw_reuse = 2 a closed port is held 60 s: 500/s is more than R sustains.
        #expect(rateFinding(remote: 0x0A00_0009, reuse: 2, opensPerSecond: 500)?.severity == .high)
        let markdown = try ScenarioTests.advisor.diagnose({
            var snapshot = Self.loadedHost(remote: 0x0A00_0009, reuse: 0)
            snapshot.counters = KeyedCounters(sections: ["Tcp": ["ActiveOpens": 0]])
            snapshot.rates = CounterRates(first: snapshot.counters, second: KeyedCounters(sections: ["Tcp": ["ActiveOpens": 2500]]), intervalSeconds: 5)
            return snapshot
        }()).markdown()
        #expect(markdown.contains("nstat -z TcpActiveOpens TcpExtTWRecycled"))
    }

    @Test("pooling advice: the rate toward the busiest destination is measured from two readings when there are two, else TIME_WAIT / 60 s")
    func poolingRate() throws {
        let tree = try Scenario.clientExhaustion.tree()
        var snapshot = SnapshotReader(source: FactSource(root: tree.root)).read()
        let once = ScenarioTests.advisor.diagnose(snapshot)
        let single = try #require(once.findings.first { $0.id == "timewait.client-short-connections" })
        #expect(single.evidence.first { $0.label.hasPrefix("new connections per second toward it, measured") }?.value == "unknown")
        #expect(single.evidence.first { $0.label.hasPrefix("connections closed per second toward it, at least") }?.value == "455")
        #expect(try once.markdown().contains("(about 455 per second toward the busiest destination, from TIME_WAIT / 60 s)"))
        // Two readings 10 s apart with 6,000 connects: 600/s, all of them toward the busiest destination's share.
        snapshot.rates = CounterRates(first: KeyedCounters(sections: ["Tcp": ["ActiveOpens": 1_000]]),
                                      second: KeyedCounters(sections: ["Tcp": ["ActiveOpens": 7_000]]), intervalSeconds: 10)
        let twice = ScenarioTests.advisor.diagnose(snapshot)
        let measured = try #require(twice.findings.first { $0.id == "timewait.client-short-connections" })
        #expect(measured.evidence.first { $0.label.hasPrefix("new connections per second toward it, measured") }?.value == "600")
        let markdown = try twice.markdown()
        #expect(markdown.contains("(about 600 per second toward the busiest destination, measured over the interval)"))
        // The pool of 125 (1.25 x 100 open) carries them as requests: 600 / 125 = 4.8, about 5 a second each.
        #expect(markdown.contains("they then carry those 600 connections per second as requests, about 5 a second each."))
        // During exhaustion failed connects are not counted: a measured 0 never makes the advice say 0.
        snapshot.rates = CounterRates(first: KeyedCounters(sections: ["Tcp": ["ActiveOpens": 1_000]]),
                                      second: KeyedCounters(sections: ["Tcp": ["ActiveOpens": 1_000]]), intervalSeconds: 10)
        let stalled = try ScenarioTests.advisor.diagnose(snapshot).markdown()
        #expect(stalled.contains("they then carry those 455 connections per second as requests"), "\(stalled)")
    }

    @Test("pooling advice: OkHttp's per-host limit is for enqueue, fetch ignores http.Agent, nginx keepalive is per worker, databases by port")
    func poolingAdvice() throws {
        let text = try #require(KnowledgeBase.runbookTemplates["timewait"])
        #expect(text.contains("limits asynchronous calls (`enqueue()`) only"))
        #expect(text.contains("does not use `http.Agent`"))
        #expect(text.contains("each **worker process** keeps"))
        #expect(text.contains("Before 1.29.7") && !text.contains("by default nginx talks HTTP/1.0"))
        #expect(text.contains("SocketsHttpHandler") && text.contains("http-reuse") && text.contains("Envoy"))
        // Database pools appear toward 5432 and 3306 only.
        func markdown(port: Int) throws -> String {
            var files = Scenario.healthy.files
            files["proc/net/tcp"] = (HostTrees.modernSysctls["proc/net/tcp"] ?? "") + (0..<1500).map { ProcNetTCPLine.ipv4(slot: $0, local: ("10.0.0.5", 40000 + $0), remote: ("10.0.0.30", port), state: 0x06) }
                .joined(separator: "\n") + "\n"
            files["proc/net/sockstat"] = "sockets: used 20\nTCP: inuse 0 orphan 0 tw 1500 alloc 2 mem 3\n"
            let tree = try TemporaryTree(files)
            return try ScenarioTests.advisor.diagnose(SnapshotReader(source: FactSource(root: tree.root)).read()).markdown()
        }
        let postgres = try markdown(port: 5432), mysql = try markdown(port: 3306), web = try markdown(port: 443)
        #expect(postgres.contains("**PostgreSQL (port 5432)**") && !postgres.contains("**MySQL (port 3306)**"))
        #expect(mysql.contains("**MySQL (port 3306)**") && !mysql.contains("**PostgreSQL (port 5432)**"))
        #expect(web.contains("**Go net/http**") && !web.contains("**PostgreSQL") && !web.contains("**MySQL"))
    }

    @Test("conntrack insert_failed gets a rate over an interval, and a failing NAT ranks as medium")
    func conntrackInsertFailedRate() throws {
        var snapshot = Self.loadedHost(remote: 0x0A00_0009, reuse: 1)
        snapshot.conntrack = ConntrackFacts(count: 100, max: 262_144, stats: ["insert_failed": 10, "drop": 0])
        let first = snapshot.rateBasis
        snapshot.conntrack.stats = ["insert_failed": 30, "drop": 0]
        snapshot.rates = CounterRates(first: first, second: snapshot.rateBasis, intervalSeconds: 5)
        #expect(snapshot.rates?.perSecond(ConntrackFacts.rateSection, "insert_failed") == 4)
        let finding = ScenarioTests.advisor.diagnose(snapshot).findings.first { $0.id == "conntrack.insert-failed" }
        #expect(finding?.severity == .medium)
    }
}
