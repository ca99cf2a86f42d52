import Foundation
import Testing
import TWAdviseFacts
import TWAdviseTestSupport

@Suite("twadvise snapshot", .serialized)
struct SnapshotCommandTests {
    func json(_ result: CLIRunner.Result) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: result.stdoutBytes) as? [String: Any])
    }

    @Test("a captured tree gives a versioned snapshot; the same tree gives the same bytes")
    func capturedTree() throws {
        let tree = try TemporaryTree(HostTrees.modernSysctls)
        let first = try CLIRunner.run(["snapshot", "--root", tree.root])
        #expect(first.status == 0, "\(first.stderr)")
        let object = try json(first)
        #expect(object["schemaVersion"] as? Int == 1)
        #expect((object["host"] as? [String: Any])?["hostname"] as? String == "web-1")
        #expect(first.stderr.isEmpty)
        let second = try CLIRunner.run(["snapshot", "--root", tree.root])
        #expect(second.stdoutBytes == first.stdoutBytes)
    }

    @Test("--facts reads a snapshot back, from a file or standard input, unchanged")
    func factsRoundTrip() throws {
        let tree = try TemporaryTree(HostTrees.modernSysctls)
        let original = try CLIRunner.run(["snapshot", "--root", tree.root, "--pretty"])
        try tree.write("facts.json", Array(original.stdoutBytes))
        let fromFile = try CLIRunner.run(["snapshot", "--facts", tree.path("facts.json"), "--pretty"])
        #expect(fromFile.status == 0)
        #expect(fromFile.stdout == original.stdout)
        let fromStdin = try CLIRunner.run(["snapshot", "--facts", "-", "--pretty"], stdin: original.stdoutBytes)
        #expect(fromStdin.stdout == original.stdout)
    }

    @Test("inputs that cannot be read at all: exit 2, one line on stderr, nothing on stdout",
          arguments: [
            (["snapshot", "--root", "/nonexistent/twadvise"], "twadvise: error: --root /nonexistent/twadvise: not a directory"),
            (["snapshot", "--facts", "/nonexistent/facts.json"], "twadvise: error: --facts /nonexistent/facts.json: no such file"),
            (["snapshot", "--facts", "/"], "twadvise: error: --facts /: is a directory, expected a file"),
          ])
    func unreadableInput(arguments: [String], message: String) throws {
        let result = try CLIRunner.run(arguments)
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == message + "\n")
    }

    @Test("a tree with no readable fact, and facts that are not a snapshot, exit 2 with the reason")
    func emptyTreeAndBadFacts() throws {
        let tree = try TemporaryTree(["notes.txt": "nothing here\n", "bad.json": "{\"hello\": 1}", "garbage.json": "\u{1}\u{2}"])
        let empty = try CLIRunner.run(["snapshot", "--root", tree.root])
        #expect(empty.status == 2)
        #expect(empty.stderr.hasPrefix("twadvise: error: \(tree.root) holds no readable fact"))
        let bad = try CLIRunner.run(["snapshot", "--facts", tree.path("bad.json")])
        #expect(bad.status == 2)
        #expect(bad.stderr == "twadvise: error: \(tree.path("bad.json")): no 'schemaVersion': not a twadvise facts snapshot\n")
        let garbage = try CLIRunner.run(["snapshot", "--facts", "-"], stdin: Data([0xFF, 0x00]))
        #expect(garbage.status == 2)
        #expect(garbage.stderr.hasPrefix("twadvise: error: standard input: not a JSON object"))
        #expect(garbage.stderr.split(separator: "\n").count == 1)
    }

    @Test("diagnose and snapshot parsed alone (the start-up fast path) behave as through the full command tree")
    func fastPathParity() throws {
        let tree = try Scenario.clientExhaustion.tree()
        let implicit = try CLIRunner.run(["--root", tree.root, "--format", "json"])
        let explicit = try CLIRunner.run(["diagnose", "--root", tree.root, "--format", "json"])
        #expect(implicit.status == explicit.status && implicit.stdout == explicit.stdout && !implicit.stdout.isEmpty)
        for arguments in [["snapshot", "--help"], ["diagnose", "--help"], ["--help"]] {
            let help = try CLIRunner.run(arguments)
            #expect(help.status == 0)
            #expect(help.stdout.contains("USAGE: twadvise"), "\(arguments): \(help.stdout.prefix(200))")
        }
        let version = try CLIRunner.run(["--version"])
        #expect(version.status == 0 && !version.stdout.isEmpty)
        let bad = try CLIRunner.run(["snapshot", "--top", "0"])
        #expect(bad.status == 2)
        #expect(bad.stderr == "twadvise: error: --top 0: keep at least 1 destination in detail, e.g. --top 100 (the default) (see 'twadvise snapshot --help')\n")
    }

    @Test("bad usage exits 2 with the usage line")
    func badUsage() throws {
        let both = try CLIRunner.run(["snapshot", "--root", "/", "--facts", "x.json"])
        #expect(both.status == 2)
        #expect(both.stderr.contains("--root and --facts are alternatives"))
        let unknown = try CLIRunner.run(["snapshot", "--no-such-flag"])
        #expect(unknown.status == 2)
        #expect(unknown.stdout.isEmpty)
    }

    @Test("live host, as root and unprivileged: the TIME_WAIT count agrees with sockstat")
    func liveHost() throws {
        let port = try LoopbackLoad.makeTimeWait(count: 200)
        var wrappers: [[String]] = [[]]
        if let unprivileged = CLIRunner.unprivilegedWrapper { wrappers.append(unprivileged) }
        for wrapper in wrappers {
            // The host's own namespace: other suites open and close loopback connections meanwhile, so the
            // count is compared with sockstat in a namespace of this test's own below; here the test's 200
            // TIME_WAIT must be there, toward their destination.
            let result = try CLIRunner.run(["snapshot", "--host-namespace"], wrapper: wrapper)
            #expect(result.status == 0, "\(wrapper): \(result.stderr)")
            let sockets = try #require(try json(result)["sockets"] as? [String: Any])
            let destinations = try #require(sockets["destinations"] as? [[String: Any]])
            #expect(destinations.contains { $0["remotePort"] as? Int == port && ($0["timeWait"] as? Int ?? 0) >= 200 })
        }
    }
}

