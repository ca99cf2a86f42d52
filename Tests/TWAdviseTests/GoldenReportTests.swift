import Foundation
import Testing
import TWAdvise
import TWAdviseEngine
import TWAdviseFacts
import TWAdviseTestSupport

/// The Markdown and JSON reports for each scenario, byte for byte. Review them as the on-call reader would;
/// re-record with `TWADVISE_RECORD=1 swift test --filter GoldenReportTests`.
@Suite("Golden reports")
struct GoldenReportTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden").path

    static func render(_ scenario: Scenario) throws -> (markdown: String, json: String) {
        let tree = try scenario.tree()
        let snapshot = SnapshotReader(source: FactSource(root: tree.root)).read()
        let diagnosis = ScenarioTests.advisor.diagnose(snapshot)
        // The temporary directory's name is the only thing that differs between runs.
        func normalize(_ s: String) -> String { s.replacingOccurrences(of: tree.root, with: "/captured/\(scenario.rawValue)") }
        return (normalize(try diagnosis.markdown()), normalize(String(decoding: try diagnosis.json(), as: UTF8.self)))
    }

    static func compare(_ actual: String, _ name: String) throws {
        let mismatch = try Golden.mismatch(actual, file: directory + "/" + name)
        #expect(mismatch == nil, "\(mismatch ?? "")")
    }

    @Test("Markdown and JSON match the golden files", arguments: Scenario.allCases)
    func golden(scenario: Scenario) throws {
        let (markdown, json) = try Self.render(scenario)
        try Self.compare(markdown, scenario.rawValue + ".md")
        try Self.compare(json, scenario.rawValue + ".json")
        // The same input gives the same bytes.
        let again = try Self.render(scenario)
        #expect(again.markdown == markdown && again.json == json)
    }

    @Test("a hostname like web|1`<script> cannot break the Markdown or inject HTML")
    func hostileHostname() throws {
        var files = Scenario.clientExhaustion.files
        files["proc/sys/kernel/hostname"] = "web|1`<script>alert(1)</script>*_[x](y)\n"
        let tree = try TemporaryTree(files)
        let snapshot = SnapshotReader(source: FactSource(root: tree.root)).read()
        let markdown = try ScenarioTests.advisor.diagnose(snapshot).markdown()
        #expect(!markdown.contains("<script>"))
        #expect(markdown.contains("# TWAdvise runbook for web\\|1\\`&lt;script&gt;alert(1)&lt;/script&gt;\\*\\_\\[x\\](y)\n"))
        let hostRow = try #require(markdown.split(separator: "\n").first { $0.hasPrefix("| Host |") })
        // The table row keeps its three cells: every '|' from the host is escaped.
        #expect(hostRow.replacingOccurrences(of: "\\|", with: "").filter { $0 == "|" }.count == 3)
        let json = try ScenarioTests.advisor.diagnose(snapshot).json()
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        #expect(object["host"] as? String == "web|1`<script>alert(1)</script>*_[x](y)")  // JSON carries the raw value
    }
}

@Suite("Report shape")
struct ReportShapeTests {
    // The bounds of the last round (250 lines, fix in the first 60) plus the fixed "What was seen" block every
    // report now opens with (12 lines, and one for what could not be checked), and the host-wide bind(0)
    // finding this scenario now has (95.6% of the range held: 54 lines).
    @Test("five pressed destinations: under 325 lines, the worst destination's fix in the first 75, one row per rule")
    func fiveDestinations() throws {
        let markdown = try GoldenReportTests.render(.fiveDestinations).markdown
        let lines = markdown.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count < 325)
        let fix = try #require(lines.firstIndex { $0 == "sysctl -w net.ipv4.tcp_tw_reuse=1" })
        #expect(fix < 75)
        // Top findings: one row per rule that fired, with the count of its other subjects.
        let rows = lines.filter { $0.hasPrefix("| 1 | ") || $0.hasPrefix("| 2 | ") || $0.hasPrefix("| 3 | ") }
        #expect(rows.first == "| 1 | CRITICAL | Ephemeral ports toward one destination are running out | 10.0.0.5 → 10.0.0.9:443 | +4 |")
        #expect(lines.filter { $0.hasPrefix("## ") && $0.contains("Ephemeral ports toward one destination") }.count == 1)
        // The explanation once; a command per destination, next to each other.
        #expect(lines.filter { $0.hasPrefix("`connect()` needs a local port") }.count == 1)
        let confirm = lines.filter { $0.hasPrefix("ss -Htan dst 10.0.0.") && $0.contains("awk") && !$0.contains("#") }
        #expect(confirm.count == 5 && Set(confirm).count == 5)
        // A share as a bar, numbers rounded.
        #expect(lines.contains("| CRITICAL | 10.0.0.5 → 10.0.0.9:443 | 27040 | 27000 | 95.8% █████████▋ | 450 |"))
    }

    @Test("--min-severity critical: the verdict, the counts and the text agree")
    func minimumSeverityAgrees() throws {
        let tree = try Scenario.articleOnModernKernel.tree()
        let snapshot = SnapshotReader(source: FactSource(root: tree.root)).read()
        let markdown = try ScenarioTests.advisor.diagnose(snapshot, minimumSeverity: .critical).markdown()
        #expect(markdown.contains("| Verdict | **needs attention**: 3 medium, 2 low, 1 info (shown: critical and above) |"))
        #expect(!markdown.contains("No rule fired"))
        #expect(markdown.contains("No finding at or above critical: the 6 findings counted above are below it and left out\n(--min-severity)."))
    }
}
