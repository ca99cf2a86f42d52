import Testing
@testable import TWAdvise
import TWAdviseEngine
import TWAdviseFacts
import TWAdviseRunbooks
import TWAdviseTestSupport

/// End to end over captured trees: read, evaluate the built-in rules, check what fires first and what must not.
@Suite("Scenarios")
struct ScenarioTests {
    static let advisor: Advisor = {
        do { return try Advisor() } catch { fatalError("built-in rules do not load: \(error)") }
    }()

    func diagnose(_ scenario: Scenario) throws -> Diagnosis {
        let tree = try scenario.tree()
        let snapshot = SnapshotReader(source: FactSource(root: tree.root)).read()
        #expect(snapshot.warnings.isEmpty, "\(scenario): \(snapshot.warnings)")
        return Self.advisor.diagnose(snapshot)
    }

    func ids(_ d: Diagnosis) -> [String] { d.findings.map(\.id) }

    @Test("CentOS 7 with tcp_tw_recycle and NAT clients dropped: critical recycle finding first")
    func centos7() throws {
        let d = try diagnose(.centos7Recycle)
        let top = try #require(d.findings.first)
        #expect(top.id == "sysctl.tw-recycle-enabled" && top.severity == .critical && top.subject == "net.ipv4.tcp_tw_recycle")
        #expect(ids(d).contains("kernel.legacy-global-sysctls"))
        #expect(!ids(d).contains("sysctl.tw-recycle-removed"))  // 3.10 still has the key
        #expect(!ids(d).contains("ports.destination-exhaustion"))
        #expect(!ids(d).contains("ports.range-parity"))  // no parity split on 3.10
    }

    @Test("a client exhausting ports toward one upstream: critical per-destination finding first")
    func clientExhaustion() throws {
        let d = try diagnose(.clientExhaustion)
        let top = try #require(d.findings.first)
        #expect(top.id == "ports.destination-exhaustion")
        #expect(top.severity == .critical)
        #expect(top.subject == "10.0.0.5 → 10.0.0.9:443")
        #expect(top.evidence.first { $0.label == "share of R, U(D) / R" }?.value == "97.1%")
        let others = d.findings.filter { $0.id == "ports.destination-exhaustion" }
        #expect(others.count == 1)  // the 20 connections to 10.0.0.10:5432 are fine
        #expect(ids(d).contains("sysctl.tw-reuse-ineffective"))  // default 2 toward a remote upstream
        #expect(ids(d).contains("timewait.client-short-connections"))
        #expect(ids(d).firstIndex(of: "ports.destination-exhaustion")! < ids(d).firstIndex(of: "timewait.total-high")!)
        let pooling = try #require(d.findings.first { $0.id == "timewait.client-short-connections" })
        #expect(pooling.subject == "10.0.0.5 → 10.0.0.9:443")
        #expect(pooling.vars["pool_size"] == .int(125))
    }

    @Test("30,000 TIME_WAIT over 1,000 upstreams: the count heuristic fires, exhaustion does not")
    func spread() throws {
        let d = try diagnose(.spreadTimeWait)
        #expect(ids(d).contains("timewait.total-high"))
        #expect(!ids(d).contains("ports.destination-exhaustion"))
        #expect(!ids(d).contains("sysctl.tw-reuse-ineffective"))
        #expect(d.findings.allSatisfy { $0.severity <= .medium })
        #expect(d.findings.first?.id == "timewait.client-short-connections")
    }

    @Test("a server that closes first: server-side finding on its port, nothing about ephemeral ports")
    func serverClosesFirst() throws {
        let d = try diagnose(.serverClosesFirst)
        let finding = try #require(d.findings.first { $0.id == "timewait.server-side-close" })
        #expect(finding.subject == "port 80" && finding.severity == .low)
        #expect(!ids(d).contains("timewait.client-short-connections"))
        #expect(!ids(d).contains("ports.destination-exhaustion"))
        #expect(!ids(d).contains("sysctl.tw-reuse-ineffective"))
    }

