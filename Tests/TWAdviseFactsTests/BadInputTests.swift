import Foundation
import Testing
@testable import TWAdviseFacts
import TWAdviseTestSupport

/// The bad-input matrix: every reader, every way a capture from a broken host can be broken.
/// Expected: a snapshot (never a crash), a warning naming the file, and an unknown fact, never a zero.
struct BadInputTests {
    enum Corruption: String, CaseIterable, CustomTestStringConvertible {
        case missing, empty, truncated, garbage, nonUTF8, hugeNumber, permissionDenied, directory, symlinkLoop
        var testDescription: String { rawValue }
    }

    struct Input: CustomTestStringConvertible, Sendable {
        var path: String
        var truncated: String?
        var huge: String?
        /// The fact this file feeds; `nil` means unknown.
        var fact: @Sendable (FactsSnapshot) -> Int64?
        var testDescription: String { path }
    }

    static let inputs: [Input] = [
        Input(path: "proc/net/sockstat", truncated: "sockets: used 7\nTCP: inuse 1 orphan 0 tw", huge: "TCP: inuse 1 orphan 0 tw 99999999999999999999 alloc 1 mem 0\n",
              fact: { $0.sockstat?["TCP", "tw"] }),
        Input(path: "proc/net/netstat", truncated: "TcpExt: TW TWRecycled TWKilled PAWSActive PAWSEstab TCPTimeWaitOverflow\nTcpExt: 0 0",
              huge: "TcpExt: TW TWRecycled\nTcpExt: 99999999999999999999 0\n", fact: { $0.counters["TcpExt", "TW"] }),
        Input(path: "proc/net/snmp", truncated: "Tcp: RtoAlgorithm ActiveOpens PassiveOpens CurrEstab MaxConn\n",
              huge: "Tcp: ActiveOpens\nTcp: 123456789012345678901\n", fact: { $0.counters["Tcp", "ActiveOpens"] }),
        Input(path: "proc/sys/net/ipv4/tcp_tw_reuse", truncated: nil, huge: "99999999999999999999\n", fact: { $0.sysctls.tcpTwReuse }),
        Input(path: "proc/sys/net/ipv4/ip_local_port_range", truncated: "32768\t", huge: "32768 99999999999999999999\n",
              fact: { $0.sysctls.ipLocalPortRange.map { Int64($0.count) } }),
        Input(path: "proc/sys/net/ipv4/ip_local_reserved_ports", truncated: "8080,90", huge: "99999999999999999999\n",
              fact: { $0.sysctls.ipLocalReservedPorts.map { Int64($0.count) } }),
        Input(path: "proc/sys/fs/file-nr", truncated: "512\t0", huge: "512\t0\t99999999999999999999\n", fact: { $0.fileHandles.maximum }),
        Input(path: "proc/sys/kernel/osrelease", truncated: nil, huge: "99999999999999999999.1\n",
              fact: { $0.host.kernel.map { Int64($0.major) } }),
    ]

    static func content(_ corruption: Corruption, _ input: Input) -> [UInt8]? {
        switch corruption {
        case .empty: return []
        case .truncated: return input.truncated.map { Array($0.utf8) }
        case .garbage: return Array("\u{1}\u{2}garbage ### !!\n=;=\n".utf8)
        case .nonUTF8: return [0xFF, 0xFE, 0x80, 0x20, 0xC3, 0x28, 0x0A]
        case .hugeNumber: return input.huge.map { Array($0.utf8) }
        case .missing, .permissionDenied, .directory, .symlinkLoop: return nil
        }
    }

    @Test("each broken file gives a warning naming it and an unknown fact", arguments: inputs, Corruption.allCases)
    func brokenFile(input: Input, corruption: Corruption) throws {
        let tree = try TemporaryTree(HostTrees.modernSysctls)
        try FileManager.default.removeItem(atPath: tree.path(input.path))
        switch corruption {
        case .missing: break
        case .directory: try tree.mkdir(input.path)
        case .permissionDenied: try Self.makeUnreadable(tree, input.path)
        case .symlinkLoop:
            try tree.symlink(input.path, to: tree.path(input.path) + ".loop")
            try tree.symlink(input.path + ".loop", to: tree.path(input.path))
        default:
            guard let bytes = Self.content(corruption, input) else { return }  // not meaningful for this file
            try tree.write(input.path, bytes)
        }
        let snapshot = SnapshotReader(source: FactSource(root: tree.root)).read()
        #expect(input.fact(snapshot) == nil, "\(input.path) \(corruption): expected unknown")
        let named = snapshot.warnings.filter { $0.path == input.path }
        #expect(!named.isEmpty, "\(input.path) \(corruption): no warning in \(snapshot.warnings)")
        if [.garbage, .nonUTF8, .hugeNumber, .truncated].contains(corruption) {
            #expect(named.allSatisfy { $0.line != nil }, "\(named)")
        }
        // Everything else was still read.
        #expect(snapshot.sockets != nil)
        #expect(snapshot.host.hostname == "web-1" || input.path == "proc/sys/kernel/hostname")
    }