@Suite("captured command output on the command line")
struct CapturedOutputCLITests {
    @Test("--ss, --netstat, --sysctl and --nstat diagnose without the live host; unreadable files exit 2")
    func capturedInputs() throws {
        var ssRows = ["State      Recv-Q Send-Q Local Address:Port  Peer Address:Port"]
        for i in 0..<27_000 { ssRows.append("TIME-WAIT  0      0      10.0.0.5:\(32768 + i)   10.0.0.9:443") }
        let tree = try TemporaryTree([
            "ss.txt": ssRows.joined(separator: "\n") + "\n",
            "sysctl.txt": "kernel.hostname = captured-host\nkernel.osrelease = 6.1.0\nnet.ipv4.ip_local_port_range = 32768\t60999\nnet.ipv4.ip_local_reserved_ports = \nnet.ipv4.tcp_tw_reuse = 2\nnet.ipv4.tcp_timestamps = 1\n",
        ])
        let result = try CLIRunner.run(["diagnose", "--ss", tree.path("ss.txt"), "--sysctl", tree.path("sysctl.txt"), "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: result.stdoutBytes) as? [String: Any])
        #expect(object["host"] as? String == "captured-host")
        #expect((object["source"] as? String)?.hasPrefix("captured command output ") == true)
        let top = try #require((object["findings"] as? [[String: Any]])?.first)
        #expect(top["id"] as? String == "ports.destination-exhaustion" && top["severity"] as? String == "critical")
        let missing = try CLIRunner.run(["diagnose", "--netstat", "/nonexistent/netstat.txt"])
        #expect(missing.status == 2 && missing.stderr == "twadvise: error: cannot read /nonexistent/netstat.txt: no such file\n")
        let mixed = try CLIRunner.run(["diagnose", "--facts", tree.path("x.json"), "--ss", tree.path("ss.txt")])
        #expect(mixed.status == 2)
    }
}

@Suite("unprivileged reads")
struct UnprivilegedTests {
    @Test("without CAP_SYS_ADMIN, diagnose says once, in the report and on stderr, that other namespaces were not read",
          .enabled(if: CLIRunner.unprivilegedWrapper != nil, "needs root and setpriv to run as nobody"))
    func namespacesNotEntered() throws {
        let result = try CLIRunner.run(["diagnose"], wrapper: CLIRunner.unprivilegedWrapper!)
        #expect(result.status == 0, "\(result.stderr)")
        let notice = "other network namespaces were not read: entering them needs root or CAP_SYS_ADMIN"
        #expect(result.stderr.components(separatedBy: notice).count == 2, "\(result.stderr)")
        // In the report, before any verdict text a person could take for the whole host's.
        let report = result.stdout.replacingOccurrences(of: "\\_", with: "_")
        let covered = try #require(report.range(of: "**Not covered:** " + notice))
        #expect(covered.lowerBound < (report.range(of: "No rule fired")?.lowerBound ?? report.endIndex))
        #expect(!result.stdout.contains("network namespaces on"), "no table of namespaces when only one was read")
    }

    @Test("a file nobody may read gives 'permission denied' for that file and an unknown fact",
          .enabled(if: CLIRunner.unprivilegedWrapper != nil, "needs root and setpriv to run as nobody"))
    func permissionDenied() throws {
        let tree = try TemporaryTree(HostTrees.modernSysctls)
        tree.makeWorldReadable()
        tree.chmod("proc/net/sockstat", 0)
        let result = try CLIRunner.run(["snapshot", "--root", tree.root], wrapper: CLIRunner.unprivilegedWrapper!)
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: result.stdoutBytes) as? [String: Any])
        #expect(object["sockstat"] == nil)
        let warnings = try #require(object["warnings"] as? [[String: Any]])
        #expect(warnings.contains { $0["path"] as? String == "proc/net/sockstat" && $0["message"] as? String == "permission denied" })
    }
}

