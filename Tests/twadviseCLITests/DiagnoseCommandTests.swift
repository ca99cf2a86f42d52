import Foundation
import Testing
import TWAdviseTestSupport

@Suite("twadvise diagnose and rules", .serialized)
struct DiagnoseCommandTests {
    @Test("the default command diagnoses: Markdown runbook, exit 0")
    func defaultCommand() throws {
        let tree = try Scenario.clientExhaustion.tree()
        let result = try CLIRunner.run(["--root", tree.root])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("# TWAdvise runbook for api-client-7\n"))
        #expect(result.stdout.contains("## 1. CRITICAL: Ephemeral ports toward one destination are running out"))
    }

    @Test("--fail-on: 1 when a finding reaches the severity, 0 otherwise")
    func failOn() throws {
        let tree = try Scenario.clientExhaustion.tree()
        #expect(try CLIRunner.run(["diagnose", "--root", tree.root, "--fail-on", "critical"]).status == 1)
        let healthy = try Scenario.healthy.tree()
        #expect(try CLIRunner.run(["diagnose", "--root", healthy.root, "--fail-on", "low"]).status == 0)
        let bad = try CLIRunner.run(["diagnose", "--root", healthy.root, "--fail-on", "severe"])
        #expect(bad.status == 2 && bad.stderr.contains("severe"))
    }

    @Test("--format json, --min-severity and --output")
    func jsonOutput() throws {
        let tree = try Scenario.articleOnModernKernel.tree()
        let out = tree.path("report.json")
        let result = try CLIRunner.run(["diagnose", "--root", tree.root, "--format", "json", "--min-severity", "medium", "--output", out])
        #expect(result.status == 0 && result.stdout.isEmpty)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as? [String: Any])
        let findings = try #require(object["findings"] as? [[String: Any]])
        #expect(findings.count == 3 && findings.allSatisfy { $0["severity"] as? String == "medium" })
        #expect(object["schemaVersion"] as? Int == 1 && object["highestSeverity"] as? String == "medium")
        let missing = try CLIRunner.run(["diagnose", "--root", tree.root, "--output", "/nonexistent/dir/report.md"])
        #expect(missing.status == 2 && missing.stderr.hasPrefix("twadvise: error: cannot write /nonexistent/dir/report.md"))
        // A legal 250-byte name (multi-byte scalars included): its temporary name still fits NAME_MAX.
        let long = tree.path(String(repeating: "é", count: 60) + String(repeating: "r", count: 127) + ".md")
        let written = try CLIRunner.run(["diagnose", "--root", tree.root, "--output", long])
        #expect(written.status == 0, "\(written.stderr)")
        #expect(FileManager.default.fileExists(atPath: long))
    }

    @Test("--facts from a snapshot gives the tree's report, saying it came through the snapshot")
    func factsInput() throws {
        let tree = try Scenario.centos7Recycle.tree()
        let snapshot = try CLIRunner.run(["snapshot", "--root", tree.root])
        let fromFacts = try CLIRunner.run(["diagnose", "--facts", "-"], stdin: snapshot.stdoutBytes)
        let fromTree = try CLIRunner.run(["diagnose", "--root", tree.root])
        #expect(fromFacts.status == 0)
        // The input line names the snapshot and where its facts were read; every "read from" says it came
        // through the snapshot; nothing else differs.
        let input = "| Input | snapshot standard input (facts read from the captured tree \(tree.root)) |"
        #expect(fromFacts.stdout.contains(input))
        #expect(fromFacts.stdout.contains("| proc/sys/net/ipv4/tcp\\_tw\\_recycle (in snapshot standard input) |"))
        let normalized = fromFacts.stdout.replacingOccurrences(of: " (in snapshot standard input)", with: "")
            .replacingOccurrences(of: input, with: "| Input | captured tree \(tree.root) |")
        #expect(normalized == fromTree.stdout)
    }

    @Test("team rules, overlays with justification, --disable, and errors in them")
    func teamRulesAndOverlays() throws {
        let tree = try Scenario.spreadTimeWait.tree()
        try tree.write("team/crawler.yaml", """
            rules:
              - id: team.crawler-destinations
                title: The crawler talks to many upstreams
                description: Our crawler opens one connection per site.
                severity: low
                condition: sockets.destination_count >= 1000
                subject: '"crawler"'
                runbook: timewait.total-high
                tests:
                  - name: many
                    facts: {sockets: {destination_count: 1000}}
                    expect: [{severity: low, subject: crawler}]
            """)
        try tree.write("overlay.yaml", """
            overlays:
              - rule: timewait.total-high
                justification: "crawlers hold 40k TIME_WAIT by design (OPS-1234)"
                params: {total_threshold: 40000, range_share: 1.5}
            """)
        let result = try CLIRunner.run(["diagnose", "--root", tree.root, "--rules", tree.path("team"), "--overlay", tree.path("overlay.yaml"),
                                        "--disable", "timewait.client-short-connections", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: result.stdoutBytes) as? [String: Any])
        let ids = (object["findings"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        #expect(ids.contains("team.crawler-destinations"))
        #expect(!ids.contains("timewait.total-high"))  // 30,000 < 40,000 after the overlay
        #expect(!ids.contains("timewait.client-short-connections"))
        #expect((object["rules"] as? [String: Any])?["disabled"] as? [String] == ["timewait.client-short-connections"])
        let tests = try CLIRunner.run(["rules", "test", tree.path("team")])
        #expect(tests.status == 0 && tests.stdout.hasSuffix("1 passed, 0 failed\n"))

        try tree.write("bad/broken.yaml", "rules:\n  - id: team.broken\n    title: x\n    severity: low\n    condition: sockets.time_wiat > 1\n")
        let lint = try CLIRunner.run(["rules", "lint", tree.path("bad")])
        #expect(lint.status == 2)
        #expect(lint.stdout.contains("\(tree.path("bad/broken.yaml")):5:16: error: sockets has no field 'time_wiat'; did you mean 'time_wait'?\n"))
        let diagnose = try CLIRunner.run(["diagnose", "--root", tree.root, "--rules", tree.path("bad")])
        #expect(diagnose.status == 2 && diagnose.stdout.isEmpty)
        #expect(diagnose.stderr.contains("twadvise: error: 1 error in rules"))
        let unknown = try CLIRunner.run(["diagnose", "--root", tree.root, "--disable", "timewait.totl-high"])
        #expect(unknown.status == 2 && unknown.stderr.contains("did you mean 'timewait.total-high'?"))
        try tree.write("overlay-bad.yaml", "overlays:\n  - rule: timewait.total-high\n    params: {total_threshold: 1}\n")
        let noJustification = try CLIRunner.run(["diagnose", "--root", tree.root, "--overlay", tree.path("overlay-bad.yaml")])
        #expect(noJustification.status == 2 && noJustification.stderr.contains("has no 'justification'"))
    }

    @Test("rules list, test, explain and facts")
    func rulesCommands() throws {
        let list = try CLIRunner.run(["rules", "list", "--format", "json"])
        let items = try #require(try JSONSerialization.jsonObject(with: list.stdoutBytes) as? [[String: Any]])
        #expect(items.count >= 16 && items.allSatisfy { ($0["tests"] as? Int ?? 0) > 0 })
        let test = try CLIRunner.run(["rules", "test"])
        #expect(test.status == 0)
        let closing = try #require(test.stdout.split(separator: "\n").last)
        #expect(closing.hasSuffix(" passed, 0 failed"))
        let explain = try CLIRunner.run(["rules", "explain", "ports.destination-exhaustion"])
        #expect(explain.stdout.contains("critical_ratio = 0.95 (float)"))
        let typo = try CLIRunner.run(["rules", "explain", "ports.destination-exhaustio"])
        #expect(typo.status == 2 && typo.stderr.contains("did you mean 'ports.destination-exhaustion'?"))
        let facts = try CLIRunner.run(["rules", "facts"])
        #expect(facts.stdout.contains("sockets.destinations[].in_use\tint"))
    }

    @Test("custom runbook templates replace the built-in ones; a broken template is an input error")
    func runbookOverride() throws {
        let tree = try Scenario.clientExhaustion.tree()
        try tree.write("books/ports.md", "<!-- runbook: ports.destination-exhaustion -->\n### Our playbook\n\nPage the API team about {{{subject}}}.\n")
        let result = try CLIRunner.run(["diagnose", "--root", tree.root, "--runbooks", tree.path("books")])
        #expect(result.status == 0)
        #expect(result.stdout.contains("### Our playbook\n\nPage the API team about 10.0.0.5 → 10.0.0.9:443."))
        try tree.write("broken/ports.md", "<!-- runbook: ports.destination-exhaustion -->\n{{#unclosed}}\n")
        let broken = try CLIRunner.run(["diagnose", "--root", tree.root, "--runbooks", tree.path("broken")])
        #expect(broken.status == 2 && broken.stderr.contains("ports.destination-exhaustion"))
    }
}
