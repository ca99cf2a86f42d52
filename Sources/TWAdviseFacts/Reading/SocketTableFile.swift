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
                              workers: Int = defaultWorkers, minimumSize: Int = parallelThreshold) throws(FileReadError) -> ProcNetTCPParser {
        let file = try SystemFile(path: path)
        var parser = ProcNetTCPParser(path: name)
        guard workers > 1, let size = file.regularFileSize, size >= minimumSize else {
            try file.forEachChunk { parser.consume($0, into: &aggregator) }
            parser.finish(into: &aggregator)
            return parser
        }
        let bounds = try file.lineBoundaries(parts: workers, size: size)
        let ranges = (1..<bounds.count).map { bounds[$0 - 1]..<bounds[$0] }
        let parts = try parseParts(path, name: name, ranges: ranges, like: aggregator)
        for (index, part) in parts.enumerated() {
            if aggregator.append(part.aggregator) {
                if index == 0 { parser = part.parser } else { parser.append(part.parser) }
                continue
            }
            // The fold could differ from reading in order: read this part again, into the result itself.
            var again = ProcNetTCPParser(path: name, continuing: index > 0)
            try file.forEachChunk(in: ranges[index]) { again.consume($0, into: &aggregator) }
            again.finish(into: &aggregator)
            if index == 0 { parser = again } else { parser.append(again) }
        }
        return parser
    }

    private struct Part: Sendable {
        var parser: ProcNetTCPParser
        var aggregator: SocketAggregator
    }

    /// Parses each range on its own thread into a fresh aggregator with the same settings as `template`.
    private static func parseParts(_ path: String, name: String, ranges: [Range<Int>],
                                   like template: SocketAggregator) throws(FileReadError) -> [Part] {
        let range = template.ephemeralRange, cap = template.maxTrackedDestinations
        let results = Mutex<[Result<Part, FileReadError>?]>(Array(repeating: nil, count: ranges.count))
        DispatchQueue.concurrentPerform(iterations: ranges.count) { index in
            let outcome: Result<Part, FileReadError>
            do throws(FileReadError) {
                let file = try SystemFile(path: path)
                var aggregator = SocketAggregator(ephemeralRange: range, maxTrackedDestinations: cap)
                var parser = ProcNetTCPParser(path: name, continuing: index > 0)
                try file.forEachChunk(in: ranges[index]) { parser.consume($0, into: &aggregator) }
                parser.finish(into: &aggregator)
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
