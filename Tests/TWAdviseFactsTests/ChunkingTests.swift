import Foundation
import Testing
@testable import TWAdviseFacts
import TWAdviseTestSupport

/// The socket-table parser decodes kernel-layout lines straight from each chunk and sends everything else
/// through the general line path. Wherever the chunks fall, and whichever path a line takes, the result must be
/// the one the general path gives for the whole input at once.
struct ChunkingTests {
    struct Result: Equatable {
        var table: SocketTable
        var sockets: Int
        var malformed: Int
        var warnings: [FactWarning]
    }

    static func parse(_ bytes: [UInt8], chunk: Int?, generalOnly: Bool = false) -> Result {
        var aggregator = SocketAggregator(ephemeralRange: .kernelDefault)
        var parser = ProcNetTCPParser(path: "tcp")
        parser.parse(bytes, chunk: chunk ?? bytes.count, generalOnly: generalOnly, into: &aggregator)
        let table = aggregator.finish(sources: ["tcp"], readIPv4: true, readIPv6: true, malformedLines: parser.malformedLines,
                                      topDestinations: 1000).0
        return Result(table: table, sockets: parser.sockets, malformed: parser.malformedLines, warnings: parser.warnings)
    }

    /// Kernel-layout lines and every kind of line the fixed-layout decoder must refuse or hand on.
    static let awkwardLines = [
        ProcNetTCPLine.ipv4(slot: 7, local: ("10.0.0.1", 40001), remote: ("10.0.0.2", 443), state: 6),
        "   8: 0100000a:9c42 0200000a:01bb 06 00000000:00000000 00:00000000 00000000     0        0 0",  // lower-case hex
        "   9: 0100000A:9C43 0200000A:01BB 06",                                   // ends right after the state
        "  10: 0100000A:9C44 0200000A:01BB 06\r",                                 // CR before the newline
        "  11: 0100000A:9C45\t0200000A:01BB 06 00000000",                         // a tab between columns
        "  12: 0100000G:9C46 0200000A:01BB 06 00000000",                          // not hex
        "  13: 0100000A:9C47 0200000A:01BB 0Z 00000000",                          // bad state
        "  14: 0100000A:9C48 0200000A:01BB 06X",                                  // state runs on
        "  15: 0100000A:9C49 0200000A",                                           // cut short
        "",
        "garbage",
        "  16: 00000000000000000000000001000000:9C4A 00000000000000000000000002000000:01BB 06 00000000",
        "  17: 0100000A:9C4B 00000000000000000000000002000000:01BB 06",           // families differ
        "1234567890: 0100000A:9C4C 0200000A:01BB 06",                            // slot too long
        String(repeating: "9", count: 5000),                                       // longer than the limit
        "  18: 0100000A:9C4D 0200000A:01BB 01 00000000",
    ]

    /// Sockets and refused lines in ``awkwardLines`` plus the unterminated copy of its first line: slots 7, 8, 9,
    /// 10, 11, 16, 18 and the copy are sockets; 12, 13, 14, 15, "garbage", 17, the too-long slot and the
    /// overlong line are refused (the empty line is skipped).
    static let handMadeSockets = 8
    static let handMadeMalformed = 8

    /// The hand-made lines, then (when present) the peers' captured tables, then the first line again without a
    /// newline. Returns the bytes and the sockets and refused lines the peers' part adds (0 without fixtures).
    static func input() throws -> (bytes: [UInt8], peerSockets: Int, peerMalformed: Int) {
        var text = HostTrees.modernSysctls["proc/net/tcp"]! + awkwardLines.joined(separator: "\n") + "\n"
        var peerSockets = 0, peerMalformed = 0
        if PeerFixtures.available {
            for file in PeerFixtureTests.tcpTables {
                let bytes = try PeerFixtures.bytes(file)
                let alone = parse(bytes, chunk: nil, generalOnly: true)
                peerSockets += alone.sockets
                peerMalformed += alone.malformed
                // The header is only a header on a table's first line: the copy in the middle goes without it.
                let body = String(decoding: bytes, as: UTF8.self)
                let header = body.prefix { $0 != "\n" }
                text += header.contains("local_address") ? String(body.dropFirst(header.count + 1)) : body
            }
        }
        return (Array((text + awkwardLines[0]).utf8), peerSockets, peerMalformed)  // the last line without a newline
    }

