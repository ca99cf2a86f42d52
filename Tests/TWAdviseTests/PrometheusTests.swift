import Foundation
import Testing
import TWAdvise
import TWAdviseEngine
import TWAdviseFacts
import TWAdviseTestSupport

enum Promtool {
    static let path: String? = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first { FileManager.default.isExecutableFile(atPath: $0) }
}

@Suite("Prometheus")
struct PrometheusTests {
    @Test("prometheus/twadvise-alerts.yaml is the current export (regenerate: twadvise rules export > prometheus/twadvise-alerts.yaml)",
          .enabled(if: FileListing.sourceTreePresent, "source tree not present"))
    func exportIsFresh() throws {
        let onDisk = try String(contentsOfFile: PeerFixtures.packageRoot + "/prometheus/twadvise-alerts.yaml", encoding: .utf8)
        #expect(onDisk == (try Advisor().prometheusAlertRules().yaml))
    }

    @Test("the export translates the metric-based rules and names the others with a reason")
    func translation() throws {
        let (yaml, skipped) = try Advisor().prometheusAlertRules()
        for alert in ["TWAdvisePortsDestinationExhaustionCritical", "TWAdviseConntrackTableNearFullHigh", "TWAdviseFsFileHandlesNearLimitHigh",
                      "TWAdviseTimewaitTotalHighLow", "TWAdviseFinding"] {
            #expect(yaml.contains("- alert: \(alert)\n"), "\(alert)")
        }
        #expect(yaml.contains("expr: '(((twadvise_destination_pressure or twadvise_destination_port_share) >= 0.5)) and (((twadvise_destination_pressure or twadvise_destination_port_share) >= 0.95))'"))  // U(D)/R, the same derived fact the rule reads
        #expect(yaml.contains("(node_sockstat_TCP_tw or twadvise_socket_table_time_wait)"))  // default() is PromQL 'or'
        let reasons = Dictionary(uniqueKeysWithValues: skipped.map { ($0.id, $0.reason) })
        #expect(reasons["sysctl.tw-recycle-enabled"] == "reads sysctl.tcp_tw_recycle, which has no metric")
        #expect(reasons["ports.destination-exhaustion"] == nil)
    }

    @Test("promtool accepts the alerts and their unit tests pass",
          .enabled(if: Promtool.path != nil && FileListing.sourceTreePresent, "promtool not installed (.ci/run installs Debian's prometheus package)"))
    func promtool() throws {
        for arguments in [["check", "rules", "twadvise-alerts.yaml"], ["test", "rules", "twadvise-alerts.test.yaml"]] {
            let result = try CLIRunner.process(Promtool.path!, arguments, directory: PeerFixtures.packageRoot + "/prometheus")
            #expect(result.status == 0, "promtool \(arguments.joined(separator: " ")): \(result.stdout)\(result.stderr)")
        }
    }

    @Test("exposition text escapes label values and names every family with HELP and TYPE")
    func exposition() throws {
        var files = Scenario.clientExhaustion.files
        files["proc/sys/kernel/hostname"] = "h\n"
        let tree = try TemporaryTree(files)
        let snapshot = SnapshotReader(source: FactSource(root: tree.root)).read()
        let finding = Finding(id: "team.x", title: "t", severity: .high, score: 1, subject: "a\"b\\c\nd")
        let text = PrometheusText.render(snapshot, findings: [finding], timestamp: 1_700_000_000)
        #expect(text.contains(#"twadvise_finding{namespace="host",rule="team.x",severity="high",subject="a\"b\\c\nd"} 1"#))
        #expect(text.contains("twadvise_time_wait_sockets{namespace=\"host\"} 27300\n"), "the kernel count, declared with sockstat.tw")
        let names = Set(text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { $0.split(separator: "{").first!.split(separator: " ").first! })
        for name in names {
            #expect(text.contains("# HELP \(name) ") && text.contains("# TYPE \(name) gauge"), "\(name)")
            #expect(name.hasPrefix("twadvise_"))
        }
        #expect(text.contains("twadvise_last_run_timestamp_seconds 1700000000\n"))
    }
}