@Suite("snapshot of every namespace", .serialized)
struct NamespaceSnapshotTests {
    @Test("snapshot nests the other namespaces one level deep, and --facts gives them back as separate diagnoses",
          .enabled(if: TestNamespace.available, "\(TestNamespace.skipReason)"))
    func nestedNamespaces() throws {
        try TestNamespace.with("twa-snap") { name in try nested(name) }
    }

    private func nested(_ name: String) throws {
        let result = try CLIRunner.run(["snapshot"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: result.stdoutBytes) as? [String: Any])
        let nested = try #require(object["namespaces"] as? [[String: Any]])
        let labels = nested.compactMap { ($0["origin"] as? [String: Any])?["namespace"] as? String }
        #expect(labels.contains("netns \(name)"), "\(labels)")
        #expect(nested.allSatisfy { $0["namespaces"] == nil })
        let file = try TemporaryTree(["snapshot.json": result.stdout])
        let report = try CLIRunner.run(["diagnose", "--facts", file.root + "/snapshot.json"])
        #expect(report.status == 0, "\(report.stderr)")
        #expect(report.stdout.hasPrefix("# TWAdvise: \(nested.count + 1) network namespaces on"))
        #expect(report.stdout.contains("| netns \(name) |"))
    }

    @Test("run inside `ip netns exec NAME`, the host is PID 1's namespace and NAME is named: its runbook writes no host /etc",
          .enabled(if: TestNamespace.available && NetworkNamespaces.initialInode() != nil, "\(TestNamespace.skipReason), and /proc/1 or kthreadd's namespace readable"))
    func insideIpNetnsExec() throws {
        try TestNamespace.with("twa-inside") { name in
            try TestNamespace.ip(["netns", "exec", name, "sysctl", "-qw", "net.ipv4.ip_local_port_range=40000 40999"])
            let result = try CLIRunner.process(TestNamespace.ip!, ["netns", "exec", name, CLIRunner.executable, "diagnose", "--format", "markdown"])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.hasPrefix("# TWAdvise: "), "\(result.stdout.prefix(200))")
            let rows = result.stdout.split(separator: "\n").filter { $0.hasPrefix("| host |") || $0.hasPrefix("| netns \(name) |") }
            #expect(rows.count == 2 && rows[0].hasPrefix("| host |"), "\(rows)")
            let own = try #require(result.stdout.range(of: "# TWAdvise runbook for ").flatMap { first in
                result.stdout.range(of: ", network namespace \(name)\n", range: first.upperBound..<result.stdout.endIndex)
            }, "a runbook of its own for \(name)")
            let runbook = result.stdout[own.upperBound...]
            #expect(runbook.contains("`ip netns exec \(name) bash`"))
            #expect(runbook.contains("twadvise ran inside netns \(name), not in the host's network namespace: the host's is read as"))
            #expect(!runbook.contains("cat > /etc/sysctl.d/"), "a namespace's runbook writes no host drop-in")

            // Without a capability the host's namespace cannot be read, but the own one is still not the host.
            let bare = ["/usr/bin/setpriv", "--inh-caps=-all", "--bounding-set=-all"]
            if FileManager.default.isExecutableFile(atPath: bare[0]) {
                let alone = try CLIRunner.process(TestNamespace.ip!, ["netns", "exec", name] + bare + [CLIRunner.executable, "diagnose", "--format", "markdown"])
                #expect(alone.status == 0, "\(alone.stderr)")
                #expect(alone.stdout.hasPrefix("# TWAdvise runbook for ") && alone.stdout.contains(", network namespace \(name)\n"), "\(alone.stdout.prefix(300))")
                #expect(alone.stdout.contains("twadvise ran inside netns \(name), not in the host's network namespace: the host's was not read"))
                #expect(!alone.stdout.contains("cat > /etc/sysctl.d/"))
            }
            // --namespace host is the host's, not the one twadvise runs in; --namespace NAME is this one, named.
            let host = try CLIRunner.process(TestNamespace.ip!, ["netns", "exec", name, CLIRunner.executable, "diagnose", "--namespace", "host", "--format", "json"])
            let hostReport = try #require(try JSONSerialization.jsonObject(with: Data(host.stdout.utf8)) as? [String: Any], "\(host.stderr)")
            #expect((hostReport["source"] as? String) == "live host")
            let named = try CLIRunner.process(TestNamespace.ip!, ["netns", "exec", name, CLIRunner.executable, "diagnose", "--namespace", name, "--format", "json"])
            let namedReport = try #require(try JSONSerialization.jsonObject(with: Data(named.stdout.utf8)) as? [String: Any], "\(named.stderr)")
            #expect((namedReport["source"] as? String) == "live host, network namespace \(name)")
        }
    }

    @Test("watch reads every namespace: the own one in full, each other with sockets one line; --host-namespace only the own",
          .enabled(if: TestNamespace.available, "\(TestNamespace.skipReason)"))
    func watchEveryNamespace() throws {
        try TestNamespace.with("twa-watch") { name in try watchEvery(name) }
    }

    private func watchEvery(_ name: String) throws {
        let script = "import socket\ns=socket.socket();s.bind(('127.0.0.1',0));s.listen(256);p=s.getsockname()[1]\nfor i in range(120):\n c=socket.create_connection(('127.0.0.1',p));a,_=s.accept();c.close();a.recv(1);a.close()\n"
        try TestNamespace.ip(["netns", "exec", name, "python3", "-c", script])
        let result = try CLIRunner.run(["watch", "--once", "--top", "50"])
        #expect(result.status == 0, "\(result.stderr)")
        let line = try #require(result.stdout.split(separator: "\n").first { $0.contains("netns \(name)") }, "\(result.stdout)")
        #expect(line.hasPrefix("    ok  netns \(name)  TIME_WAIT 120  127.0.0.1 → 127.0.0.1:"), "\(line)")
        #expect(result.stdout.contains(" other network namespace"))
        let own = try CLIRunner.run(["watch", "--once", "--host-namespace"])
        #expect(own.status == 0 && !own.stdout.contains("netns \(name)") && !own.stdout.contains("other network namespace"))
    }

    @Test("a snapshot whose namespaces nest deeper is refused with the JSON path")
    func nestedTwiceRefused() throws {
        let tree = try TemporaryTree(HostTrees.modernSysctls)
        let plain = try CLIRunner.run(["snapshot", "--root", tree.root])
        var host = try #require(try JSONSerialization.jsonObject(with: plain.stdoutBytes) as? [String: Any])
        var inner = host
        inner["namespaces"] = [host]
        host["namespaces"] = [inner]
        let text = String(decoding: try JSONSerialization.data(withJSONObject: host), as: UTF8.self)
        let file = try TemporaryTree(["s.json": text])
        let result = try CLIRunner.run(["diagnose", "--facts", file.root + "/s.json"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("namespaces[0].namespaces: namespaces nest one level only"), "\(result.stderr)")
    }

    @Test("in a network namespace of the test's own, with no other socket: the TIME_WAIT count is sockstat's exactly",
          .enabled(if: geteuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare"), "needs root and unshare"))
    func liveCountAgreesWithSockstat() throws {
        let burst = "import socket\ns=socket.socket();s.bind(('127.0.0.1',0));s.listen(256);p=s.getsockname()[1]\nfor i in range(300):\n c=socket.create_connection(('127.0.0.1',p));a,_=s.accept();c.close();a.recv(1);a.close()\n"
        var wrappers: [[String]] = [[]]
        if let unprivileged = CLIRunner.unprivilegedWrapper { wrappers.append(unprivileged) }
        for wrapper in wrappers {
            let run = (wrapper + [CLIRunner.executable, "snapshot", "--host-namespace"]).map { "'\($0)'" }.joined(separator: " ")
            let script = "ip link set lo up && python3 -c \"\(burst)\" && grep '^TCP:' /proc/net/sockstat && \(run) && grep '^TCP:' /proc/net/sockstat"
            let result = try CLIRunner.process("/usr/bin/unshare", ["-n", "sh", "-c", script])
            #expect(result.status == 0, "\(wrapper): \(result.stderr)")
            let lines = result.stdout.split(separator: "\n")
            let counts = lines.filter { $0.hasPrefix("TCP:") }.compactMap { line -> Int? in
                let words = line.split(separator: " ")
                return words.firstIndex(of: "tw").flatMap { Int(words[$0 + 1]) }
            }
            try #require(counts.count == 2, "\(result.stdout.prefix(300))")
            let json = lines.filter { !$0.hasPrefix("TCP:") }.joined(separator: "\n")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            let tw = try #require((object["sockets"] as? [String: Any])?["timeWait"] as? Int)
            #expect(counts[0] >= 280 && counts[0] == counts[1], "\(wrapper): sockstat \(counts)")
            #expect(tw == counts[0], "\(wrapper): table \(tw) vs sockstat \(counts)")
        }
    }
}
