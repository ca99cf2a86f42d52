import Foundation
import Testing
@testable import TWAdviseFacts
import TWAdviseTestSupport

/// Captured command output: ss, netstat, sysctl -a and nstat, on the peers' captures and on bad input.
@Suite("Command output", .enabled(if: PeerFixtures.available, Comment(rawValue: PeerFixtures.skipReason)))
struct CommandOutputTests {
    func table(_ files: [String]) throws -> (SocketTable, [FactWarning], Int) {
        var aggregator = SocketAggregator(ephemeralRange: .kernelDefault)
        var warnings: [FactWarning] = []
        var rows = 0
        for file in files {
            var parser = SocketTextParser(path: file)
            parser.parse(try PeerFixtures.bytes(file), into: &aggregator)
            warnings += parser.warnings
            rows += parser.tcpRows
        }
        let (t, more) = aggregator.finish(sources: files, readIPv4: true, readIPv6: true, malformedLines: 0, topDestinations: 50)
        return (t, warnings + more, rows)
    }

    @Test("netstat: per-family counts as Datadog asserts them (tcp6 rows by the Proto column)")
    func datadogNetstat() throws {
        let file = "datadog-integrations-core/network/tests/fixtures/netstat"
        let (t, warnings, _) = try table([file])
        #expect(warnings.isEmpty)
        let e = try #require(try PeerFixtures.expected()[file])
        for (family, counts) in [("tcp4", t.ipv4!), ("tcp6", t.ipv6!)] {
            #expect(Int64(counts[.established]) == e["\(family).established"]?.number)
            #expect(Int64(counts[.synSent] + counts[.synRecv]) == e["\(family).opening"]?.number)
            #expect(Int64(counts[.closing]) == e["\(family).closing"]?.number)
            #expect(Int64(counts[.listen]) == e["\(family).listening"]?.number)
            #expect(Int64(counts[.timeWait]) == e["\(family).time_wait"]?.number)
        }
    }

    @Test("ss with and without the Netid column: state counts the collector read", arguments: [
        "datadog-integrations-core/network/tests/fixtures/ss_ipv4_tcp", "datadog-integrations-core/network/tests/fixtures/ss_ipv6_tcp",
        "insights-core/ss_-tupna/SS_TUPNA_2.txt", "insights-core/ss_-tupna/SS_TUPNA_DOCS.txt",
    ])
    func ssStates(file: String) throws {
        let (t, warnings, _) = try table([file])
        #expect(warnings.isEmpty, "\(warnings)")
        let observed = try #require(try PeerFixtures.observed()[file])
        for (field, value) in observed where field.hasPrefix("state_counts.") || field.hasPrefix("tcp.") {
            let name = String(field.split(separator: ".")[1])
            let state = try #require(TCPState(name: name))
            #expect(Int64(t.all[state]) == value.number, "\(file) \(field)")
        }
    }

    @Test("ss: the TIME-WAIT rows become per-destination load")
    func ssDestinations() throws {
        let (t, _, _) = try table(["insights-core/ss_-tupna/SS_TUPNA_2.txt"])
        let cups = try #require(t.destinations.first { $0.remotePort == 631 })
        #expect(cups.label == "10.67.116.74 → 10.75.5.17:631" && cups.timeWait == 2)
        let (v6, _, _) = try table(["datadog-integrations-core/network/tests/fixtures/ss_ipv6_tcp"])
        let loop = try #require(v6.destinations.first { $0.remotePort == 17123 })
        #expect(loop.remoteAddress.description == "::1" && loop.timeWait == 1 && loop.other == 1)
    }

    @Test("ss -p: the users: column names the processes of a destination's live sockets; a listener's queues")
    func ssUsers() throws {
        let (t, warnings, _) = try table(["insights-core/ss_-tupna/SS_TUPNA_2.txt"])
        #expect(warnings.isEmpty)
        #expect(t.ownerLookup == .captured)
        let firefox = try #require(t.destinations.first { $0.remoteAddress.description == "104.74.50.85" })
        #expect(firefox.owners == [SocketOwner(pid: 12645, command: "firefox", sockets: 1)])
        // TIME_WAIT has no owner, and ss prints no users: for it.
        let cups = try #require(t.destinations.first { $0.remotePort == 631 })
        #expect(cups.owners == [])
    }

