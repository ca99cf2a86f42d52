import Foundation
import Testing
@testable import TWAdvise

/// The fleet report prints what a Prometheus server says: every value escaped, commands only for names a
/// shell word can hold.
@Suite("Fleet report")
struct FleetReportTests {
    static func report(instance: String, labels: [String: String] = [:], notRead: [String] = []) -> FleetReport {
        FleetReport(server: "http://127.0.0.1:9090", from: Date(timeIntervalSince1970: 1_796_600_000), to: Date(timeIntervalSince1970: 1_796_610_000),
                    rows: [.init(instance: instance, measure: "time_wait", title: "TIME_WAIT sockets", severity: .low, rule: "timewait.total-high",
                                 peak: 28_000, at: Date(timeIntervalSince1970: 1_796_605_000), labels: labels, others: [:], query: "q")],
                    notRead: notRead)
    }

    @Test("HTML, Markdown and invisible scalars from the server are escaped in every cell")
    func hostileLabelsEscaped() {
        let markdown = Self.report(instance: "<img src=x onerror=alert(1)>|\u{202E}x", labels: ["namespace": "<b>ns</b>", "remote": "10.0.0.9", "port": "443"],
                                   notRead: ["<script>alert(1)</script>"]).markdown()
        #expect(!markdown.contains("<img"))
        #expect(!markdown.contains("<b>"))
        #expect(!markdown.contains("<script>"))
        #expect(markdown.contains("&lt;img src=x onerror=alert(1)&gt;\\|⟨U+202E⟩x"))
        // A name with an invisible scalar gets no command; the shell line would not be the name.
        #expect(!markdown.contains("--instance"))
    }

    @Test("a name that needs quoting is one shell word in the command")
    func quotedInstance() {
        let markdown = Self.report(instance: "web-2'; rm -rf / #").markdown()
        #expect(markdown.contains("--instance 'web-2'\\''; rm -rf / #' --at 2026-12-07T"))
    }
}
