import Foundation
import Testing
import TWAdviseFacts
import TWAdviseTestSupport

/// The second hardening round (issue 13): each test names the item it keeps fixed.
@Suite("Hostile input", .serialized)
struct HostileInputTests {
    /// A bound on every run here: a hang is a failure (exit 124), never a stuck suite.
    static let timeout = ["/usr/bin/timeout", "30"]

    /// A minimal sosreport directory: a host name, and `sos_commands/` with whatever the test adds.
    static func sosTree(_ extra: [String: String] = [:]) throws -> TemporaryTree {
        var files = ["sos/proc/sys/kernel/hostname": "sos-host\n", "sos/sos_commands/networking/.keep": ""]
        files.merge(extra) { $1 }
        return try TemporaryTree(files)
    }

    @Test("#4: a sosreport capture linked to a host file is not read, and its content is never echoed")
    func sosCaptureOutside() throws {
        let outside = try TemporaryTree(["secret.txt": "kernel.hostname = SECRET-OUTSIDE\nnet.ipv4.tcp_tw_reuse = 7\n"])
        let tree = try Self.sosTree()
        try tree.mkdir("sos/sos_commands/kernel")
        try tree.symlink("sos/sos_commands/kernel/sysctl_-a", to: outside.path("secret.txt"))
        let result = try CLIRunner.run(["snapshot", "--sos", tree.path("sos")], wrapper: Self.timeout)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stdout.contains("SECRET") && !result.stderr.contains("SECRET"))
        #expect(result.stdout.contains("\"path\":\"sos_commands/kernel/sysctl_-a\""))
        #expect(result.stdout.contains("a symbolic link leads outside the directory read, or is absolute; not read"))
    }

    @Test("#5: --rules and --runbooks follow a link only while it stays inside the directory given")
    func directoriesConfined() throws {
        let outside = try TemporaryTree(["secret.yaml": "rules: [SECRET-RULE\n", "secret.md": "SECRET-RUNBOOK {{\n"])
        let rules = try TemporaryTree(["real.yaml": "rules:\n  - id: team.ok\n    title: ok\n    severity: low\n    condition: sockstat.tw > 1\n"])
        try rules.symlink("inside.yaml", to: "real.yaml")  // a relative link that stays inside is fine
        let inside = try CLIRunner.run(["rules", "list", "--rules", rules.root], wrapper: Self.timeout)
        // The link was followed: it reaches the same file as real.yaml, which is read once and said so.
        #expect(inside.status == 2 && inside.stderr.contains("are the same file: each rule file is read once"), "\(inside.stderr)")
        try FileManager.default.removeItem(atPath: rules.path("inside.yaml"))
        // An absolute link is not followed, even to a file inside: it is resolved by the kernel beneath the
        // directory (openat2 RESOLVE_BENEATH), where an absolute path cannot stay.
        try rules.symlink("absolute.yaml", to: rules.path("real.yaml"))
        let absolute = try CLIRunner.run(["rules", "list", "--rules", rules.root], wrapper: Self.timeout)
        #expect(absolute.status == 2 && absolute.stderr.contains("absolute.yaml: a symbolic link leads outside the directory read, or is absolute; not read"))
        try FileManager.default.removeItem(atPath: rules.path("absolute.yaml"))
        try rules.symlink("leak.yaml", to: outside.path("secret.yaml"))
        let leak = try CLIRunner.run(["rules", "list", "--rules", rules.root], wrapper: Self.timeout)
        #expect(leak.status == 2)
        #expect(leak.stderr == "twadvise: error: cannot read rules: \(rules.path("leak.yaml")): a symbolic link leads outside the directory read, or is absolute; not read\n")
        let runbooks = try TemporaryTree()
        try runbooks.symlink("ports.md", to: outside.path("secret.md"))
        let tree = try Scenario.healthy.tree()
        let report = try CLIRunner.run(["diagnose", "--root", tree.root, "--runbooks", runbooks.root], wrapper: Self.timeout)
        #expect(report.status == 2 && !report.stdout.contains("SECRET") && !report.stderr.contains("SECRET"))
        #expect(report.stderr.contains("a symbolic link leads outside the directory read, or is absolute; not read"))
    }

    @Test("#6: a FIFO or a device inside --root or a sosreport is refused at once, never waited on")
    func specialFilesInTrees() throws {
        let tree = try Scenario.healthy.tree()
        try FileManager.default.removeItem(atPath: tree.path("proc/net/tcp"))
        #expect(mkfifo(tree.path("proc/net/tcp"), 0o644) == 0)
        try FileManager.default.removeItem(atPath: tree.path("proc/sys/kernel/hostname"))
        #expect(mkfifo(tree.path("proc/sys/kernel/hostname"), 0o644) == 0)
        try FileManager.default.removeItem(atPath: tree.path("proc/net/tcp6"))
        try tree.symlink("proc/net/tcp6", to: "/dev/zero")  // outside the tree: refused before it is opened
        let result = try CLIRunner.run(["snapshot", "--root", tree.root], wrapper: Self.timeout)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("{\"message\":\"not a regular file (a FIFO, device or socket); not read\",\"path\":\"proc/net/tcp\"}"))
        #expect(result.stdout.contains("{\"message\":\"not a regular file (a FIFO, device or socket); not read\",\"path\":\"proc/sys/kernel/hostname\"}"))
        let sos = try Self.sosTree()
        try sos.mkdir("sos/sos_commands/kernel")
        #expect(mkfifo(sos.path("sos/sos_commands/kernel/sysctl_-a"), 0o644) == 0)
        let fromSos = try CLIRunner.run(["snapshot", "--sos", sos.path("sos")], wrapper: Self.timeout)
        #expect(fromSos.status == 0, "\(fromSos.stderr)")
        #expect(fromSos.stdout.contains("not a regular file (a FIFO, device or socket); not read"))
    }

    @Test("#7: --sysctl and --ss from a pipe keep their first byte")
    func pipesKeepEveryByte() throws {
        let sysctl = "net.ipv4.tcp_tw_reuse = 1\nkernel.hostname = piped\n"
        let result = try CLIRunner.run(["snapshot", "--sysctl", "/dev/stdin"], stdin: Data(sysctl.utf8), wrapper: Self.timeout)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("\"net.ipv4.tcp_tw_reuse\":1"))
        // `ss -H` output: no header, so a lost first byte would spoil the first socket.
        let ss = "TIME-WAIT 0 0 10.0.0.1:40000 10.0.0.2:443\nTIME-WAIT 0 0 10.0.0.1:40001 10.0.0.2:443\n"
        let fromSS = try CLIRunner.run(["snapshot", "--ss", "/dev/stdin"], stdin: Data(ss.utf8), wrapper: Self.timeout)
        #expect(fromSS.status == 0, "\(fromSS.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(fromSS.stdout.utf8)) as? [String: Any]
        let sockets = object?["sockets"] as? [String: Any]
        #expect(sockets?["timeWait"] as? Int == 2 && sockets?["malformedLines"] as? Int == 0)
    }

    @Test("#8: --facts - is bounded like a file: 64 MiB")
    func factsFromStandardInputBounded() throws {
        let big = Data(repeating: UInt8(ascii: " "), count: (64 << 20) + 1)
        let result = try CLIRunner.run(["diagnose", "--facts", "-"], stdin: big, wrapper: Self.timeout)
        #expect(result.status == 2)
        #expect(result.stderr == "twadvise: error: --facts standard input: larger than the limit of 64 MiB\n")
    }

    @Test("#11, #16, #20: an archive named like a remote host is a file; bombs and special files are refused unextracted")
    func archives() throws {
        let tree = try Self.sosTree()
        let work = try TemporaryTree()
        let archive = work.path("web01:x.tar.xz")
        let made = try CLIRunner.process("/usr/bin/tar", ["--force-local", "-cJf", archive, "-C", tree.root, "sos"])
        #expect(made.status == 0, "\(made.stderr)")
        let result = try CLIRunner.run(["diagnose", "--sos", archive], wrapper: Self.timeout)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("| Input | sosreport \(archive) |"))  // the path given, not a temporary directory
        // A FIFO in the archive: refused before anything is extracted.
        #expect(mkfifo(tree.path("sos/fifo"), 0o644) == 0)
        let withFIFO = work.path("fifo.tar")
        #expect(try CLIRunner.process("/usr/bin/tar", ["-cf", withFIFO, "-C", tree.root, "sos"]).status == 0)
        let refused = try CLIRunner.run(["diagnose", "--sos", withFIFO], wrapper: Self.timeout)
        #expect(refused.stderr == "twadvise: error: --sos \(withFIFO): holds a device node, FIFO or socket; not extracted\n")
        // Bounds, at the library's entry point with small limits: no temporary directory is left behind.
        try FileManager.default.removeItem(atPath: tree.path("sos/fifo"))
        try tree.write("sos/big", [UInt8](repeating: 0, count: 2 << 20))
        let big = work.path("big.tar.xz")
        #expect(try CLIRunner.process("/usr/bin/tar", ["-cJf", big, "-C", tree.root, "sos"]).status == 0)
        let before = Set(try FileManager.default.contentsOfDirectory(atPath: "/tmp").filter { $0.hasPrefix("twadvise-sos-") })
        #expect(throws: SosReportError(path: big, reason: "would extract to more than 1000000 bytes; not extracted")) {
            try SosReport.open(big, maxBytes: 1_000_000)
        }
        #expect(throws: SosReportError(path: big, reason: "more than 3 entries; not extracted")) {
            try SosReport.open(big, maxEntries: 3)
        }
        let after = Set(try FileManager.default.contentsOfDirectory(atPath: "/tmp").filter { $0.hasPrefix("twadvise-sos-") })
        #expect(after == before)
    }

    @Test("#1: --output writes a regular file atomically, a device, FIFO or standard output in place, and refuses the rest")
    func outputTargets() throws {
        let tree = try Scenario.healthy.tree()
        let work = try TemporaryTree(["old.md": "old\n"])
        let toFile = try CLIRunner.run(["diagnose", "--root", tree.root, "--output", work.path("old.md")], wrapper: Self.timeout)
        #expect(toFile.status == 0 && toFile.stdout.isEmpty)
        #expect(try String(contentsOfFile: work.path("old.md"), encoding: .utf8).hasPrefix("# TWAdvise runbook"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: work.root) == ["old.md"])  // no temporary file left
        // /dev/stdout is the descriptor itself: the report arrives on standard output.
        let toStdout = try CLIRunner.run(["diagnose", "--root", tree.root, "--output", "/dev/stdout"], wrapper: Self.timeout)
        #expect(toStdout.status == 0 && toStdout.stdout.hasPrefix("# TWAdvise runbook"))
        // A device stays a device (as root, a rename would have replaced /dev/null with a regular file).
        let toNull = try CLIRunner.run(["diagnose", "--root", tree.root, "--output", "/dev/null"], wrapper: Self.timeout)
        #expect(toNull.status == 0)
        var info = stat()
        #expect(stat("/dev/null", &info) == 0 && (info.st_mode & S_IFMT) == S_IFCHR)
        // A symbolic link and a directory are refused; the link's target is untouched.
        try work.write("target.md", "keep\n")
        try work.symlink("link.md", to: work.path("target.md"))
        let toLink = try CLIRunner.run(["diagnose", "--root", tree.root, "--output", work.path("link.md")], wrapper: Self.timeout)
        #expect(toLink.status == 2)
        #expect(toLink.stderr == "twadvise: error: cannot write \(work.path("link.md")): it is a symbolic link; name the file it points to\n")
        #expect(try String(contentsOfFile: work.path("target.md"), encoding: .utf8) == "keep\n")
        let toDirectory = try CLIRunner.run(["diagnose", "--root", tree.root, "--output", work.root], wrapper: Self.timeout)
        #expect(toDirectory.status == 2 && toDirectory.stderr == "twadvise: error: cannot write \(work.root): it is a directory\n")
    }

    @Test("#2: watch --textfile never follows a link planted at a predictable temporary name")
    func textfileTemporary() throws {
        let tree = try Scenario.healthy.tree()
        let work = try TemporaryTree(["victim": "precious\n"])
        // The old predictable names, each a link to the victim: none may be written through.
        for pid in 1...64 { try work.symlink("twadvise.prom.tmp.\(pid)", to: work.path("victim")) }
        let result = try CLIRunner.run(["watch", "--once", "--root", tree.root, "--textfile", work.path("twadvise.prom")], wrapper: Self.timeout)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try String(contentsOfFile: work.path("victim"), encoding: .utf8) == "precious\n")
        #expect(try String(contentsOfFile: work.path("twadvise.prom"), encoding: .utf8).contains("# TYPE twadvise_finding gauge"))
        let refused = try CLIRunner.run(["watch", "--once", "--root", tree.root, "--textfile", "/dev/null"], wrapper: Self.timeout)
        #expect(refused.status == 2 && refused.stderr == "twadvise: error: cannot write /dev/null: it is a device or a FIFO, not a regular file\n")
    }

    @Test("#3: every command fails with exit 2 and one line when its output cannot be written", arguments: [
        ["rules", "list"], ["rules", "list", "--format", "json"], ["rules", "facts"], ["rules", "explain", "ports.range-narrow"],
        ["rules", "test"], ["rules", "export"], ["snapshot", "--root", "TREE"], ["diagnose", "--root", "TREE"],
        ["watch", "--once", "--root", "TREE"],
    ])
    func fullDisk(arguments: [String]) throws {
        let tree = try Scenario.healthy.tree()
        let command = ([CLIRunner.executable] + arguments.map { $0 == "TREE" ? tree.root : $0 }).joined(separator: " ")
        let result = try CLIRunner.process("/bin/sh", ["-c", "\(Self.timeout.joined(separator: " ")) \(command) > /dev/full"])
        #expect(result.status == 2, "\(arguments): \(result.stderr)")
        #expect(result.stderr.split(separator: "\n").last == "twadvise: error: cannot write to standard output: No space left on device",
                "\(arguments): \(result.stderr)")
    }

    @Test("#9: the same capture given twice (or under two names) is refused, not counted twice")
    func repeatedInput() throws {
        let work = try TemporaryTree(["ss.txt": "TIME-WAIT 0 0 10.0.0.1:40000 10.0.0.2:443\n"])
        try work.symlink("alias.txt", to: work.path("ss.txt"))
        let twice = try CLIRunner.run(["snapshot", "--ss", work.path("ss.txt"), "--ss", work.path("ss.txt"), "--ss", work.path("ss.txt")],
                                      wrapper: Self.timeout)
        #expect(twice.status == 2 && twice.stderr == "twadvise: error: \(work.path("ss.txt")) is given twice: each input is read once\n")
        let aliased = try CLIRunner.run(["snapshot", "--ss", work.path("ss.txt"), "--netstat", work.path("alias.txt")], wrapper: Self.timeout)
        #expect(aliased.status == 2)
        #expect(aliased.stderr == "twadvise: error: \(work.path("alias.txt")) and \(work.path("ss.txt")) are the same file: each input is read once\n")
    }

    @Test("#10: a rule file with thousands of errors shows the first 50 and how many more, in bounded output")
    func boundedRuleErrors() throws {
        let work = try TemporaryTree(["bad.yaml": "rules: [" + Array(repeating: "{q: 1}", count: 5000).joined(separator: ", ") + "]\n"])
        let result = try CLIRunner.run(["rules", "lint", work.path("bad.yaml")], wrapper: Self.timeout)
        #expect(result.status == 2)
        #expect(result.stdout.utf8.count < 100_000, "\(result.stdout.utf8.count) bytes of lint output")
        #expect(result.stdout.components(separatedBy: ": error: ").count - 1 == 50)
        #expect(result.stdout.contains("note: and 9950 more problems in \(work.path("bad.yaml")), not shown: fix these first"))
    }

    @Test("#15: counts and ports out of range in --facts are refused with their JSON path, never a crash", arguments: [
        ("sockets.destinations[0].timeWait", #""destinations":[{"localAddress":"10.0.0.1","remoteAddress":"10.0.0.2","remotePort":443,"timeWait":9223372036854775807,"established":1,"synSent":0,"other":0}]"#),
        ("sockets.ipv4.TIME_WAIT", #""ipv4":{"TIME_WAIT":9223372036854775807}"#),
        ("sysctls.values", #""sysctl":1"#),
    ])
    func outOfRangeFacts(path: String, fragment: String) throws {
        let tree = try Scenario.clientExhaustion.tree()
        let snapshot = try CLIRunner.run(["snapshot", "--root", tree.root])
        var json = snapshot.stdout
        if path == "sysctls.values" {
            json = json.replacingOccurrences(of: #""net.ipv4.ip_local_port_range":{"high":60999,"low":32768}"#,
                                             with: #""net.ipv4.ip_local_port_range":{"high":9223372036854775807,"low":0}"#)
            #expect(json != snapshot.stdout)
        } else if path.hasPrefix("sockets.destinations") {
            let start = try #require(json.range(of: #""destinations":["#))
            let end = try #require(json.range(of: "]", range: start.upperBound..<json.endIndex))
            json.replaceSubrange(start.lowerBound..<end.upperBound, with: fragment)
        } else {
            json = json.replacingOccurrences(of: #""TIME_WAIT":27300"#, with: #""TIME_WAIT":9223372036854775807"#)
            #expect(json != snapshot.stdout)
        }
        let result = try CLIRunner.run(["diagnose", "--facts", "-"], stdin: Data(json.utf8), wrapper: Self.timeout)
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("twadvise: error: standard input: \(path)"), "\(result.stderr)")
    }

    @Test("#17: a team rule that replaces a built-in needs a justification, and the report names it")
    func overrideShown() throws {
        let tree = try Scenario.clientExhaustion.tree()
        let hide = "rules:\n  - id: ports.destination-exhaustion\n    title: hidden\n    severity: low\n    override: true\n    condition: \"false\"\n"
        let rules = try TemporaryTree(["hide.yaml": hide])
        let refused = try CLIRunner.run(["diagnose", "--root", tree.root, "--rules", rules.root], wrapper: Self.timeout)
        #expect(refused.status == 2 && refused.stderr.contains("'override: true' needs a 'justification:'"))
        try rules.write("hide.yaml", hide + "    justification: \"capacity test OPS-77\"\n")
        let shown = try CLIRunner.run(["diagnose", "--root", tree.root, "--rules", rules.root], wrapper: Self.timeout)
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect(shown.stdout.contains("Replaced by a team rule: `ports.destination-exhaustion` (capacity test OPS-77)"))
        let json = try CLIRunner.run(["diagnose", "--root", tree.root, "--rules", rules.root, "--format", "json"], wrapper: Self.timeout)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let overridden = (object?["rules"] as? [String: Any])?["overridden"] as? [[String: String]]
        #expect(overridden == [["id": "ports.destination-exhaustion", "justification": "capacity test OPS-77"]])
    }

    @Test("#18: an error naming a value (a namespace asked for) stays one line: its newline and escapes are made visible")
    func oneLineErrors() throws {
        let result = try CLIRunner.run(["watch", "--once", "--namespace", "evil\u{1B}[2Jns\nFAKE OK"], wrapper: Self.timeout)
        #expect(result.status == 2)
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(result.stderr.contains("evil⟨U+001B⟩[2Jns⟨U+000A⟩FAKE OK"), "\(result.stderr)")
    }

    @Test("#18: control characters from the host never reach the terminal: watch, stderr and Markdown")
    func controlCharacters() throws {
        var files = Scenario.clientExhaustion.files
        files["proc/sys/kernel/hostname"] = "web\u{1B}]0;owned\u{07}\u{9B}31m\n"
        files["etc/sysctl.d/\u{1B}[2J.conf"] = "net.ipv4.tcp_fin_timeout = 30\n"
        let tree = try TemporaryTree(files)
        for arguments in [["watch", "--once", "--root", tree.root], ["diagnose", "--root", tree.root]] {
            let result = try CLIRunner.run(arguments, wrapper: Self.timeout)
            #expect(result.status == 0, "\(result.stderr)")
            let controls = (result.stdout + result.stderr).unicodeScalars.filter {
                ($0.value < 0x20 && $0 != "\n" && $0 != "\t") || (0x7F...0x9F).contains($0.value)
            }
            #expect(controls.isEmpty, "\(arguments[0]): \(controls.map { String($0.value, radix: 16) })")
        }
        let missing = try CLIRunner.run(["diagnose", "--root", tree.path("no\u{1B}[31mdir")], wrapper: Self.timeout)
        #expect(missing.status == 2 && !missing.stderr.unicodeScalars.contains("\u{1B}") && missing.stderr.contains("no⟨U+001B⟩[31mdir"))
    }

    @Test("#19: watch stops within one second of SIGTERM or SIGINT, even in the middle of a slow read", arguments: [SIGTERM, SIGINT])
    func watchStopsDuringSlowRead(signal: Int32) throws {
        // 6,000 sysctl.d files of 20 lines each: a debug build takes seconds to read them.
        var files = ["proc/sys/kernel/hostname": "slow\n"]
        for i in 0..<6000 { files[String(format: "etc/sysctl.d/%05d.conf", i)] = String(repeating: "net.ipv4.tcp_fin_timeout = 30\n", count: 20) }
        let tree = try TemporaryTree(files)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLIRunner.executable)
        process.arguments = ["watch", "--root", tree.root, "--interval", "60"]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        Thread.sleep(forTimeInterval: 0.5)  // well inside the first reading
        kill(process.processIdentifier, signal)
        let sent = Date()
        while process.isRunning && Date().timeIntervalSince(sent) < 5 { Thread.sleep(forTimeInterval: 0.01) }
        let took = Date().timeIntervalSince(sent)
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        #expect(took < 1, "stopped \(took) s after the signal")
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
    }

    @Test("#12: a sosreport with thousands of namespaces diagnoses a bounded number and names the bound")
    func namespaceBound() throws {
        var files: [String: String] = [:]
        for i in 0..<300 { files[String(format: "sos/sos_commands/networking/namespaces/ns%03d/nstat_-zas", i)] = "#kernel\nTcpExtTW 1 0.0\n" }
        let tree = try Self.sosTree(files)
        let result = try CLIRunner.run(["diagnose", "--sos", tree.path("sos"), "--format", "json"], wrapper: Self.timeout)
        #expect(result.status == 0, "\(result.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect((object?["namespaces"] as? [Any])?.count == 256)
        let notCovered = object?["notCovered"] as? [String] ?? []
        #expect(notCovered.contains { $0.contains("300 network namespaces captured; the first 256 by name are diagnosed, 44 are not") })
        #expect(result.stderr.contains("300 network namespaces captured"), "said where it is seen at once")
    }

    @Test("#13: a template that loops over findings inside a loop over findings is refused before rendering")
    func quadraticTemplates() throws {
        let tree = try Scenario.clientExhaustion.tree()
        let nested = try TemporaryTree(["report.md": "# {{{host}}}\n{{#findings}}\n{{#top}}{{{rank}}}{{/top}}\n{{/findings}}\n"])
        let result = try CLIRunner.run(["diagnose", "--root", tree.root, "--runbooks", nested.root], wrapper: Self.timeout)
        #expect(result.status == 2)
        #expect(result.stderr == "twadvise: error: runbook template: report.md:3: '{{#top}}' inside '{{#findings}}': a loop over one list of findings inside another makes the report quadratic; not allowed\n")
        let delimiters = try TemporaryTree(["report.md": "{{=<% %>=}}\n<%#findings%><%#findings%>x<%/findings%><%/findings%>\n"])
        let hidden = try CLIRunner.run(["diagnose", "--root", tree.root, "--runbooks", delimiters.root], wrapper: Self.timeout)
        #expect(hidden.status == 2 && hidden.stderr.contains("changing the tag delimiters is not supported"))
        // A loop over a finding's own evidence inside the loop over findings is linear, and allowed.
        let fine = try TemporaryTree(["report.md": "{{#findings}}{{{title}}}{{#evidence}} {{{value}}}{{/evidence}}\n{{/findings}}\n"])
        let ok = try CLIRunner.run(["diagnose", "--root", tree.root, "--runbooks", fine.root], wrapper: Self.timeout)
        #expect(ok.status == 0, "\(ok.stderr)")
    }

    @Test("#11: SIGTERM while tar extracts a sosreport stops tar and removes the temporary directory")
    func interruptedExtraction() throws {
        let tree = try Self.sosTree()
        // 600 MB of zeros: a few kilobytes compressed, a second or more to list and to extract.
        let big = try FileHandle(forWritingTo: URL(fileURLWithPath: { _ = FileManager.default.createFile(atPath: tree.path("sos/big"), contents: nil); return tree.path("sos/big") }()))
        try big.truncate(atOffset: 600 << 20)
        try big.close()
        let archive = tree.path("slow.tar.gz")
        #expect(try CLIRunner.process("/usr/bin/tar", ["-czf", archive, "-C", tree.root, "sos"]).status == 0)
        let before = Set(try FileManager.default.contentsOfDirectory(atPath: "/tmp").filter { $0.hasPrefix("twadvise-sos-") })
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLIRunner.executable)
        process.arguments = ["diagnose", "--sos", archive]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // Wait until the extraction has begun: its temporary directory exists.
        let started = Date()
        while Date().timeIntervalSince(started) < 20, Set(try FileManager.default.contentsOfDirectory(atPath: "/tmp").filter { $0.hasPrefix("twadvise-sos-") }) == before {
            Thread.sleep(forTimeInterval: 0.02)
        }
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGTERM)
        let after = Set(try FileManager.default.contentsOfDirectory(atPath: "/tmp").filter { $0.hasPrefix("twadvise-sos-") })
        #expect(after == before, "left behind: \(after.subtracting(before))")
        let tars = try CLIRunner.process("/usr/bin/pgrep", ["-f", archive])
        #expect(tars.stdout.isEmpty, "tar still running: \(tars.stdout)")
    }
}