    @Test("ss -p: a server's CLOSE_WAIT on its listening port names the server, from the listener's users: column")
    func serverCloseWaitOwner() throws {
        var lines = ["State Recv-Q Send-Q Local Address:Port Peer Address:Port Process",
                     #"LISTEN 0 4096 0.0.0.0:8080 0.0.0.0:* users:(("api-server",pid=4711,fd=7))"#]
        for i in 0..<30 {
            lines.append(#"CLOSE-WAIT 0 0 10.0.0.5:8080 10.9.0.\#(i + 1):5\#(1000 + i) users:(("api-server",pid=4711,fd=\#(20 + i)))"#)
        }
        let tree = try TemporaryTree(["ss.txt": lines.joined(separator: "\n") + "\n"])
        let snapshot = SnapshotReader(options: .init(captured: CapturedOutputs(socketTables: [tree.path("ss.txt")]), readRoot: false)).read()
        let listener = try #require(snapshot.sockets?.listeners.first { $0.port == 8080 })
        #expect(listener.closeWait == 30)
        #expect(listener.owner?.pid == 4711 && listener.owner?.command == "api-server")
        let group = try #require(snapshot.sockets?.closeWaitGroups.first { $0.isListener })
        #expect(group.owner?.description == "api-server (pid 4711)")
    }

    @Test("ss -p users: both formats, several processes, bounded; garbage gives none")
    func usersColumn() {
        func users(_ line: String) -> [String] {
            var bytes = Array(line.utf8)
            return bytes.withUnsafeMutableBufferPointer { b in
                SocketTextParser.users(in: UnsafeBufferPointer(b)).map { "\($0.command):\($0.pid)" }
            }
        }
        #expect(users(#"tcp ESTAB 0 0 1.2.3.4:5 6.7.8.9:443 users:(("nginx",pid=812,fd=33),("nginx",pid=813,fd=33))"#) == ["nginx:812", "nginx:813"])
        #expect(users(#"tcp UNCONN 0 0 *:68 *:* users:(("dhclient",1171,6))"#) == ["dhclient:1171"])
        #expect(users(#"tcp ESTAB 0 0 1.2.3.4:5 6.7.8.9:443 users:(("a b",pid=7,fd=1))"#) == ["a b:7"])
        #expect(users("tcp ESTAB 0 0 1.2.3.4:5 6.7.8.9:443") == [])
        #expect(users(#"users:(("x",pid=0,fd=1),("y",pid=-3,fd=1),("z",pid=99999999999,fd=1),(garbage"#) == [])
        let many = "users:(" + (1...40).map { "(\"p\",pid=\($0),fd=1)" }.joined(separator: ",") + ")"
        #expect(users(many).count == 16)
    }

    @Test("ss -p users: a process name with quotes and parentheses cannot inject a PID (entries read from the right)")
    func usersInjection() {
        func users(_ line: String) -> [String] {
            var bytes = Array(line.utf8)
            return bytes.withUnsafeMutableBufferPointer { b in
                SocketTextParser.users(in: UnsafeBufferPointer(b)).map { "\($0.command):\($0.pid)" }
            }
        }
        let row = "tcp ESTAB 0 0 10.0.0.5:40000 10.0.0.9:443 "
        // A 15-byte comm set with prctl(PR_SET_NAME): ss prints it unescaped.
        #expect(users(row + #"users:(("sshd",pid=1",pid=812,fd=33))"#) == [#"sshd",pid=1:812"#])
        #expect(users(row + #"users:(("a",pid=1,fd=1)",pid=812,fd=3)) uid:1000 ino:4242 sk:1"#) == [#"a",pid=1,fd=1):812"#])
        #expect(users(row + #"users:(("x))",pid=77,fd=3),("nginx",pid=813,fd=4))"#) == [#"x)):77"#, "nginx:813"])
        // A name that is itself an entry's ending and separator leaves no owner rather than a false one.
        #expect(!users(row + #"users:(("",pid=1,fd=1),(",pid=812,fd=3))"#).contains { $0.hasSuffix(":1") })
    }

    @Test("ss -p with many distinct PIDs per row: at most 8 processes counted per destination, the rest counted apart")
    func ownersBounded() throws {
        var lines = ["State Recv-Q Send-Q Local Address:Port Peer Address:Port Process"]
        for i in 0..<2000 {
            let entries = (0..<16).map { "(\"w\",pid=\(1000 + (i * 16 + $0) % 5000),fd=\($0 + 3))" }.joined(separator: ",")
            lines.append("ESTAB 0 0 10.0.0.5:\(40000 + i % 20000) 10.0.0.9:443 users:(\(entries))")
        }
        let tree = try TemporaryTree(["ss.txt": lines.joined(separator: "\n") + "\n"])
        var options = SnapshotReader.Options(captured: CapturedOutputs(socketTables: [tree.path("ss.txt")]), readRoot: false)
        options.topDestinations = 5
        let snapshot = SnapshotReader(options: options).read()
        let destination = try #require(snapshot.sockets?.destinations.first)
        #expect(destination.established == 2000)
        #expect((destination.owners?.count ?? 0) == 3)
        // 2000 rows x 16 entries: 8 processes counted, every other process's sockets counted apart.
        let counted = try #require(snapshot.warnings.first { $0.message.contains("processes were not counted") })
        // PIDs 1000-1007 come first and appear 7 times each in the 32,000 entries: 56 counted, 31,944 not.
        #expect(counted.message == "31944 live sockets' processes were not counted: their destination already counts 8 processes")
    }

    @Test("netstat -neopa: rows with programs and timers; the malformed captures the peer rejects give warnings and no table")
    func netstatNeopa() throws {
        let (t, warnings, rows) = try table(["insights-core/netstat_-neopa/NETSTAT.txt"])
        #expect(warnings.isEmpty && rows == 6)
        #expect(t.all[.listen] == 4 && t.all[.established] == 1 && t.all[.synRecv] == 1)
        for file in ["insights-core/netstat_-neopa/NETSTAT_CONTENT_BUT_NO_LOCAL_ADDR_COLON.malformed.txt",
                     "insights-core/netstat_-neopa/NETSTAT_TRUNCATED.malformed.txt"] {
            #expect(try PeerFixtures.expected()[file]?["parse_error"] == .bool(true))
            let (_, w, r) = try table([file])
            #expect(r == 0 && !w.isEmpty && w.allSatisfy { $0.path == file }, "\(file): \(w)")
        }
    }

    @Test("endpoints: every address form ss and netstat print")
    func endpoints() {
        let cases: [(String, String, UInt16)] = [
            ("10.0.0.1:443", "10.0.0.1", 443), ("[::1]:8080", "::1", 8080), ("::1:35048", "::1", 35048), (":::22", "::", 22),
            ("*:22", "0.0.0.0", 22), ("*:*", "0.0.0.0", 0), ("0.0.0.0%virbr0:67", "0.0.0.0", 67), ("[fe80::1%eth0]:22", "fe80::1", 22),
            ("::ffff:127.0.0.1:2181", "::ffff:127.0.0.1", 2181), ("[::ffff:10.0.0.1]:443", "::ffff:10.0.0.1", 443),
        ]
        for (text, address, port) in cases {
            let e = SocketTextParser.endpoint(text)
            #expect(e?.address.description == address && e?.port == port, "\(text)")
        }
        for bad in ["10.0.0.1", "10.0.0.1:99999", "garbage:1", ":", "1.2.3.4:x"] { #expect(SocketTextParser.endpoint(bad) == nil, "\(bad)") }
    }
}

struct CapturedOutputTests {
    @Test("sysctl -a and nstat captures give sysctls, host and counters; garbage gives warnings with lines")
    func sysctlAndNstat() throws {
        var lines = ["kernel.hostname = db-7", "kernel.osrelease = 3.10.0-1160.el7.x86_64", "net.ipv4.ip_local_port_range = 32768\t61000",
                     "net.ipv4.tcp_tw_recycle = 1", "net.ipv4.tcp_tw_reuse = 1", "sysctl: permission denied on key 'fs.protected_regular'",
                     "net.ipv4.tcp_fin_timeout = 99999999999999999999", "not a sysctl line"]
        for i in 0..<120 { lines.append("dev.filler.k\(i) = \(i)") }
        let tree = try TemporaryTree([
            "sysctl.txt": lines.joined(separator: "\n") + "\n",
            "nstat.txt": "#kernel\nTcpExtTW                        8387793            0.0\nTcpExtPAWSPassive 420 0.0\nTcpActiveOpens 1648 0.0\nIpExtInOctets 865450302 0.0\nbroken\n",
        ])
        let options = SnapshotReader.Options(captured: CapturedOutputs(sysctl: tree.path("sysctl.txt"), nstat: tree.path("nstat.txt")), readRoot: false)
        let snapshot = SnapshotReader(options: options).read()
        #expect(snapshot.origin.kind == .captured)
        #expect(snapshot.host.hostname == "db-7")
        #expect(snapshot.host.kernel == KernelVersion(major: 3, minor: 10, patch: 0))
        #expect(snapshot.sysctls.tcpTwRecycle == 1 && snapshot.sysctls.ipLocalPortRange?.count == 28233)
        #expect(snapshot.sysctls.tcpFinTimeout == nil)
        #expect(snapshot.sysctls.absent.contains("net.ipv4.tcp_tw_reuse_delay"))  // a full sysctl -a does not list it
        #expect(snapshot.counters["TcpExt", "TW"] == 8387793 && snapshot.counters["TcpExt", "PAWSPassive"] == 420)
        #expect(snapshot.counters["Tcp", "ActiveOpens"] == 1648 && snapshot.counters["IpExt", "InOctets"] == 865450302)
        let lineWarnings = snapshot.warnings.compactMap { w in w.line.map { "\(w.path.hasSuffix("nstat.txt") ? "nstat" : "sysctl"):\($0)" } }
        #expect(lineWarnings.sorted() == ["nstat:6", "sysctl:6", "sysctl:7", "sysctl:8"])
        #expect(snapshot.sockets == nil && snapshot.warnings.allSatisfy { !$0.path.hasPrefix("proc/") })  // nothing of the live host
    }

    @Test("captured ss output combined with a captured tree replaces the tree's socket table")
    func combinedWithRoot() throws {
        let tree = try TemporaryTree(HostTrees.modernSysctls.merging([
            "ss.txt": "State      Recv-Q Send-Q Local Address:Port  Peer Address:Port\nTIME-WAIT  0 0 10.0.0.5:40000 10.0.0.9:443\nTIME-WAIT 0 0 10.0.0.5:40001 10.0.0.9:443\n",
        ]) { a, _ in a })
        let options = SnapshotReader.Options(captured: CapturedOutputs(socketTables: [tree.path("ss.txt")]))
        let snapshot = SnapshotReader(source: FactSource(root: tree.root), options: options).read()
        #expect(snapshot.sockets?.sources == [tree.path("ss.txt")])
        #expect(snapshot.sockets?.outboundTimeWait == 2 && snapshot.sockets?.destinations.first?.timeWait == 2)
        #expect(snapshot.host.hostname == "web-1")
        #expect(snapshot.origin.description.hasSuffix("with captured command output \(tree.path("ss.txt"))"))
    }
}

@Suite("netstat -s", .enabled(if: PeerFixtures.available, Comment(rawValue: PeerFixtures.skipReason)))
struct NetstatStatisticsTests {
    @Test("phrases and Name: value lines as insights-core asserts them")
    func netstatS() throws {
        let file = "insights-core/netstat_-s/NETSTAT_S.txt"
        var warnings: [FactWarning] = []
        let c = NetstatStatisticsParser.parse(try PeerFixtures.bytes(file), path: file, warnings: &warnings)
        let e = try #require(try PeerFixtures.expected()[file])
        #expect(c["Tcp", "ActiveOpens"] == e["Tcp.active_connections_openings"]?.number)
        #expect(c["Tcp", "PassiveOpens"] == e["Tcp.passive_connection_openings"]?.number)
        #expect(c["Tcp", "AttemptFails"] == e["Tcp.failed_connection_attempts"]?.number)
        #expect(c["Tcp", "CurrEstab"] == e["Tcp.connections_established"]?.number)
        #expect(c["Tcp", "EstabResets"] == e["Tcp.connection_resets_received"]?.number)
        #expect(c["TcpExt", "TW"] == e["TcpExt.tcp_sockets_finished_time_wait_in_fast_timer"]?.number)
        #expect(c["TcpExt", "TCPAbortOnData"] == e["TcpExt.connections_reset_due_to_unexpected_data"]?.number)
        #expect(c["TcpExt", "TCPDeferAcceptDrop"] == e["TcpExt.TCPDeferAcceptDrop"]?.number)
        #expect(c["IpExt", "InOctets"] == e["IpExt.InOctets"]?.number)
        #expect(warnings.isEmpty, "\(warnings)")
    }

    @Test("an error line and garbage: a warning with its line, and no TCP counter invented")
    func garbage() throws {
        let file = "insights-core/netstat_-s/NETSTAT_S_W.with_error_and_garbage.txt"
        var warnings: [FactWarning] = []
        let c = NetstatStatisticsParser.parse(try PeerFixtures.bytes(file), path: file, warnings: &warnings)
        #expect(c.sections["Tcp"] == nil && c.sections["TcpExt"] == nil)
        #expect(warnings.first?.line == 1)
    }
}

struct CapturedTreeSafetyTests {
    @Test("a symbolic link out of a captured tree is not followed; the fact is unknown with a warning")
    func symlinkOutOfTree() throws {
        let tree = try TemporaryTree(HostTrees.modernSysctls)
        try FileManager.default.removeItem(atPath: tree.path("proc/sys/kernel/hostname"))
        try tree.symlink("proc/sys/kernel/hostname", to: "/etc/hostname")
        try FileManager.default.removeItem(atPath: tree.path("proc/net/tcp"))
        try tree.symlink("proc/net/tcp", to: "/proc/net/tcp")
        try tree.symlink("proc/sys/net/ipv4/inside", to: "tcp_tw_reuse")
        let snapshot = SnapshotReader(source: FactSource(root: tree.root)).read()
        #expect(snapshot.host.hostname == nil)
        #expect(snapshot.sockets?.ipv4 == nil)
        let outside = snapshot.warnings.filter { $0.message.contains("leads outside the directory read") }.map(\.path)
        #expect(outside.sorted() == ["proc/net/tcp", "proc/sys/kernel/hostname"])
        #expect(snapshot.sysctls.tcpTwReuse == 2)  // links inside the tree are fine
    }
}
