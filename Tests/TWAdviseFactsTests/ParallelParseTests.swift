import Foundation
import Testing
@testable import TWAdviseFacts
import TWAdviseTestSupport

/// A large table is parsed in parts on several threads and folded in order. Whatever the number of parts,
/// the result must be the one reading the file line by line gives: totals, destinations, listeners that come
/// late, malformed lines and the line numbers of their warnings.
struct ParallelParseTests {
    struct Outcome: Equatable {
        var table: SocketTable
        var tableWarnings: [FactWarning]
        var lines: Int
        var sockets: Int
        var malformed: Int
        var warnings: [FactWarning]
        var summary: FactWarning?
    }

    static func read(_ path: String, workers: Int, cap: Int = 200_000, before: [String] = []) throws -> Outcome {
        var aggregator = SocketAggregator(ephemeralRange: .kernelDefault, maxTrackedDestinations: cap)
        // Lines of an earlier file (tcp before tcp6), fed first, as the snapshot reader does.
        var earlier = ProcNetTCPParser(path: "earlier")
        earlier.parse(Array(before.map { $0 + "\n" }.joined().utf8), into: &aggregator)
        let parser = try SocketTableFile.parse(path, name: "tcp", into: &aggregator, workers: workers, minimumSize: 0)
        let (table, warnings) = aggregator.finish(sources: ["tcp"], readIPv4: true, readIPv6: true, malformedLines: parser.malformedLines,
                                                  topDestinations: 10_000)
        return Outcome(table: table, tableWarnings: warnings, lines: parser.lineNumber, sockets: parser.sockets,
                       malformed: parser.malformedLines, warnings: parser.warnings, summary: parser.summaryWarning)
    }

    /// 4,000 lines: connections toward 40 destinations, IPv6 among them, malformed lines spread over the
    /// file, a header-like line in the middle, and a port of the outbound range (40000) that listens from the
    /// middle on, with sockets on it before and after.
    static func table(lastNewline: Bool = true) -> String {
        var lines = [HostTrees.modernSysctls["proc/net/tcp"]!.dropLast().description]
        for i in 0..<4000 {
            let state: UInt8 = i % 5 == 0 ? 1 : 6
            switch i {
            case 100, 900, 1500, 2100, 2700, 3300, 3900: lines.append("garbage \(i)")
            case 2000: lines.append("  sl  local_address rem_address   st tx_queue")
            case 2001: lines.append(ProcNetTCPLine.ipv4(slot: i, local: ("0.0.0.0", 40000), remote: ("0.0.0.0", 0), state: 10))
            case _ where i % 97 == 0:
                lines.append(ProcNetTCPLine.ipv6(slot: i, local: ([0x2001_0db8, 0, 0, 1], 33000 + i), remote: ([0x2001_0db8, 0, 0, 2], 443), state: state))
            case _ where i % 50 == 7:
                lines.append(ProcNetTCPLine.ipv4(slot: i, local: ("10.0.0.1", 40000), remote: ("10.0.9.9", 5000 + i), state: state))
            default:
                lines.append(ProcNetTCPLine.ipv4(slot: i, local: ("10.0.0.1", 32768 + i), remote: ("10.0.1.\(i % 40)", 443), state: state))
            }
        }
        return lines.joined(separator: "\n") + (lastNewline ? "\n" : "")
    }

    @Test("2, 3, 4 and 7 parts give what one pass gives", arguments: [2, 3, 4, 7])
    func parts(workers: Int) throws {
        let tree = try TemporaryTree(["tcp": Self.table(), "tcp-no-newline": Self.table(lastNewline: false)])
        for name in ["tcp", "tcp-no-newline"] {
            let one = try Self.read(tree.root + "/" + name, workers: 1)
            #expect(one.sockets > 3900)
            #expect(one.malformed == 8)
            #expect(one.warnings.map(\.line) == [102, 902, 1502, 2002, 2102])
            #expect(one.tableWarnings.contains { $0.message.contains("port 40000") })
            #expect(try Self.read(tree.root + "/" + name, workers: workers) == one, "\(name), \(workers) parts")
        }
    }

    @Test("a listener on an outbound port in an earlier file forces an in-order reread, with the same result")
    func earlierListener() throws {
        let tree = try TemporaryTree(["tcp": Self.table()])
        let listener = [ProcNetTCPLine.ipv4(slot: 0, local: ("0.0.0.0", 40000), remote: ("0.0.0.0", 0), state: 10)]
        let one = try Self.read(tree.root + "/tcp", workers: 1, before: listener)
        #expect(try Self.read(tree.root + "/tcp", workers: 4, before: listener) == one)
        #expect(!one.tableWarnings.contains { $0.message.contains("port 40000") })
    }

    @Test("reaching the destination cap forces an in-order reread, with the same destinations tracked")
    func cap() throws {
        let tree = try TemporaryTree(["tcp": Self.table()])
        let one = try Self.read(tree.root + "/tcp", workers: 1, cap: 30)
        #expect(one.tableWarnings.contains { $0.message.contains("distinct destinations") })
        #expect(try Self.read(tree.root + "/tcp", workers: 4, cap: 30) == one)
    }

    @Test("line boundaries: cuts fall just after newlines, and a file without any is one part")
    func boundaries() throws {
        let tree = try TemporaryTree(["lines": "aaaa\nbb\ncccccc\nd\n", "none": String(repeating: "x", count: 100)])
        let lines = try SystemFile(path: tree.root + "/lines")
        let bounds = try lines.lineBoundaries(parts: 3, size: 17)
        #expect(bounds.first == 0 && bounds.last == 17)
        #expect(bounds == bounds.sorted() && Set(bounds).count == bounds.count)
        for cut in bounds.dropFirst().dropLast() { #expect([5, 8, 15].contains(cut)) }
        #expect(try SystemFile(path: tree.root + "/none").lineBoundaries(parts: 4, size: 100) == [0, 100])
    }
}
