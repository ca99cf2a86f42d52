#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Splits a byte stream that arrives in chunks of any size into lines, without copying complete lines:
/// only a line cut by a chunk boundary is carried over. Lines longer than ``maxLineLength`` are reported as
/// too long (once each) and skipped, so memory stays bounded whatever the input.
package struct LineStream {
    package enum Event {
        /// A line without its newline; the buffer is only valid during the call.
        case line(UnsafeBufferPointer<UInt8>)
        /// A line longer than the limit, skipped.
        case tooLong
    }

    package let maxLineLength: Int
    private var carry: [UInt8] = []
    private var skipping = false

    package init(maxLineLength: Int) {
        self.maxLineLength = maxLineLength
    }

    /// Whether a line cut by the end of the last chunk is pending (kept, or being skipped as too long).
    package var isHoldingPartialLine: Bool { skipping || !carry.isEmpty }

    /// Feeds the next chunk; `body` sees each line (or too-long line) that the chunk completes.
    package mutating func feed(_ chunk: UnsafeRawBufferPointer, _ body: (Event) -> Void) {
        let bytes = chunk.bindMemory(to: UInt8.self)
        guard let base = bytes.baseAddress else { return }
        let count = bytes.count
        var start = 0
        while start < count {
            guard let newline = memchr(base + start, 0x0A, count - start) else {
                // No newline in the rest of the chunk: keep it for the next one.
                if !skipping {
                    carry.append(contentsOf: UnsafeBufferPointer(start: base + start, count: count - start))
                    if carry.count > maxLineLength {
                        body(.tooLong)
                        carry.removeAll(keepingCapacity: true)
                        skipping = true
                    }
                }
                return
            }
            let end = base.distance(to: newline.assumingMemoryBound(to: UInt8.self))
            if skipping {
                skipping = false
            } else if carry.isEmpty {
                body(.line(UnsafeBufferPointer(start: base + start, count: end - start)))
            } else {
                carry.append(contentsOf: UnsafeBufferPointer(start: base + start, count: end - start))
                if carry.count > maxLineLength {
                    body(.tooLong)
                } else {
                    carry.withUnsafeBufferPointer { body(.line($0)) }
                }
                carry.removeAll(keepingCapacity: true)
            }
            start = end + 1
        }
    }

    /// Ends the stream: a last line without a newline is delivered.
    package mutating func finish(_ body: (Event) -> Void) {
        defer {
            carry.removeAll()
            skipping = false
        }
        guard !skipping, !carry.isEmpty else { return }
        carry.withUnsafeBufferPointer { body(.line($0)) }
    }
}

/// The offset of the first newline in `count` bytes at `start` (memchr), or `nil`.
@inline(__always)
package func newlineOffset(_ start: UnsafePointer<UInt8>, _ count: Int) -> Int? {
    guard count > 0, let found = memchr(start, 0x0A, count) else { return nil }
    return start.distance(to: found.assumingMemoryBound(to: UInt8.self))
}

/// A parser that receives a byte stream line by line through a ``LineStream``.
package protocol LineStreamParser {
    var lines: LineStream { get set }
    mutating func handle(_ event: LineStream.Event, into aggregator: inout SocketAggregator)
}

extension LineStreamParser {
    /// Feeds the next chunk of the input.
    package mutating func consumeLines(_ chunk: UnsafeRawBufferPointer, into aggregator: inout SocketAggregator) {
        var stream = lines
        stream.feed(chunk) { event in handle(event, into: &aggregator) }
        lines = stream
    }

    /// Ends the input: a last line without a newline is handled too.
    package mutating func finishLines(into aggregator: inout SocketAggregator) {
        var stream = lines
        stream.finish { event in handle(event, into: &aggregator) }
        lines = stream
    }
}
