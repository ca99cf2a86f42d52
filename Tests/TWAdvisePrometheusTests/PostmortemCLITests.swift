import Foundation
import Testing
import TWAdviseTestSupport

/// `twadvise diagnose --prometheus` and `twadvise fleet` end to end, against a real server holding an incident.
@Suite(.serialized, .enabled(if: Tools.serverAvailable, Tools.serverSkipReason), .enabled(if: Tools.curlAvailable, Tools.curlSkipReason))
struct PostmortemCLITests {
    static func object(_ text: String) throws -> [String: Any] {
        let decoded = try JSONSerialization.jsonObject(with: Data(text.utf8))
        return try #require(decoded as? [String: Any])
    }

    @Test("diagnose --prometheus evaluates the rules at the peak: the destination, its share of R and the time are in the report")
    func diagnoseAtTheWorstMoment() async throws {
        try await withPrometheus { server in
            let d = server.dataset
            let from = ISO8601DateFormatter().string(from: d.start), to = ISO8601DateFormatter().string(from: d.end)
            let result = try CLIRunner.run(["diagnose", "--prometheus", server.url.absoluteString, "--instance", IncidentDataset.incident,
                                            "--from", from, "--to", to, "--format", "json"])
            #expect(result.status == 0, "\(result.stderr)")
            let report = try Self.object(result.stdout)
            let timeline = try #require(report["timeline"] as? [String: Any])
            let at = try #require((timeline["evaluatedAt"] as? String).flatMap { ISO8601DateFormatter().date(from: $0) })
            #expect(abs(at.timeIntervalSince(d.peak)) <= 60, "evaluated at \(at), the incident peaked at \(d.peak)")
            let findings = try #require(report["findings"] as? [[String: Any]])
            let exhaustion = try #require(findings.first { $0["id"] as? String == "ports.destination-exhaustion" })
            #expect(exhaustion["severity"] as? String == "critical")
            #expect((exhaustion["subject"] as? String)?.contains("10.0.0.9:443") == true)
            let evidence = try #require(exhaustion["evidence"] as? [[String: Any]])
            #expect(evidence.contains { ($0["source"] as? String)?.contains(" at ") == true }, "every evidence row says when it was read")
            // The quiet instance: nothing of medium or above at its worst moment.
            let quiet = try CLIRunner.run(["diagnose", "--prometheus", server.url.absoluteString, "--instance", IncidentDataset.quiet,
                                           "--from", from, "--to", to, "--format", "json"])
            let quietFindings = try #require(try Self.object(quiet.stdout)["findings"] as? [[String: Any]])
            #expect(!quietFindings.contains { ["critical", "high"].contains($0["severity"] as? String) })
        }
    }

    @Test("an instance the server does not have is one line on standard error and exit status 2, naming those it has")
    func unknownInstance() async throws {
        try await withPrometheus { server in
            let result = try CLIRunner.run(["diagnose", "--prometheus", server.url.absoluteString, "--instance", "nosuch:9100", "--from", "-1d"])
            #expect(result.status == 2)
            #expect(result.stderr.contains("nosuch:9100") && result.stderr.contains("web-1:9100"), "\(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
    }

    @Test("fleet ranks the incident host first, graded by the rule's thresholds, with its peak time and the command to read it")
    func fleetRanksTheIncidentFirst() async throws {
        try await withPrometheus { server in
            let d = server.dataset
            let from = ISO8601DateFormatter().string(from: d.start), to = ISO8601DateFormatter().string(from: d.end)
            let json = try CLIRunner.run(["fleet", "--prometheus", server.url.absoluteString, "--from", from, "--to", to, "--format", "json"])
            #expect(json.status == 0, "\(json.stderr)")
            let rows = try #require(try Self.object(json.stdout)["rows"] as? [[String: Any]])
            let first = try #require(rows.first)
            #expect(first["instance"] as? String == IncidentDataset.incident)
            #expect(first["severity"] as? String == "high")  // pressure 0.90: high from 0.8, critical from 0.95
            #expect(first["measure"] as? String == "destination_pressure")
            let at = try #require((first["at"] as? String).flatMap { ISO8601DateFormatter().date(from: $0) })
            #expect(abs(at.timeIntervalSince(d.peak)) <= 60)
            let markdown = try CLIRunner.run(["fleet", "--prometheus", server.url.absoluteString, "--from", from, "--to", to])
            #expect(markdown.stdout.contains("twadvise diagnose --prometheus \(server.url.absoluteString) --instance web-1:9100 --at "))
            // --fail-on high: the incident host reaches it.
            let gate = try CLIRunner.run(["fleet", "--prometheus", server.url.absoluteString, "--from", from, "--to", to, "--fail-on", "high"])
            #expect(gate.status == 1)
        }
    }
}
