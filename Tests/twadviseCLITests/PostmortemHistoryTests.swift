import Foundation
import Testing
import TWAdviseTestSupport

/// `diagnose --history` on a captured tree that kept a kernel log and a day of sysstat: the Timeline, the
/// worst moment, and the rules evaluated on the facts of that moment.
@Suite("diagnose --history")
struct PostmortemHistoryTests {
    /// A healthy host today, whose logs kept an incident at 03:20 UTC on 2026-12-07: TIME_WAIT up to 27,000
    /// in sar, and an older kernel's 'time wait bucket table overflow' just before.
    static func tree() throws -> TemporaryTree {
        var files = Scenario.healthy.files
        files["var/log/kern.log"] = """
            2026-12-07T03:19:50.000001+00:00 web1 kernel: [12345.678901] TCP: time wait bucket table overflow
            2026-12-07T03:19:51.000001+00:00 web1 kernel: [12346.678901] TCP: time wait bucket table overflow
            2026-12-07T03:19:52.000001+00:00 web1 kernel: [12347.678901] net_ratelimit: 40 callbacks suppressed
            2026-12-07T03:19:53.000001+00:00 web1 kernel: [12348.678901] TCP: time wait bucket table overflow
            2026-12-07T05:00:00.000001+00:00 web1 kernel: [18345.678901] e1000: eth0 NIC Link is Up

            """
        files["var/log/sysstat/sar07"] = """
            Linux 3.10.0 (web1) \t12/07/2026 \t_x86_64_\t(2 CPU)

            03:00:00     totsck    tcpsck    udpsck    rawsck   ip-frag    tcp-tw
            03:10:00        300       120         4         0         0       500
            03:20:00       9000      8000         4         0         0     27000
            03:30:00        310       110         4         0         0       450
            Average:       3203      2743         4         0         0      9316

            03:00:00  active/s passive/s    iseg/s    oseg/s
            03:10:00     10.00      1.00    100.00    100.00
            03:20:00    450.00      1.00   9000.00   9000.00
            03:30:00     12.00      1.00    100.00    100.00

            """
        return try TemporaryTree(files)
    }