    /// As root, `chmod 000` denies nothing; a procfs file that is write-only for everyone does.
    static func makeUnreadable(_ tree: TemporaryTree, _ path: String) throws {
        if geteuid() == 0 {
            try tree.symlink(path, to: "/proc/sys/vm/drop_caches")
        } else {
            try tree.write(path, "1\n")
            tree.chmod(path, 0)
        }
    }

    @Test("socket tables: bad lines are skipped with file and line; the rest is counted", arguments: Corruption.allCases)
    func brokenSocketTable(corruption: Corruption) throws {
        let good = HostTrees.modernSysctls["proc/net/tcp"]!
            + ProcNetTCPLine.ipv4(slot: 0, local: ("10.0.0.1", 40000), remote: ("10.0.0.2", 443), state: 6) + "\n"
        let tree = try TemporaryTree(HostTrees.modernSysctls)
        let path = "proc/net/tcp"
        try FileManager.default.removeItem(atPath: tree.path(path))
        var expectTimeWait: Int? = 0
        switch corruption {
        case .missing: break
        case .directory: try tree.mkdir(path)
        case .permissionDenied: try Self.makeUnreadable(tree, path)
        case .symlinkLoop:
            try tree.symlink(path, to: tree.path(path) + "x")
            try tree.symlink(path + "x", to: tree.path(path))
        case .empty: try tree.write(path, "")
        case .truncated:
            // cut inside the remote address, as a capture that stopped mid-write would
            try tree.write(path, String(good.prefix(HostTrees.modernSysctls["proc/net/tcp"]!.count + 25)))
        case .garbage:
            try tree.write(path, good + "   1: zzzz garbage\n")
            expectTimeWait = 1
        case .nonUTF8:
            try tree.write(path, Array(good.utf8) + [0x20, 0x32, 0x3A, 0xFF, 0xFE, 0x0A])
            expectTimeWait = 1
        case .hugeNumber:
            try tree.write(path, good + "   2: 0100007F0100007F0100:0050 00000000:0000 06 0\n")
            expectTimeWait = 1
        }
        let snapshot = SnapshotReader(source: FactSource(root: tree.root)).read()
        let ipv4 = snapshot.sockets?.ipv4
        switch corruption {
        case .missing, .directory, .permissionDenied, .symlinkLoop, .empty:
            #expect(ipv4 == nil, "IPv4 table must be unknown")
            #expect(snapshot.sockets?.ipv6 != nil)  // tcp6 was fine
            #expect(snapshot.sockets?.timeWait != nil)
            expectTimeWait = nil
        case .truncated:
            #expect(ipv4?[.timeWait] == 0)
            #expect(snapshot.sockets?.malformedLines == 1)
        default:
            #expect(ipv4?[.timeWait] == expectTimeWait)
            #expect(snapshot.sockets?.malformedLines == 1)
        }
        let named = snapshot.warnings.filter { $0.path == path }
        #expect(named.count == 1, "\(snapshot.warnings)")
        if expectTimeWait != nil { #expect(named.first?.line != nil) }
    }

    @Test("malformed-line warnings are capped per file and summarised")
    func warningCap() throws {
        var files = HostTrees.modernSysctls
        files["proc/net/tcp"]! += String(repeating: "garbage line\n", count: 50)
        let tree = try TemporaryTree(files)
        let snapshot = SnapshotReader(source: FactSource(root: tree.root)).read()
        let named = snapshot.warnings.filter { $0.path == "proc/net/tcp" }
        #expect(named.count == ProcNetTCPParser.maxLineWarnings + 1)
        #expect(named.last?.message == "45 further malformed lines skipped")
        #expect(snapshot.sockets?.malformedLines == 50)
    }

    @Test("a line longer than the limit is one malformed line, however the chunks fall")
    func longLine() throws {
        let header = HostTrees.modernSysctls["proc/net/tcp"]!
        let tw = ProcNetTCPLine.ipv4(slot: 0, local: ("10.0.0.1", 40000), remote: ("10.0.0.2", 443), state: 6)
        let bytes = Array((header + String(repeating: "x", count: 100_000) + "\n" + tw + "\n").utf8)
        for chunkSize in [1, 7, 4096, 1 << 20] {
            var aggregator = SocketAggregator(ephemeralRange: .kernelDefault)
            var parser = ProcNetTCPParser(path: "tcp")
            var offset = 0
            while offset < bytes.count {
                let end = min(bytes.count, offset + chunkSize)
                bytes[offset..<end].withUnsafeBytes { parser.consume($0, into: &aggregator) }
                offset = end
            }
            parser.finish(into: &aggregator)
            #expect(parser.malformedLines == 1, "chunk \(chunkSize)")
            #expect(parser.sockets == 1, "chunk \(chunkSize)")
            #expect(parser.warnings.first?.line == 2)
        }
    }

    @Test("numbers: 64-bit limits, signs, overflow by one digit")
    func numbers() {
        #expect(Numbers.decimal(Array("9223372036854775807".utf8)) == .success(Int64.max))
        #expect(Numbers.decimal(Array("-9223372036854775808".utf8)) == .success(Int64.min))
        #expect(Numbers.decimal(Array("9223372036854775808".utf8)) == .failure(.overflow("9223372036854775808")))
        #expect(Numbers.decimal(Array("18446744073709551615".utf8)) == .failure(.overflow("18446744073709551615")))
        #expect(Numbers.decimal(Array("-".utf8)) == .failure(.notANumber("-")))
        #expect(Numbers.decimal(Array("12a".utf8)) == .failure(.notANumber("12a")))
        #expect(Numbers.hex(Array("FFFFFFFFFFFFFFFF".utf8)) == .success(UInt64.max))
        #expect(Numbers.hex(Array("1FFFFFFFFFFFFFFFF".utf8)) == .failure(.overflow("1FFFFFFFFFFFFFFFF")))
    }

    @Test("kernel versions: distribution suffixes, comparisons, garbage")
    func kernelVersions() {
        #expect(KernelVersion(parsing: "3.10.0-1160.el7.x86_64") == KernelVersion(major: 3, minor: 10, patch: 0))
        #expect(KernelVersion(parsing: "4.12")! >= KernelVersion(major: 4, minor: 12))
        #expect(KernelVersion(parsing: "4.11.12-x")! < KernelVersion(major: 4, minor: 12))
        #expect(KernelVersion(parsing: "6.18.44-fc-v782")?.release == "6.18.44-fc-v782")
        #expect(KernelVersion(parsing: "garbage") == nil)
        #expect(KernelVersion(parsing: "6") == nil)
        #expect(KernelVersion(parsing: "99999999999999999999.1") == nil)
    }

    @Test("IP addresses: RFC 5952 text, parse round trip")
    func addresses() {
        for text in ["127.0.0.1", "::1", "::", "fe80::56e1:adff:fe7c:6609", "2001:db8::5", "::ffff:10.1.2.3", "2001:db8:0:1:1:1:1:1", "1::"] {
            #expect(IPAddress(text)?.description == text, "\(text)")
        }
        #expect(IPAddress("2001:0db8:0000:0000:0000:0000:0000:0001")?.description == "2001:db8::1")
        #expect(IPAddress("1.2.3") == nil && IPAddress("1.2.3.256") == nil && IPAddress("1:::2") == nil && IPAddress("x") == nil)
        #expect(IPAddress("127.9.9.9")!.isLoopback && IPAddress("::ffff:127.0.0.1")!.isLoopback && !IPAddress("10.0.0.1")!.isLoopback)
    }

    @Test("a facts file with an impossible interval or delta is refused naming the field, never rendered as inf",
          arguments: [("intervalSeconds", "5e-324", "rates.intervalSeconds: 5e-324 is out of range (0.001...86400.0 seconds)"),
                      ("intervalSeconds", "1e9", "rates.intervalSeconds: 1000000000.0 is out of range (0.001...86400.0 seconds)"),
                      ("ActiveOpens", "-5", "rates.deltas.Tcp.ActiveOpens: -5 is out of range (0...2000000000 over 2.0 s)"),
                      ("ActiveOpens", "9000000000000", "rates.deltas.Tcp.ActiveOpens: 9000000000000 is out of range (0...2000000000 over 2.0 s)")])
    func impossibleRates(field: String, value: String, message: String) throws {
        var snapshot = FactsSnapshot(origin: FactsOrigin(kind: .live, location: "/"))
        snapshot.rates = CounterRates(intervalSeconds: 2, deltas: KeyedCounters(sections: ["Tcp": ["ActiveOpens": 100]]))
        var json = String(decoding: try snapshot.jsonData(), as: UTF8.self)
        if field == "intervalSeconds" {
            json = json.replacingOccurrences(of: "\"intervalSeconds\":2", with: "\"intervalSeconds\":\(value)")
        } else {
            json = json.replacingOccurrences(of: "\"ActiveOpens\":100", with: "\"ActiveOpens\":\(value)")
        }
        #expect(throws: SnapshotDecodingError(message: message)) { _ = try FactsSnapshot.decode(json: Data(json.utf8)) }
    }
}
