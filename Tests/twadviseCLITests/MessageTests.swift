import Foundation
import Testing
import TWAdviseTestSupport

/// The words a person reads: the input line, warnings, errors and help, one test per message.
@Suite("What the CLI says", .serialized)
struct MessageTests {
    /// An extracted sosreport with sysctl -a and ss output but no proc/sys and no proc/net/tcp.
    static func sosTree() throws -> TemporaryTree {
        try TemporaryTree([
            "sos_commands/kernel/sysctl_-a": """
                kernel.hostname = sos-host
                kernel.osrelease = 6.1.0-18-amd64
                net.ipv4.ip_local_port_range = 32768\t60999
                net.ipv4.ip_local_reserved_ports =
                net.ipv4.tcp_tw_reuse = 2
                net.ipv4.tcp_timestamps = 1

                """,
            "sos_commands/networking/ss_-peaonmi": """
                Netid State  Recv-Q Send-Q Local Address:Port Peer Address:Port Process
                tcp   TIME-WAIT 0 0 10.0.0.5:40000 10.0.0.9:443
                tcp   ESTAB  0 0 10.0.0.5:40001 10.0.0.9:443

                """,
            "proc/net/sockstat": "sockets: used 5\nTCP: inuse 1 orphan 0 tw 1 alloc 2 mem 1\n",
        ])
    }

