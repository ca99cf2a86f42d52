/// Captured trees for the end-to-end scenarios, built in the tests (never checked in as big files).
public enum Scenario: String, CaseIterable, Sendable {
    /// CentOS 7, tcp_tw_recycle = 1, clients behind NAT being dropped (PAWSPassive > 0).
    case centos7Recycle = "centos7-recycle"
    /// A client exhausting ephemeral ports toward one upstream (97% of R).
    case clientExhaustion = "client-exhaustion"
    /// 30,000 TIME_WAIT spread over 1,000 upstreams: the count heuristic fires, exhaustion must not.
    case spreadTimeWait = "spread-timewait"
    /// A server that closes first: TIME_WAIT on its listening port.
    case serverClosesFirst = "server-closes-first"
    /// The article's advice applied to a modern kernel.
    case articleOnModernKernel = "article-on-modern-kernel"
    /// A conntrack table near full.
    case conntrackNearFull = "conntrack-near-full"
    /// A healthy host: nothing above info.
    case healthy
    /// A client pressing five upstreams at once (71% to 96% of R): one rule, five subjects.
    case fiveDestinations = "five-destinations"

    /// The files of the tree.
    public var files: [String: String] {
        var files = HostTrees.modernSysctls
        var tcp: [String] = []
        var slot = 0
        func add(_ local: (String, Int), _ remote: (String, Int), _ state: UInt8) {
            tcp.append(ProcNetTCPLine.ipv4(slot: slot, local: local, remote: remote, state: state))
            slot += 1
        }
        func sockstat(tw: Int, inuse: Int = 10, orphan: Int = 0) -> String {
            "sockets: used \(inuse + 20)\nTCP: inuse \(inuse) orphan \(orphan) tw \(tw) alloc \(inuse + 2) mem 3\nUDP: inuse 2 mem 1\n"
        }
        switch self {
        case .centos7Recycle:
            files["proc/sys/kernel/hostname"] = "legacy-lb-1\n"
            files["proc/sys/kernel/osrelease"] = "3.10.0-1160.el7.x86_64\n"
            files["proc/sys/net/ipv4/tcp_tw_recycle"] = "1\n"
            files["proc/sys/net/ipv4/tcp_tw_reuse"] = "1\n"
            files["proc/sys/net/ipv4/ip_local_port_range"] = "32768\t61000\n"
            for key in ["tcp_tw_reuse_delay", "tcp_ehash_entries", "ip_unprivileged_port_start"] {
                files["proc/sys/net/ipv4/\(key)"] = nil
            }
            files["etc/sysctl.conf"] = "net.ipv4.tcp_tw_recycle = 1\nnet.ipv4.tcp_tw_reuse = 1\n"
            files["proc/net/netstat"] = "TcpExt: TW TWRecycled TWKilled PAWSPassive PAWSActive PAWSEstab TCPTimeWaitOverflow TCPAbortOnData\nTcpExt: 8387793 2486 0 420 0 17 0 31\n"
            add(("0.0.0.0", 443), ("0.0.0.0", 0), 0x0A)
            for i in 0..<40 { add(("10.20.0.5", 443), ("198.51.100.\(7 + i % 3)", 40000 + i), 0x01) }
            for i in 0..<300 { add(("10.20.0.5", 443), ("198.51.100.\(7 + i % 3)", 50000 + i), 0x06) }
            files["proc/net/sockstat"] = sockstat(tw: 300, inuse: 41)
        case .clientExhaustion:
            files["proc/sys/kernel/hostname"] = "api-client-7\n"
            add(("127.0.0.1", 8125), ("0.0.0.0", 0), 0x0A)
            for i in 0..<27_300 { add(("10.0.0.5", 32768 + i), ("10.0.0.9", 443), 0x06) }
            for i in 0..<100 { add(("10.0.0.5", 60100 + i), ("10.0.0.9", 443), 0x01) }
            for i in 0..<20 { add(("10.0.0.5", 60300 + i), ("10.0.0.10", 5432), 0x01) }
            files["proc/net/sockstat"] = sockstat(tw: 27_300, inuse: 121)
            files["proc/net/netstat"] = "TcpExt: TW TWRecycled TWKilled PAWSActive PAWSEstab TCPTimeWaitOverflow TCPAbortOnData\nTcpExt: 9120331 0 0 0 0 0 12\n"
        case .spreadTimeWait:
            files["proc/sys/kernel/hostname"] = "crawler-3\n"
            for u in 0..<1000 {
                for j in 0..<30 { add(("10.0.0.5", 32768 + j * 900 + u % 900), ("10.1.\(u / 250).\(u % 250 + 1)", 443), 0x06) }
            }
            files["proc/net/sockstat"] = sockstat(tw: 30_000)
        case .serverClosesFirst:
            files["proc/sys/kernel/hostname"] = "web-frontend-2\n"
            add(("0.0.0.0", 80), ("0.0.0.0", 0), 0x0A)
            for i in 0..<12_000 { add(("10.0.0.5", 80), ("10.9.\(i / 60000).\(1 + (i / 250) % 250)", 40000 + i % 20000), 0x06) }
            for i in 0..<30 { add(("10.0.0.5", 80), ("10.9.1.\(i + 1)", 33000 + i), 0x01) }
            files["proc/net/sockstat"] = sockstat(tw: 12_000, inuse: 31)
        case .articleOnModernKernel:
            files["proc/sys/kernel/hostname"] = "app-server-4\n"
            files["proc/sys/net/ipv4/ip_local_port_range"] = "1024\t65535\n"
            files["proc/sys/net/ipv4/tcp_fin_timeout"] = "30\n"
            files["proc/sys/net/ipv4/tcp_tw_reuse"] = "1\n"
            files["proc/sys/fs/file-max"] = "2466170\n"
            files["etc/sysctl.conf"] = """
                # Appended by the TIME_WAIT article
                net.ipv4.tcp_tw_reuse = 1
                net.ipv4.tcp_tw_recycle = 1
                net.ipv4.tcp_timestamps = 1
                net.ipv4.tcp_fin_timeout = 30
                net.ipv4.ip_local_port_range = 1024 65535
                fs.file-max = 655350

                """
            add(("0.0.0.0", 8080), ("0.0.0.0", 0), 0x0A)
            add(("0.0.0.0", 3306), ("0.0.0.0", 0), 0x0A)
            add(("0.0.0.0", 22), ("0.0.0.0", 0), 0x0A)
            for i in 0..<200 { add(("10.0.0.5", 20000 + i), ("10.0.0.30", 6379), 0x06) }
            for i in 0..<10 { add(("10.0.0.5", 8080), ("10.0.3.\(i + 1)", 41000 + i), 0x01) }
            files["proc/net/sockstat"] = sockstat(tw: 200, inuse: 13)
        case .conntrackNearFull:
            files["proc/sys/kernel/hostname"] = "k8s-node-12\n"
            files["proc/sys/net/netfilter/nf_conntrack_count"] = "251000\n"
            files["proc/sys/net/netfilter/nf_conntrack_max"] = "262144\n"
            files["proc/sys/net/netfilter/nf_conntrack_tcp_timeout_time_wait"] = "120\n"
            files["proc/net/stat/nf_conntrack"] = "entries  searched found new invalid ignore delete delete_list insert insert_failed drop early_drop icmp_error  expect_new expect_create expect_delete search_restart\n0003d478  00000000 00000000 00000000 00000010 00000000 00000000 00000000 00000000 00000000 0000002a 00000000 00000000  00000000 00000000 00000000 00000000\n"
            add(("0.0.0.0", 10250), ("0.0.0.0", 0), 0x0A)
            for i in 0..<50 { add(("10.0.0.5", 10250), ("10.0.0.\(i + 1)", 45000 + i), 0x01) }
            files["proc/net/sockstat"] = sockstat(tw: 0, inuse: 51)
        case .fiveDestinations:
            files["proc/sys/kernel/hostname"] = "checkout-api-3\n"
            let upstreams: [(String, Int, Int)] = [
                ("10.0.0.9", 443, 27_000), ("10.0.0.11", 443, 25_500), ("10.0.0.12", 8443, 24_000),
                ("10.0.0.13", 443, 22_500), ("10.0.0.14", 9200, 20_000),
            ]
            add(("0.0.0.0", 8080), ("0.0.0.0", 0), 0x0A)
            for (host, port, timeWait) in upstreams {
                for i in 0..<timeWait { add(("10.0.0.5", 32768 + i), (host, port), 0x06) }
                for i in 0..<40 { add(("10.0.0.5", 60500 + i), (host, port), 0x01) }
            }
            files["proc/net/sockstat"] = sockstat(tw: 119_000, inuse: 201)
            files["proc/net/netstat"] = "TcpExt: TW TWRecycled TWKilled PAWSActive PAWSEstab TCPTimeWaitOverflow TCPAbortOnData\nTcpExt: 31120331 0 0 0 0 0 0\n"
        case .healthy:
            files["proc/sys/kernel/hostname"] = "quiet-host\n"
            add(("0.0.0.0", 22), ("0.0.0.0", 0), 0x0A)
            add(("10.0.0.5", 22), ("10.0.0.1", 51000), 0x01)
            for i in 0..<12 { add(("10.0.0.5", 40000 + i), ("10.0.0.30", 443), 0x06) }
            files["proc/net/sockstat"] = sockstat(tw: 12, inuse: 2)
        }
        if !tcp.isEmpty {
            files["proc/net/tcp"] = (files["proc/net/tcp"] ?? "") + tcp.joined(separator: "\n") + "\n"
        }
        return files
    }

    /// Builds the tree in a temporary directory.
    public func tree() throws -> TemporaryTree { try TemporaryTree(files) }
}
