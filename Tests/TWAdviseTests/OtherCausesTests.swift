import Foundation
import Testing
@testable import TWAdvise
@testable import TWAdviseFacts
import TWAdviseTestSupport

/// The other ways a host runs out of connections: each rule fires and ranks first where its cause
/// dominates, and stays quiet where TIME_WAIT does.
@Suite("Other causes", .serialized)
struct OtherCausesTests {
    static var isRoot: Bool { geteuid() == 0 }
    static let ip = TestNamespace.ip

    /// A captured tree whose socket table is `lines` (state, count) toward 10.0.0.9:443.
    static func tree(_ lines: [(state: UInt8, count: Int)]) throws -> TemporaryTree {
        var files = HostTrees.modernSysctls
        var rows: [String] = []
        var slot = 0
        for (state, count) in lines {
            for _ in 0..<count {
                rows.append(ProcNetTCPLine.ipv4(slot: slot, local: ("10.0.0.5", 32768 + slot), remote: ("10.0.0.9", 443), state: state))
                slot += 1
            }
        }
        files["proc/net/tcp"] = (files["proc/net/tcp"] ?? "") + rows.joined(separator: "\n") + "\n"
        return try TemporaryTree(files)
    }

    static func diagnose(_ tree: TemporaryTree) -> Diagnosis {
        ScenarioTests.advisor.diagnose(SnapshotReader(source: FactSource(root: tree.root)).read())
    }

    @Test("CLOSE_WAIT that dominates ranks first, above the pooling advice for the same destination")
    func closeWaitRanksFirst() throws {
        let tree = try Self.tree([(0x08, 1500), (0x06, 1200), (0x01, 10)])
        let findings = Self.diagnose(tree).findings
        #expect(findings.first?.id == "sockets.close-wait-leak" && findings.first?.severity == .high, "\(findings.map(\.id))")
        #expect(findings.first?.subject == "10.0.0.5 → 10.0.0.9:443")
        let pooling = try #require(findings.firstIndex { $0.id == "timewait.client-short-connections" })
        #expect(pooling > 0)
    }

    @Test("connects that are not answered rank above the TIME_WAIT findings toward the same destination")
    func synSentRanksFirst() throws {
        let tree = try Self.tree([(0x02, 600), (0x06, 1100)])
        let findings = Self.diagnose(tree).findings
        #expect(findings.first?.id == "sockets.syn-sent-pileup" && findings.first?.severity == .high, "\(findings.map(\.id))")
    }

    static let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test("a server at its descriptor limit (accept() fails with EMFILE) is found, though it owns no outbound connection",
          .enabled(if: python != nil, "needs python3 to run a server with RLIMIT_NOFILE 64"))
    func serverAtDescriptorLimit() throws {
        // The server: limit 64, accepting until accept() fails, on a loopback port the kernel picks.
        let server = Process()
        server.executableURL = URL(fileURLWithPath: Self.python!)
        server.arguments = ["-c", """
            import os, resource, socket, time
            # Descriptors another test's thread had open without close-on-exec when this was spawned are not
            # the server's: it starts with 0, 1 and 2 only, so at its limit it holds exactly 64.
            os.closerange(3, 1 << 16)
            resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
            s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(128)
            print(s.getsockname()[1], flush=True)
            kept = []
            while True:
                try: kept.append(s.accept()[0])
                except OSError: time.sleep(0.02)
            """]
        let out = Pipe()
        server.standardOutput = out
        try server.run()
        defer { kill(server.processIdentifier, SIGKILL); server.waitUntilExit() }
        let line = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let port = try #require(UInt16(line))
        var clients: [Int32] = []
        defer { clients.forEach { close($0) } }
        for _ in 0..<100 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            clients.append(fd)
        }
        // Wait (bounded) until the server holds all 64 descriptors: an event, not a time.
        var waited = 0
        while ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(server.processIdentifier)/fd").count) ?? 0) < 64, waited < 6000 {
            usleep(20_000)
            waited += 1
        }
        let snapshot = try #require(try FactsInput(hostNamespaceOnly: true, topDestinations: 10).load().first)
        let process = try #require(snapshot.sockets?.processes?.first { $0.pid == server.processIdentifier })
        #expect(process.openDescriptors == 64 && process.descriptorLimit == 64)
        let finding = try #require(ScenarioTests.advisor.diagnose(snapshot).findings.first {
            $0.id == "files.process-fd-limit" && $0.subject?.contains("pid \(server.processIdentifier)") == true
        })
        #expect(finding.severity == .critical)
    }

    @Test("where TIME_WAIT dominates, none of the other causes fires")
    func timeWaitDominates() throws {
        let scenario = try Scenario.clientExhaustion.tree()
        let ids = Set(Self.diagnose(scenario).findings.map(\.id))
        for id in ["sockets.close-wait-leak", "sockets.syn-sent-pileup", "listen.queue-overflow", "files.process-fd-limit",
                   "sysctl.unknown-persistent-key"] {
            #expect(!ids.contains(id), "\(id)")
        }
        #expect(ids.contains("ports.destination-exhaustion"))
        // 27,400 of 28,232 ports held host-wide: any bind() to port 0 is about to fail too, and says so.
        #expect(ids.contains("ports.bind-before-connect"))
    }

    @Test("live: a client that never closes, and connects toward a full accept queue, inside a test namespace",
          .enabled(if: isRoot && ip != nil, "needs root and iproute2's ip to create a network namespace"))
    func liveCloseWaitAndSynSent() throws {
        try TestNamespace.with("twa-causes") { name in try closeWaitAndSynSent(in: name) }
    }

    private func closeWaitAndSynSent(in name: String) throws {
        let made = NamespaceThread.run(in: "/run/netns/\(name)") { () -> (Int, Int, [Int32])? in
            guard let closeWait = try? LoopbackLoad.makeCloseWait(count: 150),
                  let synSent = try? LoopbackLoad.makeSynSent(count: 80) else { return nil }
            usleep(200_000)  // the peers' FINs arrive
            return (closeWait.port, synSent.port, closeWait.descriptors + synSent.descriptors)
        }
        let (closeWaitPort, synSentPort, descriptors) = try #require(try made.get())
        defer { descriptors.forEach { close($0) } }

        let snapshot = try #require(try FactsInput(namespace: name).load().first)
        let findings = ScenarioTests.advisor.diagnose(snapshot).findings
        let leak = try #require(findings.first { $0.id == "sockets.close-wait-leak" }, "\(findings.map(\.id))")
        #expect(leak.subject == "127.0.0.1 → 127.0.0.1:\(closeWaitPort)" && leak.severity == .medium)
        #expect(leak.evidence.first { $0.label == "sockets in CLOSE_WAIT" }?.value == "150")
        #expect(leak.evidence.first { $0.label == "process holding its live sockets" }?.value.contains("pid \(getpid())") == true)
        let pileup = try #require(findings.first { $0.id == "sockets.syn-sent-pileup" })
        #expect(pileup.subject == "127.0.0.1 → 127.0.0.1:\(synSentPort)")
        #expect(findings.first?.id == "sockets.close-wait-leak")
    }
}