    @Test("the worst moment is the TIME_WAIT peak; the logged overflow before it is evidence; both are in the Timeline")
    func worstMomentFromSysstatAndTheLog() throws {
        let tree = try Self.tree()
        let result = try CLIRunner.run(["diagnose", "--root", tree.root, "--history", "--from", "2026-12-07T00:00:00Z",
                                        "--to", "2026-12-07T12:00:00Z", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let timeline = try #require(report["timeline"] as? [String: Any])
        #expect(timeline["evaluatedAt"] as? String == "2026-12-07T03:20:00Z")
        #expect((timeline["evaluatedBecause"] as? String)?.contains("TIME_WAIT sockets") == true)
        let series = try #require(timeline["series"] as? [[String: Any]])
        let tw = try #require(series.first { $0["measure"] as? String == "TIME_WAIT sockets" })
        #expect(tw["peak"] as? Double == 27_000)
        #expect(tw["began"] as? String == "2026-12-07T03:20:00Z")
        #expect(tw["ended"] as? String == "2026-12-07T03:30:00Z")
        let events = try #require(timeline["events"] as? [[String: Any]])
        #expect(events.count == 1)
        #expect(events.first?["count"] as? Int == 3)
        #expect(events.first?["suppressed"] as? Int == 40)
        let findings = try #require(report["findings"] as? [[String: Any]])
        let overflow = try #require(findings.first { $0["id"] as? String == "timewait.bucket-overflow" })
        #expect(overflow["severity"] as? String == "high")
        let evidence = try #require(overflow["evidence"] as? [[String: Any]])
        let logged = try #require(evidence.first { ($0["label"] as? String)?.contains("kernel log") == true })
        #expect(logged["value"] as? String == "3")
        #expect((logged["source"] as? String) == "var/log/kern.log")
        let total = try #require(findings.first { $0["id"] as? String == "timewait.total-high" })
        let sockstat = try #require((total["evidence"] as? [[String: Any]])?.first { ($0["label"] as? String)?.contains("kernel counter") == true })
        #expect(sockstat["value"] as? String == "27000")
        #expect(sockstat["source"] as? String == "var/log/sysstat/sar07 at 03:20:00Z")
        try Self.validate(result.stdout)
    }

    /// The report validates against docs/report.schema.json (when python3 has jsonschema; .ci/run installs it).
    static func validate(_ json: String) throws {
        let check = try CLIRunner.process("/usr/bin/env", ["python3", "-c", "import jsonschema"])
        guard check.status == 0 else { return }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("twadvise-postmortem-\(getpid()).json").path
        try json.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let script = "import json, sys, jsonschema\njsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])), cls=jsonschema.Draft202012Validator)\n"
        let result = try CLIRunner.process("/usr/bin/env", ["python3", "-c", script, PeerFixtures.packageRoot + "/docs/report.schema.json", file])
        #expect(result.status == 0, "\(result.stderr)")
    }

    @Test("--at names the moment: after the incident the same history gives no TIME_WAIT finding")
    func atAQuietMoment() throws {
        let tree = try Self.tree()
        let result = try CLIRunner.run(["diagnose", "--root", tree.root, "--history", "--at", "2026-12-07T03:30:00Z", "--format", "markdown"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("The rules below were evaluated at **2026-12-07T03:30:00Z**, the moment asked for"))
        #expect(result.stdout.contains("| TIME_WAIT | 450 (kernel count, sockstat)"), "\(result.stdout.prefix(1500))")
        #expect(!result.stdout.contains("Rule `timewait.total-high`"), "no section for it: 450 is not many")
    }

    @Test("a window without history is said so, and a bad time is one line with exit status 2")
    func emptyWindowAndBadTime() throws {
        let tree = try Self.tree()
        let empty = try CLIRunner.run(["diagnose", "--root", tree.root, "--history", "--from", "2020-01-01T00:00:00Z", "--to", "2020-01-02T00:00:00Z"])
        #expect(empty.status == 0)
        #expect(empty.stdout.contains("no series and no kernel message in the window: the facts are those read now"))
        let bad = try CLIRunner.run(["diagnose", "--root", tree.root, "--history", "--at", "yesterday"])
        #expect(bad.status == 2)
        #expect(bad.stderr == "twadvise: error: the at time 'yesterday' is not a time: give RFC 3339 (2026-12-07T03:12:40Z) or a time relative to now (now, -2h, -30m, -1d)\n")
        // A tree that kept neither a kernel log nor sysstat files: both said, not only "nothing in the window".
        let bare = try TemporaryTree(HostTrees.modernSysctls)
        let nothing = try CLIRunner.run(["diagnose", "--root", bare.root, "--history", "--from", "-1h", "--format", "json"])
        #expect(nothing.status == 0, "\(nothing.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(nothing.stdout.utf8)) as? [String: Any])
        let notRead = try #require((report["timeline"] as? [String: Any])?["notRead"] as? [String])
        #expect(notRead.contains("var/log/kern.log, syslog, messages: none found; a host that keeps its kernel log only in the journal shows it with journalctl -k"), "\(notRead)")
        #expect(notRead.contains("var/log/sysstat, var/log/sa, sos_commands/sar: no sysstat file; install sysstat and enable its collection to keep these series"), "\(notRead)")
        let lonely = try CLIRunner.run(["diagnose", "--root", tree.root, "--from", "-2h"])
        #expect(lonely.status == 2)
        #expect(lonely.stderr.contains("add --history"))
    }
}

extension PostmortemHistoryTests {
    @Test("a number history cannot hold (a 38-digit sar field) is left out, never a crash")
    func hugeNumbersAreLeftOut() throws {
        var files = Scenario.healthy.files
        files["var/log/sysstat/sar07"] = """
            Linux 6.1.0 (web1) \t12/07/2026 \t_x86_64_\t(2 CPU)

            03:00:00     totsck    tcpsck    udpsck    rawsck   ip-frag    tcp-tw
            03:10:00        300       120         4         0         0       99999999999999999999999999999999999999
            03:20:00        300       120         4         0         0       500

            """
        let tree = try TemporaryTree(files)
        let result = try CLIRunner.run(["diagnose", "--root", tree.root, "--history", "--from", "2026-12-07T00:00:00Z",
                                        "--to", "2026-12-07T12:00:00Z", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let observed = try #require(report["observed"] as? [String: Any])
        #expect(observed["timeWait"] == nil, "the moment's TIME_WAIT is not a number history may give: \(observed)")
    }
}

/// Bad values of this round's options: one line on stderr naming the option, exit 2, nothing on stdout.
@Suite("history, record and fleet options")
struct HistoryOptionErrorTests {
    @Test("each bad value is refused with its option named", arguments: [
        (["record", "--dir", "/tmp/x", "--retain", "5x"], "--retain 5x: a duration such as 7d, 12h or 90m"),
        (["record", "--dir", "/tmp/x", "--retain", "30s"], "--retain 30s: a duration such as 7d, 12h or 90m"),
        (["record", "--dir", "/tmp/x", "--max-size", "10"], "--max-size 10: a size such as 1G, 500M or 64M (at least 1M)"),
        (["record", "--dir", "/tmp/x", "--interval", "0"], "--interval 0.0: from 1 to 3600 seconds"),
        (["diagnose", "--recording", "/nonexistent/twadvise-rec"], "--recording /nonexistent/twadvise-rec: no recording in /nonexistent/twadvise-rec"),
        (["diagnose", "--recording", "/tmp", "--history"], "--recording is a history of its own: it does not go with --history or --prometheus"),
        (["diagnose", "--prometheus", "http://127.0.0.1:9"], "--prometheus reads one host: name it with --instance"),
        (["fleet", "--prometheus", "ftp://127.0.0.1:9"], "--prometheus: "),
        (["fleet", "--prometheus", "http://127.0.0.1:9", "--top", "0"], "--top 0: rank 1 to 500 hosts per measure"),
        (["watch", "--from", "-1h"], "--from and --to choose what --recording replays: give --recording DIR"),
    ])
    func refused(arguments: [String], message: String) throws {
        let result = try CLIRunner.run(arguments)
        #expect(result.status == 2, "\(arguments): \(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.hasPrefix("twadvise: error: ") && result.stderr.contains(message), "\(arguments): \(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
    }
}
