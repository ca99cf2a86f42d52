import Dispatch
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Reads one socket table in the /proc/net/tcp format into an aggregator.
///
/// A large captured table (a regular file of ``parallelThreshold`` bytes or more) is cut at line boundaries
/// and its parts parsed by several threads, each into its own aggregator; the parts are then folded in file
/// order with ``SocketAggregator/append(_:)``. Where a fold could differ from reading the file line by line
/// (a listening port in the outbound range with sockets in a later part, or the destination cap), that part is
/// parsed again, on the calling thread, straight into the result. The outcome is the same as
/// ``ProcNetTCPParser`` over the whole file, line numbers in warnings included; a test compares them.
package enum SocketTableFile {
    /// Files smaller than this (about 60,000 lines) are parsed on the calling thread.
    package static let parallelThreshold = 8 << 20
    /// More threads than this do not pay: the parts get short and the folds add up.
    package static let maxWorkers = 4

    /// Threads used by default: the processors this process may run on, at most ``maxWorkers``.
    package static var defaultWorkers: Int { min(ProcessInfo.processInfo.activeProcessorCount, maxWorkers) }

    /// Parses the table at `path` (named `name` in warnings) into `aggregator` and returns the parser, which
    /// holds the line count, the malformed lines and the warnings. `minimumSize` is for tests.
    package static func parse(_ path: String, name: String, into aggregator: inout SocketAggregator,
                              workers: Int = defaultWorkers, minimumSize: Int = parallelThreshold,
                              requireRegular: Bool = false, within directory: String? = nil) throws(FileReadError) -> ProcNetTCPParser {
        let file = try open(path, requireRegular: requireRegular, within: directory)
        guard workers > 1, let size = file.regularFileSize, size >= minimumSize else {
            return try parse(file, range: nil, name: name, continuing: false, into: &aggregator)
        }
        let bounds = try file.lineBoundaries(parts: workers, size: size)
        let ranges = (1..<bounds.count).map { bounds[$0 - 1]..<bounds[$0] }
        let parts = try parseParts(path, name: name, ranges: ranges, like: aggregator, within: directory)
        var parser = ProcNetTCPParser(path: name)
        for (index, part) in parts.enumerated() {
            if aggregator.append(part.aggregator) {
                parser.append(part.parser)
            } else {
                // The fold could differ from reading in order: read this part again, into the result itself.
                parser.append(try parse(file, range: ranges[index], name: name, continuing: index > 0, into: &aggregator))
            }
        }
        return parser
    }

    /// One pass over the whole file (`range` nil) or a part of it, into `aggregator`.
    private static func parse(_ file: borrowing SystemFile, range: Range<Int>?, name: String, continuing: Bool,
                              into aggregator: inout SocketAggregator) throws(FileReadError) -> ProcNetTCPParser {
        var parser = ProcNetTCPParser(path: name, continuing: continuing)
        if let range {
            try file.forEachChunk(in: range) { parser.consume($0, into: &aggregator) }
        } else {
            try file.forEachChunk { parser.consume($0, into: &aggregator) }
        }
        parser.finish(into: &aggregator)
        return parser
    }

    private struct Part: Sendable {
        var parser: ProcNetTCPParser
        var aggregator: SocketAggregator
    }

    /// Parses each range on its own thread into a fresh aggregator with the same settings as `template`.
    /// `path`, confined to `directory` when given (``ConfinedOpen``).
    private static func open(_ path: String, requireRegular: Bool, within directory: String?) throws(FileReadError) -> SystemFile {
        if let directory { return try SystemFile(confined: path, within: directory) }
        return try SystemFile(path: path, requireRegular: requireRegular)
    }

    private static func parseParts(_ path: String, name: String, ranges: [Range<Int>],
                                   like template: SocketAggregator, within directory: String?) throws(FileReadError) -> [Part] {
        let range = template.ephemeralRange, cap = template.maxTrackedDestinations
        let results = Mutex<[Result<Part, FileReadError>?]>(Array(repeating: nil, count: ranges.count))
        DispatchQueue.concurrentPerform(iterations: ranges.count) { index in
            let outcome: Result<Part, FileReadError>
            do throws(FileReadError) {
                let file = try open(path, requireRegular: false, within: directory)
                var aggregator = SocketAggregator(ephemeralRange: range, maxTrackedDestinations: cap)
                let parser = try parse(file, range: ranges[index], name: name, continuing: index > 0, into: &aggregator)
                outcome = .success(Part(parser: parser, aggregator: aggregator))
            } catch {
                outcome = .failure(error)
            }
            results.withLock { $0[index] = outcome }
        }
        let collected = results.withLock { $0 }
        var parts: [Part] = []
        for result in collected {
            switch result {
            case .success(let part)?: parts.append(part)
            case .failure(let error)?: throw error
            case nil: throw FileReadError.system(errno: EIO)
            }
        }
        return parts
    }
}
