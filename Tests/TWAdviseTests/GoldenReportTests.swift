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