    @Test("chunk sizes from 1 byte to the whole input give the general path's result")
    func chunkSizes() throws {
        let (bytes, peerSockets, peerMalformed) = try Self.input()
        let reference = Self.parse(bytes, chunk: nil, generalOnly: true)
        #expect(reference.sockets == Self.handMadeSockets + peerSockets)
        #expect(reference.malformed == Self.handMadeMalformed + peerMalformed)
        for size in [1, 2, 3, 5, 13, 37, 64, 149, 150, 151, 4096, 5003] {
            let result = Self.parse(bytes, chunk: size)
            #expect(result == reference, "chunk \(size)")
            if result != reference { return }
        }
        #expect(Self.parse(bytes, chunk: nil) == reference)
    }

    @Test("peer captures parse the same on both paths", .enabled(if: PeerFixtures.available, Comment(rawValue: PeerFixtures.skipReason)),
          arguments: PeerFixtureTests.tcpTables)
    func peerTables(file: String) throws {
        let bytes = try PeerFixtures.bytes(file)
        #expect(Self.parse(bytes, chunk: nil) == Self.parse(bytes, chunk: nil, generalOnly: true))
        #expect(Self.parse(bytes, chunk: 150) == Self.parse(bytes, chunk: nil, generalOnly: true))
    }

    @Test("SWAR hex: every byte value in every position is classified as the per-digit decoder does")
    func swarHex() {
        let digits = Array("0123456789abcdefABCDEF".utf8)
        for position in 0..<8 {
            for byte in 0...255 {
                var text = Array("1f2E3d4C".utf8)
                text[position] = UInt8(byte)
                let word = text.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
                let (value, valid) = Hex.eight(word)
                #expect(valid == digits.contains(UInt8(byte)), "byte \(byte) at \(position)")
                if valid {
                    let expected = UInt32(String(decoding: text, as: UTF8.self), radix: 16)!
                    #expect(value == expected.byteSwapped)
                }
            }
        }
        for text in ["0000", "FFFF", "01bb", "9C40", "00:0", "g000"] {
            let word = Array(text.utf8).withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self)) }
            let (value, valid) = Hex.four(word)
            #expect(valid == (UInt16(text, radix: 16) != nil), "\(text)")
            if let n = UInt16(text, radix: 16) { #expect(value == n) }
        }
    }
}

/// Large captures are read by ranges, from several threads; the bytes delivered must be the file's.
struct RangeReadTests {
    @Test("a range of a file arrives whole and in order; reading stops at end of file")
    func ranges() throws {
        let size = (1 << 18) * 2 + 12_345   // two full chunks and a partial one
        var bytes = [UInt8](repeating: 0, count: size)
        var state: UInt64 = 0x1234_5678
        for i in 0..<size {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            bytes[i] = UInt8(truncatingIfNeeded: state >> 56)
        }
        let tree = try TemporaryTree()
        let path = tree.root + "/big"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let file = try SystemFile(path: path)
        #expect(file.regularFileSize == size)
        for range in [0..<size, 1..<size, 1000..<300_000, (size - 10)..<(size + 5000), 7..<7] {
            var received: [UInt8] = []
            try file.forEachChunk(in: range) { received.append(contentsOf: $0) }
            #expect(received == Array(bytes[range.clamped(to: 0..<size)]), "\(range)")
        }
        // /proc files say they are empty, so a live table is never cut into parts.
        #expect(try SystemFile(path: "/proc/self/stat").regularFileSize == 0)
    }