    @Test("--sos: the input line names the report given, and warns only about what is missing in the end")
    func sosWarnings() throws {
        let tree = try Self.sosTree()
        let result = try CLIRunner.run(["diagnose", "--sos", tree.root])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("| Input | sosreport \(tree.root) (also sos\\_commands/networking/ss\\_-peaonmi, sos\\_commands/kernel/sysctl\\_-a) |"))
        // Taken from sysctl_-a and ss output in the end: no warning about the /proc files that were absent.
        for supplied in ["tcp\\_tw\\_reuse: no such file", "ip\\_local\\_port\\_range: no such file", "hostname: no such file",
                         "proc/net/tcp: no such file"] {
            #expect(!result.stdout.contains(supplied), "\(supplied)")
        }
        // Missing in the end: still said.
        #expect(result.stdout.contains("- proc/sys/fs/file-nr: no such file"))
    }

    @Test("--ss alone: a missing fact names the option that would supply it, not a /proc path")
    func capturedOutputSuggestions() throws {
        let tree = try Self.sosTree()
        let result = try CLIRunner.run(["diagnose", "--ss", tree.path("sos_commands/networking/ss_-peaonmi")])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("tcpext.ListenOverflows (give --nstat FILE (nstat -zas output))"))
        #expect(result.stdout.contains("(give --sysctl FILE (sysctl -a output))"))
        #expect(!result.stdout.contains("(from proc/"))
    }

    @Test("--sysctl given without a key: the report says the output given lacks it, never asks for --sysctl again")
    func givenInputLacksKey() throws {
        let tree = try TemporaryTree(["sysctl.txt": "net.ipv4.ip_local_port_range = 32768\t60999\nnet.ipv4.tcp_tw_reuse = 2\nfs.file-nr = 100\t0\t9000\n"])
        let result = try CLIRunner.run(["diagnose", "--sysctl", tree.path("sysctl.txt")])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("sysctl.tcp\\_max\\_tw\\_buckets (not in the sysctl -a output \(tree.path("sysctl.txt"))"), "\(result.stdout)")
        #expect(!result.stdout.contains("give --sysctl"))
        // fs.file-nr of sysctl -a output gives the file handles.
        #expect(!result.stdout.contains("files.allocated"))
        #expect(result.stdout.contains("| Verdict | **insufficient data**"))
    }

    /// Runs twadvise and returns its standard error, which must be exactly one line.
    static func oneLineError(_ arguments: [String]) throws -> String {
        let result = try CLIRunner.run(arguments)
        #expect(result.status == 2, "\(arguments)")
        #expect(result.stdout.isEmpty)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        return result.stderr
    }

    @Test("usage errors: one line each, naming the option, the value and the fix; no stray usage block")
    func usageErrors() throws {
        let tree = try Scenario.healthy.tree()
        #expect(try Self.oneLineError(["diagnose", "--root", tree.root, "--interval", "0"])
                == "twadvise: error: --interval 0: the two readings must be more than 0 and at most 3600 seconds apart, e.g. --interval 5 (see 'twadvise diagnose --help')\n")
        #expect(try Self.oneLineError(["diagnose", "--root", tree.root, "--top", "-1"])
                == "twadvise: error: --top -1: keep at least 1 destination in detail, e.g. --top 100 (the default) (see 'twadvise diagnose --help')\n")
        #expect(try Self.oneLineError(["watch", "--root", tree.root, "--interval", "0"])
                == "twadvise: error: --interval 0: readings must be 0.2 to 3600 seconds apart, e.g. --interval 5 (the default) (see 'twadvise watch --help')\n")
        #expect(try Self.oneLineError(["watch", "--root", tree.root, "--host-namespace"])
                == "twadvise: error: --host-namespace restricts watch to the namespace twadvise runs in; it does not go with --namespace or --root (see 'twadvise watch --help')\n")
        #expect(try Self.oneLineError(["diagnose", "--format", "html"]).hasPrefix("twadvise: error: The value 'html' is invalid for '--format <format>'"))
        #expect(try Self.oneLineError(["diagnose", "--min-severity", "severe"]).hasPrefix(
            "twadvise: error: The value 'severe' is invalid for '--min-severity <severity>'. Please provide one of 'info', 'low', 'medium', 'high' or 'critical'."))
    }

    @Test("an overlay file in a rules directory says to pass it with --overlay; paths never read 'team//x.yaml'")
    func overlayInRulesDirectory() throws {
        let tree = try TemporaryTree(["team/o.yaml": "overlays:\n  - id: ports.range-narrow\n    disable: true\n    justification: x\n"])
        let result = try CLIRunner.run(["rules", "lint", tree.path("team") + "/"])
        #expect(result.status == 2)
        #expect(result.stdout.contains(tree.path("team") + "/o.yaml:1:1: error: unknown top-level key 'overlays'"), "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("note: an overlay file is not a rule file: pass it with --overlay FILE"))
        #expect(!(result.stdout + result.stderr).contains("//o.yaml"))
    }

    @Test("a rule without a runbook section gets a lint warning instead of a silent 'No runbook section' in reports")
    func ruleWithoutRunbook() throws {
        let tree = try TemporaryTree(["nobook.yaml": "rules:\n  - id: team.nobook\n    title: t\n    severity: low\n    condition: sockstat.tw > 1\n"])
        let result = try CLIRunner.run(["rules", "lint", tree.path("nobook.yaml")])
        #expect(result.status == 0)
        #expect(result.stdout.contains("warning: rule 'team.nobook' has no 'runbook:' section: its findings render without steps"), "\(result.stdout)")
    }

    @Test("a rule file reached twice is named as such, not as duplicate rules needing override: true")
    func ruleFileTwice() throws {
        let tree = try TemporaryTree(["team/x.yaml": "rules:\n  - id: team.x\n    title: t\n    severity: low\n    condition: sockstat.tw > 1\n    runbook: timewait.total-high\n"])
        let error = try Self.oneLineError(["rules", "list", "--rules", tree.path("team"), "--rules", tree.path("team/x.yaml")])
        #expect(error == "twadvise: error: \(tree.path("team/x.yaml")) is given twice: each rule file is read once\n", "\(error)")
    }

    @Test("rules explain takes rule paths like lint and test, and lists what the runbook section needs")
    func explainWithPaths() throws {
        let tree = try TemporaryTree(["team/x.yaml": "rules:\n  - id: team.x\n    title: t\n    severity: low\n    for_each: d in sockets.destinations\n    condition: d.in_use > 1\n    runbook: ports.destination-exhaustion\n    vars: {owner: d.owner, reuse_step: d.reuse_step, remote_host: d.remote_host, remote_port: d.remote_port}\n"])
        let result = try CLIRunner.run(["rules", "explain", "team.x", tree.path("team")])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Runbook section 'ports.destination-exhaustion' uses: vars owner, remote_host, remote_port, reuse_step"))
    }

    @Test("every mistake of an expression is reported, not only the first")
    func everyTypeError() throws {
        let tree = try TemporaryTree(["two.yaml": "rules:\n  - id: team.two\n    title: t\n    severity: low\n    condition: sockstat.twx > 1 and sysctl.tcp_tw_reusee == 1\n    runbook: timewait.total-high\n"])
        let result = try CLIRunner.run(["rules", "lint", tree.path("two.yaml")])
        #expect(result.status == 2)
        #expect(result.stdout.contains("two.yaml:5:16: error: sockstat has no field 'twx'; did you mean 'tw'?"), "\(result.stdout)")
        #expect(result.stdout.contains("two.yaml:5:37: error: sysctl has no field 'tcp_tw_reusee'; did you mean 'tcp_tw_reuse'?"))
    }

    @Test("a mistyped command gets the closest one")
    func didYouMean() throws {
        #expect(try Self.oneLineError(["diagnos"]) == "twadvise: error: unknown command 'diagnos'; did you mean 'twadvise diagnose'?\n")
        #expect(try Self.oneLineError(["rules", "lst"]) == "twadvise: error: unknown command 'lst'; did you mean 'twadvise rules list'?\n")
        #expect(try Self.oneLineError(["frobnicate"])
                == "twadvise: error: unknown command 'frobnicate'; the commands are diagnose, snapshot, watch, record, fleet, rules (see 'twadvise --help')\n")
    }

    @Test("rules explain of a team rule without --rules says where team rules come from, suggesting no unrelated rule")
    func explainTeamRule() throws {
        #expect(try Self.oneLineError(["rules", "explain", "team.x"])
                == "twadvise: error: no rule with id 'team.x'; a team rule is found only when its rule files are loaded\n")
        #expect(try Self.oneLineError(["rules", "explain", "ports.destination-exhaustio"])
                == "twadvise: error: no rule with id 'ports.destination-exhaustio'; did you mean 'ports.destination-exhaustion'?\n")
    }

    @Test("--output into a directory that does not exist: one line naming the file")
    func outputError() throws {
        let tree = try Scenario.healthy.tree()
        #expect(try Self.oneLineError(["diagnose", "--root", tree.root, "--output", "/nonexistent/dir/out.md"])
                == "twadvise: error: cannot write /nonexistent/dir/out.md: No such file or directory\n")
    }

    @Test("a broken runbook template: the file, its line, the mistake and the text there")
    func brokenTemplate() throws {
        let tree = try Scenario.healthy.tree()
        try tree.write("rb/ports.md", "<!-- runbook: ports.destination-exhaustion -->\n### Why\n\n{{#vars.owner}}text\n{{/vars.ownr}}\n")
        #expect(try Self.oneLineError(["diagnose", "--root", tree.root, "--runbooks", tree.path("rb")])
                == "twadvise: error: runbook template: ports.md:5: section 'ports.destination-exhaustion': a closing tag {{/...}} names another section than the one open, column 4: {{/vars.ownr}}\n")
    }

    @Test("help: defaults as values, one style of value names, and examples at the end")
    func help() throws {
        for command in [["diagnose"], ["snapshot"], ["watch"], ["record"], ["fleet"], ["rules"], ["rules", "lint"], ["rules", "explain"], []] {
            let result = try CLIRunner.run(command + ["--help"])
            #expect(result.status == 0)
            #expect(!result.stdout.contains("SeverityArgument") && !result.stdout.contains("<top>") && !result.stdout.contains("<fail-on>"))
            let tail = result.stdout.split(separator: "\n").suffix(8)
            #expect(tail.contains("EXAMPLES:") && tail.last?.hasPrefix("  twadvise") == true, "\(command)")
        }
        let diagnose = try CLIRunner.run(["diagnose", "--help"]).stdout
        #expect(diagnose.contains("USAGE: twadvise diagnose [<input>] [<rules>] [--format markdown|json|terminal] [--min-severity <severity>] [--output <file>]"))
        #expect(diagnose.contains("default: info)"))
        #expect(diagnose.contains("--fail-on <severity>") && diagnose.contains("--top <n>") && diagnose.contains("--root <dir>"))
        #expect(try CLIRunner.run(["help", "watch"]).stdout == CLIRunner.run(["watch", "--help"]).stdout)
    }

    @Test("lint: a typo in a let binding is reported once, at its cause, with the field it meant")
    func lintCauseFirst() throws {
        let tree = try TemporaryTree(["team/t.yaml": """
            rules:
              - id: team.port-budget
                title: Port budget
                severity: medium
                condition: ratio >= 0.5
                score: 50 + 50 * min(ratio, 1)
                let:
                  ratio: sockets.time_wait / ports.usabel
                evidence:
                  - {label: "ratio", value: ratio, format: percent}
                tests:
                  - {name: fires, facts: {ports: {usable: 100}, sockets: {time_wait: 90}}, expect: [{severity: medium}]}

            """])
        let result = try CLIRunner.run(["rules", "lint", tree.path("team/t.yaml")])
        #expect(result.status == 2)
        let errors = result.stdout.split(separator: "\n").filter { $0.contains(": error: ") }
        #expect(errors == ["\(tree.path("team/t.yaml")):8:34: error: ports has no field 'usabel'; did you mean 'usable'?"])
    }

    @Test("rules explain shows let and escalate, so the condition's names are explained")
    func explainShowsLet() throws {
        let text = try CLIRunner.run(["rules", "explain", "ports.destination-exhaustion"]).stdout
        #expect(text.contains("let:\n  ratio = default(d.pressure, d.port_share)\n  closes_per_second = d.time_wait / 60\ncondition: ratio >= medium_ratio\n"
                              + "escalate:\n  high when ratio >= high_ratio\n  critical when ratio >= critical_ratio\n"))
    }

    @Test("rules test --overlay: a built-in test the overlay breaks says the overlay changed that rule's outcome")
    func overlayBreaksTest() throws {
        let tree = try TemporaryTree(["ov.yaml": """
            overlays:
              - rule: ports.destination-exhaustion
                justification: "our proxies run hot by design (INC-2231)"
                params: {medium_ratio: 0.98}

            """])
        let result = try CLIRunner.run(["rules", "test", "--overlay", tree.path("ov.yaml")])
        #expect(result.status == 1)
        #expect(result.stdout.contains("test 'exactly half is medium': expected 1 finding, but it did not fire; an overlay changed this rule "
                                       + "(medium_ratio 0.98, default 0.5) and with it this outcome: \"our proxies run hot by design (INC-2231)\""))
        #expect(result.stdout.contains("(pressure_ratio 0.98, default 0.5, follows ports.destination-exhaustion.medium_ratio) and with it this outcome"))
    }

    @Test("an overlay's threshold shows beside the rule's default in the report")
    func thresholdsWithOverlay() throws {
        let tree = try Scenario.clientExhaustion.tree()
        try tree.write("ov.yaml", """
            overlays:
              - rule: ports.destination-exhaustion
                justification: "alert earlier on the payment path (INC-2231)"
                params: {medium_ratio: 0.4}

            """)
        let result = try CLIRunner.run(["diagnose", "--root", tree.root, "--overlay", tree.path("ov.yaml")])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("thresholds: `critical_ratio` 0.95 · `high_ratio` 0.8 · `medium_ratio` **0.4** (default 0.5)\n"))
        #expect(result.stdout.contains("Changed by an overlay: alert earlier on the payment path (INC-2231)"))
        let json = try CLIRunner.run(["diagnose", "--root", tree.root, "--overlay", tree.path("ov.yaml"), "--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: json.stdoutBytes) as? [String: Any])
        let first = try #require((object["findings"] as? [[String: Any]])?.first)
        #expect((first["parameters"] as? [String: Any])?["medium_ratio"] as? Double == 0.4)
        #expect((first["parameterDefaults"] as? [String: Any])?["medium_ratio"] as? Double == 0.5)
    }

    @Test("--format terminal: colour unless NO_COLOR, no Markdown escapes; a pipe gets Markdown by default")
    func terminalForm() throws {
        let tree = try Scenario.clientExhaustion.tree()
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = nil
        environment["TERM"] = "xterm-256color"
        let coloured = try CLIRunner.process(CLIRunner.executable, ["diagnose", "--root", tree.root, "--format", "terminal"], environment: environment)
        #expect(coloured.status == 0)
        #expect(coloured.stdout.contains("\u{1B}[1;31mCRITICAL\u{1B}[0m"))
        environment["NO_COLOR"] = "1"
        let plain = try CLIRunner.process(CLIRunner.executable, ["diagnose", "--root", tree.root, "--format", "terminal"], environment: environment)
        #expect(plain.status == 0 && !plain.stdout.contains("\u{1B}"))
        #expect(plain.stdout.contains("Rule ports.destination-exhaustion") && !plain.stdout.contains("\\_"))
        // Standard output is a pipe here: Markdown, escapes and all.
        let piped = try CLIRunner.run(["diagnose", "--root", tree.root])
        #expect(piped.stdout.contains("| Input | captured tree ") && !piped.stdout.contains("\u{1B}"))
    }

    @Test("docs/twadvise.1 is the manual the command tree makes (re-record with TWADVISE_RECORD=1)")
    func manualInSync() throws {
        let result = try CLIRunner.run(["--generate-manual"])
        #expect(result.status == 0)
        #expect(result.stdout.contains(".Sh COMMANDS") && result.stdout.contains(".Ss twadvise rules explain"))
        let mismatch = try Golden.mismatch(result.stdout, file: PeerFixtures.packageRoot + "/docs/twadvise.1")
        #expect(mismatch == nil, "\(mismatch ?? "")")
    }

    @Test("shell completion scripts for bash, zsh and fish, as the README says")
    func completions() throws {
        for (shell, start) in [("bash", "#!/bin/bash"), ("zsh", "#compdef twadvise"), ("fish", "function ")] {
            let result = try CLIRunner.run(["--generate-completion-script", shell])
            #expect(result.status == 0 && result.stdout.hasPrefix(start), "\(shell)")
        }
    }

    @Test("captured ss -tanp: a CLOSE_WAIT leak names the process from the users: column")
    func capturedOwner() throws {
        var rows = ["State Recv-Q Send-Q Local Address:Port Peer Address:Port Process"]
        for i in 0..<150 { rows.append("CLOSE-WAIT 1 0 10.0.0.5:\(40000 + i) 10.0.0.9:443 users:((\"java\",pid=812,fd=\(100 + i)))") }
        rows.append("ESTAB 0 0 10.0.0.5:39999 10.0.0.9:443")
        let tree = try TemporaryTree(["ss.txt": rows.joined(separator: "\n") + "\n"])
        let result = try CLIRunner.run(["diagnose", "--ss", tree.path("ss.txt"), "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: result.stdoutBytes) as? [String: Any])
        let finding = try #require((object["findings"] as? [[String: Any]])?.first { $0["id"] as? String == "sockets.close-wait-leak" })
        let evidence = try #require(finding["evidence"] as? [[String: Any]])
        #expect(evidence.first { $0["label"] as? String == "process holding its live sockets" }?["value"] as? String == "java (pid 812)")
    }
}
