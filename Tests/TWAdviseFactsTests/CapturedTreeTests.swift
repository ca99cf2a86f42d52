import Foundation
import Testing
@testable import TWAdviseFacts
import TWAdviseTestSupport

/// Hand-made captured trees for what the peers' captures do not cover.
struct CapturedTreeTests {
    func read(_ tree: TemporaryTree, top: Int = 100) -> FactsSnapshot {
        SnapshotReader(source: FactSource(root: tree.root), options: .init(topDestinations: top)).read()
    }

    @Test("a modern host: typed sysctls, tcp_tw_recycle absent without a warning, no warnings at all")
    func modernKernel() throws {
        let tree = try TemporaryTree(HostTrees.modernSysctls)
        let snapshot = read(tree)
        #expect(snapshot.warnings.isEmpty, "\(snapshot.warnings)")
        #expect(snapshot.host.hostname == "web-1")
        #expect(snapshot.host.kernel == KernelVersion(major: 6, minor: 18, patch: 44))
        #expect(snapshot.host.kernel?.release == "6.18.44-fc-v782")
        #expect(snapshot.host.uptimeSeconds == 3600.5)
        #expect(snapshot.sysctls.ipLocalPortRange == PortRange(low: 32768, high: 60999))
        #expect(snapshot.sysctls.ipLocalReservedPorts == PortSet())
        #expect(snapshot.sysctls.tcpTwReuse == 2)
        #expect(snapshot.sysctls.tcpTwRecycle == nil)
        #expect(snapshot.sysctls.absent == ["net.ipv4.tcp_tw_recycle", "net.netfilter.nf_conntrack_max",
                                             "net.netfilter.nf_conntrack_tcp_timeout_time_wait"])
        #expect(snapshot.sockets?.timeWait == 0)
        #expect(snapshot.sockets.map { Int64($0.timeWait) } == snapshot.sockstat?["TCP", "tw"])
        #expect(snapshot.collectedAt == nil)
    }

    @Test("a CentOS 7 host: tcp_tw_recycle present and read, PAWSPassive counted")
    func legacyKernel() throws {
        var files = HostTrees.modernSysctls
        files["proc/sys/kernel/osrelease"] = "3.10.0-1160.el7.x86_64\n"
        files["proc/sys/net/ipv4/tcp_tw_recycle"] = "1\n"
        files["proc/sys/net/ipv4/tcp_tw_reuse"] = "1\n"
        files["proc/sys/net/ipv4/ip_local_port_range"] = "32768\t61000\n"
        files["proc/sys/net/ipv4/tcp_tw_reuse_delay"] = nil
        files["proc/sys/net/ipv4/tcp_ehash_entries"] = nil
        files["proc/net/netstat"] = "TcpExt: TW PAWSPassive PAWSActive\nTcpExt: 10 420 0\n"
        let snapshot = read(try TemporaryTree(files))
        #expect(snapshot.warnings.isEmpty, "\(snapshot.warnings)")
        #expect(snapshot.host.kernel == KernelVersion(major: 3, minor: 10, patch: 0))
        #expect(snapshot.host.kernel! < KernelVersion(major: 4, minor: 12))
        #expect(snapshot.sysctls.tcpTwRecycle == 1)
        #expect(snapshot.sysctls.absent.contains("net.ipv4.tcp_tw_reuse_delay"))
        #expect(snapshot.counters["TcpExt", "PAWSPassive"] == 420)
        #expect(snapshot.sysctls.ipLocalPortRange?.count == 28233)
    }

    @Test("reserved ports: ranges and single ports parsed, merged and counted inside the ephemeral range")
    func reservedPorts() throws {
        var files = HostTrees.modernSysctls
        files["proc/sys/net/ipv4/ip_local_port_range"] = "1024\t65535\n"
        files["proc/sys/net/ipv4/ip_local_reserved_ports"] = "8080,9000-9100,9050-9200,22\n"
        let snapshot = read(try TemporaryTree(files))
        let reserved = try #require(snapshot.sysctls.ipLocalReservedPorts)
        #expect(reserved.ranges == [PortRange(low: 22, high: 22), PortRange(low: 8080, high: 8080), PortRange(low: 9000, high: 9200)])
        #expect(reserved.description == "22,8080,9000-9200")
        #expect(reserved.count(in: PortRange(low: 1024, high: 65535)) == 202)
        #expect(snapshot.sysctls.ipLocalPortRange?.count == 64512)
    }

    @Test("persistent config: sysctl.d order by name, earlier directories mask later ones, sysctl.conf last, later wins")
    func persistentPrecedence() throws {
        var files = HostTrees.modernSysctls
        files["usr/lib/sysctl.d/50-default.conf"] = "net.ipv4.tcp_fin_timeout = 60\nnet.ipv4.tcp_tw_reuse = 0\n"
        files["usr/lib/sysctl.d/60-masked.conf"] = "net.ipv4.tcp_timestamps = 0\n"
        files["etc/sysctl.d/60-masked.conf"] = "# the admin's copy masks the vendor's\n"
        files["run/sysctl.d/70-run.conf"] = "net/ipv4/tcp_tw_reuse=1\n"
        files["etc/sysctl.d/99-twadvise.conf"] = "; tuned\n-net.ipv4.tcp_tw_recycle = 1\n  net.ipv4.ip_local_port_range = 1024 65535  \n"
        files["etc/sysctl.conf"] = "net.ipv4.tcp_fin_timeout=30\nthis line is garbage\n"
        let snapshot = read(try TemporaryTree(files))
        let config = snapshot.persistentSysctls
        #expect(config.files == ["usr/lib/sysctl.d/50-default.conf", "etc/sysctl.d/60-masked.conf", "run/sysctl.d/70-run.conf",
                                 "etc/sysctl.d/99-twadvise.conf", "etc/sysctl.conf"])
        let effective = config.effective
        #expect(effective["net.ipv4.tcp_tw_reuse"]?.value == "1")
        #expect(effective["net.ipv4.tcp_tw_reuse"]?.file == "run/sysctl.d/70-run.conf")
        #expect(effective["net.ipv4.tcp_timestamps"] == nil)
        #expect(effective["net.ipv4.tcp_fin_timeout"]?.value == "30")
        #expect(effective["net.ipv4.tcp_fin_timeout"]?.file == "etc/sysctl.conf")
        #expect(effective["net.ipv4.tcp_fin_timeout"]?.line == 1)
        #expect(config.assignments(of: "net.ipv4.tcp_fin_timeout").count == 2)
        let recycle = try #require(effective["net.ipv4.tcp_tw_recycle"])
        #expect(recycle.ignoreErrors && recycle.line == 2 && recycle.file == "etc/sysctl.d/99-twadvise.conf")
        #expect(effective["net.ipv4.ip_local_port_range"]?.value == "1024 65535")
        #expect(snapshot.warnings == [FactWarning(path: "etc/sysctl.conf", line: 2, message: "expected 'key = value', found 'this line is garbage'")])
    }

    @Test("the 99-sysctl.conf link to ../sysctl.conf applies /etc/sysctl.conf once, in its sorted place")
    func sysctlConfSymlink() throws {
        var files = HostTrees.modernSysctls
        files["etc/sysctl.conf"] = "net.ipv4.tcp_tw_reuse = 1\n"
        files["etc/sysctl.d/zz-late.conf"] = "net.ipv4.tcp_tw_reuse = 0\n"
        let tree = try TemporaryTree(files)
        try tree.symlink("etc/sysctl.d/99-sysctl.conf", to: "../sysctl.conf")
        let config = read(tree).persistentSysctls
        #expect(config.files == ["etc/sysctl.conf", "etc/sysctl.d/zz-late.conf"])
        #expect(config.effective["net.ipv4.tcp_tw_reuse"]?.value == "0")
    }

    @Test("IPv6 and IPv4 sockets: per-destination, per-listening-port, v4-mapped and loopback classification")
    func socketsByDestination() throws {
        var files = HostTrees.modernSysctls
        var tcp = [files["proc/net/tcp"]!.trimmingSuffixNewline()]
        tcp.append(ProcNetTCPLine.ipv4(slot: 0, local: ("0.0.0.0", 8080), remote: ("0.0.0.0", 0), state: 0x0A))
        // 3 outbound TIME_WAIT and 1 ESTABLISHED toward 10.0.0.9:443, 1 TIME_WAIT toward 10.0.0.9:80
        for (i, port) in [40000, 40001, 40002].enumerated() {
            tcp.append(ProcNetTCPLine.ipv4(slot: i + 1, local: ("10.0.0.5", port), remote: ("10.0.0.9", 443), state: 0x06))
        }
        tcp.append(ProcNetTCPLine.ipv4(slot: 4, local: ("10.0.0.5", 40003), remote: ("10.0.0.9", 443), state: 0x01))
        tcp.append(ProcNetTCPLine.ipv4(slot: 5, local: ("10.0.0.5", 40000), remote: ("10.0.0.9", 80), state: 0x06))
        // 2 server-side TIME_WAIT on listening port 8080 (clients' ports are in any range)
        tcp.append(ProcNetTCPLine.ipv4(slot: 6, local: ("10.0.0.5", 8080), remote: ("10.0.0.77", 51000), state: 0x06))
        tcp.append(ProcNetTCPLine.ipv4(slot: 7, local: ("10.0.0.5", 8080), remote: ("10.0.0.78", 52000), state: 0x06))
        // a TIME_WAIT on a fixed, non-listening port outside the range: neither outbound nor inbound
        tcp.append(ProcNetTCPLine.ipv4(slot: 8, local: ("10.0.0.5", 1500), remote: ("10.0.0.9", 443), state: 0x06))
        files["proc/net/tcp"] = tcp.joined(separator: "\n") + "\n"
        var tcp6 = [files["proc/net/tcp6"]!.trimmingSuffixNewline()]
        let local6: [UInt32] = [0x2001_0db8, 0, 0, 5], remote6: [UInt32] = [0x2001_0db8, 0, 0, 9]
        for i in 0..<4 {
            tcp6.append(ProcNetTCPLine.ipv6(slot: i, local: (local6, 50000 + i), remote: (remote6, 5432), state: 0x06))
        }
        let loopback6: [UInt32] = [0, 0, 0, 1], mapped: [UInt32] = [0, 0, 0xFFFF, 0x7F00_0001]
        tcp6.append(ProcNetTCPLine.ipv6(slot: 4, local: (loopback6, 45000), remote: (loopback6, 6379), state: 0x06))
        tcp6.append(ProcNetTCPLine.ipv6(slot: 5, local: (mapped, 45001), remote: (mapped, 6379), state: 0x01))
        files["proc/net/tcp6"] = tcp6.joined(separator: "\n") + "\n"
        files["proc/net/sockstat"] = "sockets: used 7\nTCP: inuse 1 orphan 0 tw 12 alloc 1 mem 0\n"
        let snapshot = read(try TemporaryTree(files))
        #expect(snapshot.warnings.isEmpty, "\(snapshot.warnings)")
        let sockets = try #require(snapshot.sockets)
        #expect(sockets.ipv4?[.timeWait] == 7)
        #expect(sockets.ipv6?[.timeWait] == 5)
        #expect(sockets.timeWait == 12)
        #expect(snapshot.sockets.map { Int64($0.timeWait) } == snapshot.sockstat?["TCP", "tw"])
        #expect(sockets.outboundTimeWait == 9)
        #expect(sockets.inboundTimeWait == 2)
        #expect(sockets.listeningPorts == [8080])
        var listener = ListeningPortLoad(port: 8080, timeWait: 2)
        listener.closeWait = 0  // counted; the queues come over netlink only
        #expect(sockets.listeners == [listener])
        #expect(sockets.destinationCount == 5)
        #expect(sockets.ephemeralPortsInUse == 10)  // 40000-40003, 50000-50003, 45000, 45001
        let top = try #require(sockets.destinations.first)
        #expect(top.label == "10.0.0.5 → 10.0.0.9:443")
        #expect(top.timeWait == 3 && top.established == 1 && top.inUse == 4)
        let v6 = try #require(sockets.destinations.first { $0.remotePort == 5432 })
        #expect(v6.label == "2001:db8::5 → [2001:db8::9]:5432")
        #expect(v6.timeWait == 4 && !v6.remoteAddress.isLoopback)
        let redis = sockets.destinations.filter { $0.remotePort == 6379 }
        #expect(redis.count == 2 && redis.allSatisfy { $0.remoteAddress.isLoopback })
        // The v4-mapped socket shares the IPv4 budget toward 127.0.0.1: it is counted as that IPv4 destination.
        #expect(Set(redis.map(\.remoteAddress.description)) == ["::1", "127.0.0.1"])
        // top-N keeps the most loaded, totals stay exact
        let smallTree = try TemporaryTree(files)
        let small = read(smallTree, top: 1)
        #expect(small.sockets?.destinations.count == 1 && small.sockets?.destinationCount == 5 && small.sockets?.outboundTimeWait == 9)
    }

    @Test("the snapshot survives a JSON round trip and the JSON is byte-identical for the same tree")
    func jsonRoundTrip() throws {
        var files = HostTrees.modernSysctls
        files["proc/net/tcp"]! += ProcNetTCPLine.ipv4(slot: 0, local: ("127.0.0.1", 40000), remote: ("127.0.0.1", 80), state: 6) + "\n"
        files["etc/sysctl.conf"] = "net.ipv4.tcp_tw_reuse = 1\n"
        let tree = try TemporaryTree(files)
        let first = read(tree)
        let json = try first.jsonData(pretty: true)
        #expect(try read(tree).jsonData(pretty: true) == json)
        let decoded = try FactsSnapshot.decode(json: json)
        #expect(decoded == first)
        #expect(decoded.sockets?.destinations.first?.remoteAddress.description == "127.0.0.1")
    }

    @Test("snapshots from other schema versions or other JSON are refused with a one-line reason")
    func decodingErrors() {
        func reason(_ text: String) -> String? {
            do {
                _ = try FactsSnapshot.decode(json: .init(text.utf8))
                return nil
            } catch {
                return error.message
            }
        }
        #expect(reason("[1,2]")?.hasPrefix("not a JSON object") == true || reason("[1,2]")?.contains("schemaVersion") == true)
        #expect(reason("garbage")?.hasPrefix("not a JSON object") == true)
        #expect(reason("{}") == "no 'schemaVersion': not a twadvise facts snapshot")
        #expect(reason(#"{"schemaVersion": 99}"#) == "schemaVersion 99 is not supported (this twadvise reads 1...1)")
        #expect(reason(#"{"schemaVersion": 1}"#)?.contains("missing key") == true)
    }
}

extension String {
    func trimmingSuffixNewline() -> String { hasSuffix("\n") ? String(dropLast()) : self }
}