    @Test("a socket table above the parallel threshold gives the same result from the reader as parsed in memory")
    func largeTable() throws {
        var text = HostTrees.modernSysctls["proc/net/tcp"]!
        var i = 0
        while text.utf8.count < SocketTableFile.parallelThreshold + 1000 {
            text += ProcNetTCPLine.ipv4(slot: i, local: ("10.0.0.1", 32768 + i % 20000), remote: ("10.0.\(i % 7).9", 443), state: i % 3 == 0 ? 1 : 6) + "\n"
            i += 1
        }
        let tree = try TemporaryTree(["tcp": text])
        let inMemory = ChunkingTests.parse(Array(text.utf8), chunk: nil)
        for workers in [1, 2, 4] {
            var aggregator = SocketAggregator(ephemeralRange: .kernelDefault)
            let parser = try SocketTableFile.parse(tree.root + "/tcp", name: "tcp", into: &aggregator, workers: workers)
            let table = aggregator.finish(sources: ["tcp"], readIPv4: true, readIPv6: true, malformedLines: parser.malformedLines,
                                          topDestinations: 1000).0
            #expect(table == inMemory.table, "\(workers) workers")
            #expect(parser.sockets == i && parser.lineNumber == i + 1)
        }
    }
}

/// Totals count every socket, whatever the cap on destinations tracked in detail (issue 13, #14).
struct DestinationCapTests {
    @Test("outbound TIME_WAIT past the destination cap is counted in full")
    func outboundPastCap() {
        var aggregator = SocketAggregator(ephemeralRange: .kernelDefault, maxTrackedDestinations: 10)
        for i in 0..<100 {
            aggregator.add(state: .timeWait, local: IPAddress(ipv4: 0x0A00_0001), localPort: UInt16(40_000 + i),
                           remote: IPAddress(ipv4: 0x0A01_0000 + UInt32(i)), remotePort: 443, isIPv6: false)
        }
        let (table, warnings) = aggregator.finish(sources: ["t"], readIPv4: true, readIPv6: true, malformedLines: 0, topDestinations: 5)
        #expect(table.timeWait == 100)
        #expect(table.outboundTimeWait == 100)
        #expect(table.destinationCount == 10 && table.destinations.count == 5)
        #expect(warnings.map(\.message) == ["more than 10 distinct destinations; 90 sockets toward further destinations count in totals only"])
    }
}

/// IPv4 and IPv4-mapped IPv6 sockets toward one peer share one port budget (issue 14).
struct MappedDestinationTests {
    @Test("sockets toward a peer over IPv4 and over ::ffff:a.b.c.d are one destination")
    func mergedDestination() {
        var aggregator = SocketAggregator(ephemeralRange: .kernelDefault)
        let local = IPAddress(ipv4: 0x0A00_0001), remote = IPAddress(ipv4: 0x0A00_0002)
        let mapped = { (v4: UInt32) in IPAddress(ipv6High: 0, low: 0x0000_FFFF_0000_0000 | UInt64(v4)) }
        for i in 0..<5 {
            aggregator.add(state: .timeWait, local: local, localPort: UInt16(40_000 + i), remote: remote, remotePort: 443, isIPv6: false)
        }
        for i in 0..<3 {
            aggregator.add(state: .established, local: mapped(0x0A00_0001), localPort: UInt16(41_000 + i), remote: mapped(0x0A00_0002),
                           remotePort: 443, isIPv6: true)
        }
        let (table, _) = aggregator.finish(sources: ["t"], readIPv4: true, readIPv6: true, malformedLines: 0, topDestinations: 10)
        #expect(table.destinationCount == 1)
        #expect(table.destinations.map(\.label) == ["10.0.0.1 → 10.0.0.2:443"])
        #expect(table.destinations.first?.inUse == 8 && table.destinations.first?.timeWait == 5 && table.destinations.first?.established == 3)
    }
}