    @Test("the article's advice on a modern kernel: overlapping listeners first, stale recycle line, fin_timeout myth")
    func article() throws {
        let d = try diagnose(.articleOnModernKernel)
        let top = try #require(d.findings.first)
        #expect(top.id == "ports.range-overlaps-listeners" && top.severity == .medium)
        let overlaps = d.findings.filter { $0.id == "ports.range-overlaps-listeners" }.compactMap(\.subject)
        #expect(overlaps == ["port 3306", "port 8080"])  // 22 is below 1024
        let recycle = try #require(d.findings.first { $0.id == "sysctl.tw-recycle-removed" })
        #expect(recycle.subject == "etc/sysctl.conf:3")
        #expect(ids(d).contains("sysctl.fin-timeout-not-timewait"))
        let fileMax = try #require(d.findings.first { $0.id == "fs.file-max-set-for-timewait" })
        #expect(fileMax.subject == "etc/sysctl.conf:7")
        #expect(!ids(d).contains("sysctl.tw-recycle-enabled"))
        #expect(!ids(d).contains("ports.range-narrow"))
        #expect(!ids(d).contains("ports.destination-exhaustion"))
    }

    @Test("a conntrack table near full: critical conntrack finding first")
    func conntrack() throws {
        let d = try diagnose(.conntrackNearFull)
        let top = try #require(d.findings.first)
        #expect(top.id == "conntrack.table-near-full" && top.severity == .critical)
        #expect(top.evidence.first { $0.label == "packets dropped since boot" }?.value == "42")
    }

    @Test("a healthy host yields no finding above info; only what a captured tree cannot give is insufficient")
    func healthy() throws {
        let d = try diagnose(.healthy)
        #expect(d.findings.allSatisfy { $0.severity == .info }, "\(ids(d))")
        // Rates need two readings; processes' descriptors are read on a live host only.
        #expect(Set(d.evaluation.insufficient.map(\.ruleID)) == ["ports.outbound-rate-high", "files.process-fd-limit"])
    }
}

@Suite("Built-in knowledge base")
struct KnowledgeBaseTests {
    @Test("every built-in rule loads, has tests, and its tests pass (what `twadvise rules test` runs)")
    func builtInRuleTests() throws {
        let catalog = RuleCatalog()
        #expect(catalog.diagnostics.isEmpty, "\(catalog.renderedDiagnostics())")
        let report = catalog.ruleSet.runTests()
        for failure in report.failures { Issue.record(Comment(rawValue: failure.description)) }
        #expect(report.untestedRules.isEmpty)
        #expect(report.passed >= catalog.ruleSet.rules.count * 2)
    }

    @Test("the contract rule ids (docs/rules.md) are all there")
    func contractIDs() {
        let ids = Set(RuleCatalog().ruleSet.rules.map(\.id))
        for id in ["ports.destination-exhaustion", "ports.range-overlaps-listeners", "ports.range-narrow", "ports.outbound-rate-high",
                   "timewait.total-high", "timewait.client-short-connections", "timewait.server-side-close", "timewait.bucket-overflow",
                   "sysctl.tw-recycle-enabled", "sysctl.tw-recycle-removed", "sysctl.tw-reuse-ineffective", "sysctl.timestamps-off",
                   "sysctl.fin-timeout-not-timewait", "sysctl.runtime-differs-from-persistent", "fs.file-handles-near-limit",
                   "conntrack.table-near-full"] {
            #expect(ids.contains(id), "\(id)")
        }
    }

    @Test("every rule's runbook section exists, and every rule cites a reference or explains itself")
    func runbookSections() throws {
        let advisor = try Advisor()
        for rule in advisor.catalog.ruleSet.rules {
            let section = try #require(rule.runbook, "\(rule.id) has no runbook section")
            #expect(advisor.templates.sections[section] != nil, "no template section '\(section)' for \(rule.id)")
            #expect(!rule.description.isEmpty, "\(rule.id) has no description")
        }
    }

    @Test("the embedded files are the files in rules/ and runbooks/ (touch Package.swift after adding one)",
          .enabled(if: FileListing.sourceTreePresent, "source tree not present"))
    func embeddedMatchesDisk() throws {
        let embedded = Set(KnowledgeBase.ruleSources.map { String($0.path.dropFirst("builtin:rules/".count)) })
        #expect(embedded == Set(try FileListing.names(in: "rules", suffix: ".yaml")),
                "rules/ changed since the last plugin run: touch Package.swift and build again")
        #expect(Set(KnowledgeBase.runbookTemplates.keys) == Set(try FileListing.names(in: "runbooks", suffix: ".md").map { String($0.dropLast(3)) }))
    }
}
