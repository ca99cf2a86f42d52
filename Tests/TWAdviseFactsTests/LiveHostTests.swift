import Testing
@testable import TWAdviseFacts
import TWAdviseTestSupport

/// The live reader on this host, with TIME_WAIT sockets this test makes on loopback.
enum LiveHost {
    static let hasProc = (try? InputFile.read("/proc/net/sockstat")) != nil
}

@Suite("Live host", .serialized, .enabled(if: LiveHost.hasProc, "no /proc/net/sockstat on this machine"))
struct LiveHostTests {
    /// The host's totals move with every other process's TIME_WAIT, so they are compared with sockstat
    /// exactly in a namespace of its own (`LiveNamespaceTests.totalsAgreeInPrivate`); here, what is ours.
    @Test("TIME_WAIT made on loopback shows up per destination, and the reader reads its own sockstat")
    func loopbackTimeWait() throws {
        let made = 300
        let port = try LoopbackLoad.makeTimeWait(count: made)
        let snapshot = SnapshotReader().read()
        let sockets = try #require(snapshot.sockets)
        #expect(snapshot.origin.kind == .live)
        #expect(snapshot.collectedAt != nil)
        #expect(snapshot.host.kernel != nil)
        let ours = try #require(sockets.destinations.first { $0.remotePort == port && $0.remoteAddress.description == "127.0.0.1" })
        #expect(ours.timeWait == made)
        #expect(ours.remoteAddress.isLoopback)
        #expect(sockets.timeWait >= made)
        #expect(sockets.outboundTimeWait >= made)
        #expect(sockets.ephemeralPortsInUse >= made)
        let sockstatTW = try #require(snapshot.sockstat?["TCP", "tw"])
        #expect(sockstatTW >= Int64(made), "the reader's own sockstat reading holds ours: \(sockstatTW)")
    }

    @Test("netlink sock_diag and /proc/net/tcp{,6} give the same aggregates, IPv4 and IPv6")
    func netlinkMatchesProc() throws {
        let port4 = try LoopbackLoad.makeTimeWait(count: 150)
        let port6 = try LoopbackLoad.makeIPv6TimeWait(count: 120)
        // The totals move with other processes between the two reads: compared exactly in a namespace of
        // its own (LiveNamespaceTests.totalsAgreeInPrivate); here, the destinations this test made. Other
        // suites open and close listeners meanwhile: both are read again (at most three times) until their
        // listening ports agree; a reader that loses listeners disagrees every time.
        var viaNetlink = SnapshotReader(options: .init(useNetlink: true)).read()
        var viaProc = SnapshotReader(options: .init(useNetlink: false)).read()
        var disagreements: [String] = []
        for attempt in 0..<3 {
            if attempt > 0 {
                viaNetlink = SnapshotReader(options: .init(useNetlink: true)).read()
                viaProc = SnapshotReader(options: .init(useNetlink: false)).read()
            }
            let ports = (viaNetlink.sockets?.listeningPorts, viaProc.sockets?.listeningPorts)
            if ports.0 == ports.1 { disagreements = []; break }
            disagreements.append("\(ports.0 ?? []) vs \(ports.1 ?? [])")
        }
        #expect(disagreements.isEmpty, "\(disagreements)")
        let n = try #require(viaNetlink.sockets), p = try #require(viaProc.sockets)
        #expect(n.sources == ["netlink sock_diag"], "\(viaNetlink.warnings)")
        #expect(p.sources == ["proc/net/tcp", "proc/net/tcp6"])
        for (port, address) in [(port4, "127.0.0.1"), (port6, "::1")] {
            let a = try #require(n.destinations.first { $0.remotePort == port && $0.remoteAddress.description == address })
            let b = try #require(p.destinations.first { $0.remotePort == port && $0.remoteAddress.description == address })
            // Owners are looked up over netlink only (sock_diag gives inodes); TIME_WAIT has none.
            #expect(a.owners == [] && b.owners == nil)
            var counts = a
            counts.owners = nil
            #expect(counts == b)
            // Every client socket closed first: in TIME_WAIT, or for the last ones on a loaded machine still in
            // FIN_WAIT2 for the moment the server's FIN takes; none is open.
            #expect(a.inUse == (address == "::1" ? 120 : 150) && a.established == 0 && a.synSent == 0 && a.remoteAddress.isLoopback,
                    "\(address): \(a)")
        }
        #expect((n.ipv6?[.timeWait] ?? 0) + (n.ipv6?[.finWait2] ?? 0) >= 120)
    }

    @Test("the combined netlink request and the four per-family requests give the same aggregates")
    func netlinkRequestForms() throws {
        let port4 = try LoopbackLoad.makeTimeWait(count: 80)
        let port6 = try LoopbackLoad.makeIPv6TimeWait(count: 60)
        // Other suites open and close listeners meanwhile: the two dumps are taken again (at most three times)
        // until their listening ports agree; a request form that loses listeners disagrees every time.
        var c = SocketTable(), f = SocketTable()
        var disagreements: [String] = []
        for _ in 0..<3 {
            var combined = SocketAggregator(ephemeralRange: .kernelDefault)
            var perFamily = SocketAggregator(ephemeralRange: .kernelDefault)
            #expect(try NetlinkSockDiag.read(into: &combined, requests: .combined) == .combined, "the kernel refused TCPDIAG_GETSOCK")
            #expect(try NetlinkSockDiag.read(into: &perFamily, requests: .perFamily) == .perFamily)
            c = combined.finish(sources: [], readIPv4: true, readIPv6: true, malformedLines: 0, topDestinations: 100_000).0
            f = perFamily.finish(sources: [], readIPv4: true, readIPv6: true, malformedLines: 0, topDestinations: 100_000).0
            if c.listeningPorts == f.listeningPorts { disagreements = []; break }
            disagreements.append("\(c.listeningPorts) vs \(f.listeningPorts)")
        }
        #expect(disagreements.isEmpty, "\(disagreements)")
        for (port, count) in [(port4, 80), (port6, 60)] {
            let a = try #require(c.destinations.first { $0.remotePort == port })
            #expect(a == f.destinations.first { $0.remotePort == port })
            #expect(a.timeWait == count)
        }
        #expect((c.ipv6?[.timeWait] ?? 0) >= 60 && (c.ipv4?[.timeWait] ?? 0) >= 80)
    }
}
