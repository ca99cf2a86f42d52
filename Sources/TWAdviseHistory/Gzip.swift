/// Why a gzip file could not be decompressed.
package enum GzipError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The input does not start with the gzip magic `1f 8b`, or uses a method other than deflate (8).
    case notGzip
    /// A header flag this decoder does not know (RFC 1952 reserves bits 5 to 7).
    case badHeader(String)
    /// The input ends in the middle of a member.
    case truncated
    /// The deflate data is not valid (RFC 1951): a bad block type, code lengths, symbol or distance.
    case corrupt(String)
    /// The member's CRC-32 or ISIZE differs from what was decompressed.
    case checksumMismatch
    /// More than `limit` bytes would come out (a decompression bomb, or just a file too large to keep).
    case outputLimit(Int)
    /// Bytes after the last member that are not another member (zero padding is accepted).
    case trailingGarbage

    package var description: String {
        switch self {
        case .notGzip: "not a gzip file"
        case .badHeader(let why): "bad gzip header: \(why)"
        case .truncated: "gzip data truncated"
        case .corrupt(let why): "corrupt deflate data: \(why)"
        case .checksumMismatch: "gzip CRC-32 or size check failed"
        case .outputLimit(let limit): "decompresses to more than the \(limit)-byte limit; not read"
        case .trailingGarbage: "garbage after the last gzip member"
        }
    }
}

/// A small gzip (RFC 1952) and DEFLATE (RFC 1951) decoder for rotated logs (`kern.log.2.gz`): stored, fixed and
/// dynamic Huffman blocks, several members one after another, each member's CRC-32 and ISIZE checked.
///
/// It is bounded: the output never exceeds the caller's limit (a bomb is refused with
/// ``GzipError/outputLimit(_:)``), every loop consumes input or produces output, and any malformed input ends in
/// a thrown ``GzipError``, never a crash or a hang. No dependency, no subprocess.
package enum Gzip {
    /// Whether `bytes` start like a gzip file.
    package static func looksCompressed(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// The decompressed contents of every member of `bytes`, at most `limit` bytes.
    package static func decompress(_ bytes: [UInt8], limit: Int) throws(GzipError) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(min(limit, max(bytes.count * 4, 1 << 16)))
        try bytes.withUnsafeBufferPointer { (input) throws(GzipError) in
            var position = 0
            var members = 0
            while position < input.count {
                if members > 0, input[position] != 0x1F {
                    // gzip itself tolerates zero padding after the last member (tapes); anything else is garbage.
                    guard input[position...].allSatisfy({ $0 == 0 }) else { throw .trailingGarbage }
                    break
                }
                position = try member(input, from: position, into: &output, limit: limit)
                members += 1
            }
            if members == 0 { throw .notGzip }
        }
        return output
    }

    /// Decodes one member starting at `start`; returns the offset just after it.
    private static func member(_ input: UnsafeBufferPointer<UInt8>, from start: Int, into output: inout [UInt8],
                               limit: Int) throws(GzipError) -> Int {
        var p = start
        func byte() throws(GzipError) -> UInt8 {
            guard p < input.count else { throw .truncated }
            defer { p += 1 }
            return input[p]
        }
        guard input.count - p >= 2 else { throw input.count - p == 1 && input[p] == 0x1F ? .truncated : .notGzip }
        guard input[p] == 0x1F, input[p + 1] == 0x8B else { throw .notGzip }
        p += 2
        guard try byte() == 8 else { throw .notGzip }
        let flags = try byte()
        guard flags & 0xE0 == 0 else { throw .badHeader("reserved flag bits set") }
        for _ in 0..<6 { _ = try byte() }  // MTIME, XFL, OS
        if flags & 0x04 != 0 {  // FEXTRA
            let length = Int(try byte()) | Int(try byte()) << 8
            guard input.count - p >= length else { throw .truncated }
            p += length
        }
        for flag: UInt8 in [0x08, 0x10] where flags & flag != 0 {  // FNAME, FCOMMENT: zero-terminated
            while try byte() != 0 {}
        }
        if flags & 0x02 != 0 { _ = try byte(); _ = try byte() }  // FHCRC
        let first = output.count
        var inflater = Inflater(input: input, position: p)
        try inflater.inflate(into: &output, limit: limit)
        p = inflater.alignedPosition
        guard input.count - p >= 8 else { throw .truncated }
        func le32(_ at: Int) -> UInt32 {
            UInt32(input[at]) | UInt32(input[at + 1]) << 8 | UInt32(input[at + 2]) << 16 | UInt32(input[at + 3]) << 24
        }
        let crc = output.withUnsafeBufferPointer { CRC32.checksum(UnsafeBufferPointer(rebasing: $0[first...])) }
        guard le32(p) == crc, le32(p + 4) == UInt32(truncatingIfNeeded: output.count - first) else {
            throw .checksumMismatch
        }
        return p + 8
    }
}

/// CRC-32 as gzip computes it (polynomial 0xEDB88320, reflected), one table, a byte at a time.
package enum CRC32 {
    static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    /// The CRC-32 of `bytes`.
    package static func checksum(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        table.withUnsafeBufferPointer { t in
            for b in bytes { c = t[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        }
        return c ^ 0xFFFF_FFFF
    }
}

/// A canonical Huffman code as a lookup table indexed by the next `bits` input bits (least significant first):
/// each entry holds `symbol << 4 | length`, 0 where no code of the table starts with those bits.
private struct Huffman {
    var table: [UInt32]
    var bits: Int

    /// The code of `lengths` (0 = symbol unused). Over-subscribed lengths are corrupt; an incomplete code is
    /// accepted (RFC 1951 allows a single distance code) and fails only if an unused pattern is met.
    init(lengths: ArraySlice<UInt8>) throws(GzipError) {
        var count = [Int](repeating: 0, count: 16)
        for length in lengths { count[Int(length)] += 1 }
        count[0] = 0
        var left = 1
        for length in 1...15 {
            left = (left << 1) - count[length]
            guard left >= 0 else { throw .corrupt("over-subscribed Huffman code") }
        }
        let maxBits = (1...15).last(where: { count[$0] > 0 }) ?? 1
        bits = maxBits
        table = [UInt32](repeating: 0, count: 1 << maxBits)
        // RFC 1951 3.2.2: the first code of each length (count[0] is 0).
        var first = [Int](repeating: 0, count: 16)
        var code = 0
        for length in 1...15 {
            code = (code + count[length - 1]) << 1
            first[length] = code
        }
        for (symbol, length) in lengths.enumerated() where length > 0 {
            let len = Int(length)
            let value = first[len]
            first[len] += 1
            var reversed = 0
            for i in 0..<len where value & (1 << i) != 0 { reversed |= 1 << (len - 1 - i) }
            let entry = UInt32(symbol) << 4 | UInt32(len)
            var index = reversed
            while index < table.count {
                table[index] = entry
                index += 1 << len
            }
        }
    }
}

/// The DEFLATE decoder proper, over a bit buffer of up to 64 bits.
private struct Inflater {
    let input: UnsafeBufferPointer<UInt8>
    var position: Int
    var bitBuffer: UInt64 = 0
    var bitCount = 0

    init(input: UnsafeBufferPointer<UInt8>, position: Int) {
        self.input = input
        self.position = position
    }

    /// The input offset after the last byte the data used (the bits left in the buffer given back).
    var alignedPosition: Int { position - bitCount / 8 }

    static let lengthBase: [Int] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115,
                                    131, 163, 195, 227, 258]
    static let lengthExtra: [Int] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let distanceBase: [Int] = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025,
                                      1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
    static let distanceExtra: [Int] = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11,
                                       12, 12, 13, 13]
    static let codeLengthOrder: [Int] = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
    static let fixedLiteral: Huffman = {
        var lengths = [UInt8](repeating: 8, count: 288)
        for i in 144..<256 { lengths[i] = 9 }
        for i in 256..<280 { lengths[i] = 7 }
        return try! Huffman(lengths: lengths[...])  // A complete code by construction.
    }()
    static let fixedDistance: Huffman = try! Huffman(lengths: [UInt8](repeating: 5, count: 30)[...])

    /// Loads whole bytes while the buffer has room; past the end, the missing bits read as zero and
    /// ``consume(_:)`` refuses them.
    @inline(__always) mutating func refill() {
        while bitCount <= 56 && position < input.count {
            bitBuffer |= UInt64(input[position]) << UInt64(bitCount)
            position += 1
            bitCount += 8
        }
    }

    @inline(__always) mutating func consume(_ n: Int) throws(GzipError) {
        guard n <= bitCount else { throw .truncated }
        bitBuffer >>= UInt64(n)
        bitCount -= n
    }

    @inline(__always) mutating func bits(_ n: Int) throws(GzipError) -> Int {
        if n == 0 { return 0 }
        if bitCount < n { refill() }
        let value = Int(bitBuffer & ((1 << UInt64(n)) - 1))
        try consume(n)
        return value
    }

    @inline(__always) mutating func decode(_ code: Huffman) throws(GzipError) -> Int {
        if bitCount < code.bits { refill() }
        let entry = code.table[Int(bitBuffer & ((1 << UInt64(code.bits)) - 1))]
        guard entry != 0 else {
            if bitCount < code.bits { throw .truncated }
            throw .corrupt("invalid Huffman code")
        }
        try consume(Int(entry & 15))
        return Int(entry >> 4)
    }

    mutating func inflate(into output: inout [UInt8], limit: Int) throws(GzipError) {
        var last = false
        while !last {
            last = try bits(1) == 1
            switch try bits(2) {
            case 0: try stored(into: &output, limit: limit)
            case 1: try codes(Self.fixedLiteral, Self.fixedDistance, into: &output, limit: limit)
            case 2:
                let (literal, distance) = try dynamicCodes()
                try codes(literal, distance, into: &output, limit: limit)
            default: throw .corrupt("reserved block type 3")
            }
        }
    }

    mutating func stored(into output: inout [UInt8], limit: Int) throws(GzipError) {
        // Drop the bits to the byte boundary, then give back the whole bytes still buffered.
        try consume(bitCount % 8)
        position -= bitCount / 8
        bitBuffer = 0
        bitCount = 0
        guard input.count - position >= 4 else { throw .truncated }
        let length = Int(input[position]) | Int(input[position + 1]) << 8
        let complement = Int(input[position + 2]) | Int(input[position + 3]) << 8
        guard length == ~complement & 0xFFFF else { throw .corrupt("stored block length check") }
        position += 4
        guard input.count - position >= length else { throw .truncated }
        guard output.count + length <= limit else { throw .outputLimit(limit) }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: input[position..<(position + length)]))
        position += length
    }

    mutating func dynamicCodes() throws(GzipError) -> (Huffman, Huffman) {
        let literals = try bits(5) + 257
        let distances = try bits(5) + 1
        let codeLengthCount = try bits(4) + 4
        guard literals <= 286, distances <= 30 else { throw .corrupt("too many length or distance codes") }
        var codeLengths = [UInt8](repeating: 0, count: 19)
        for i in 0..<codeLengthCount { codeLengths[Self.codeLengthOrder[i]] = UInt8(try bits(3)) }
        let codeLengthCode = try Huffman(lengths: codeLengths[...])
        var lengths = [UInt8](repeating: 0, count: literals + distances)
        var i = 0
        while i < lengths.count {
            let symbol = try decode(codeLengthCode)
            if symbol < 16 {
                lengths[i] = UInt8(symbol)
                i += 1
                continue
            }
            var value: UInt8 = 0
            let repeatCount: Int
            switch symbol {
            case 16:
                guard i > 0 else { throw .corrupt("repeat with no previous length") }
                value = lengths[i - 1]
                repeatCount = 3 + (try bits(2))
            case 17: repeatCount = 3 + (try bits(3))
            default: repeatCount = 11 + (try bits(7))
            }
            guard i + repeatCount <= lengths.count else { throw .corrupt("code lengths overflow") }
            for _ in 0..<repeatCount {
                lengths[i] = value
                i += 1
            }
        }
        guard lengths[256] != 0 else { throw .corrupt("no end-of-block code") }
        return (try Huffman(lengths: lengths[0..<literals]), try Huffman(lengths: lengths[literals...]))
    }

    mutating func codes(_ literal: Huffman, _ distance: Huffman, into output: inout [UInt8],
                        limit: Int) throws(GzipError) {
        while true {
            let symbol = try decode(literal)
            if symbol < 256 {
                guard output.count < limit else { throw .outputLimit(limit) }
                output.append(UInt8(symbol))
                continue
            }
            if symbol == 256 { return }
            let index = symbol - 257
            guard index < 29 else { throw .corrupt("invalid length symbol") }
            let length = Self.lengthBase[index] + (try bits(Self.lengthExtra[index]))
            let distanceSymbol = try decode(distance)
            guard distanceSymbol < 30 else { throw .corrupt("invalid distance symbol") }
            let back = Self.distanceBase[distanceSymbol] + (try bits(Self.distanceExtra[distanceSymbol]))
            guard back <= output.count else { throw .corrupt("distance before the start of the output") }
            guard output.count + length <= limit else { throw .outputLimit(limit) }
            var from = output.count - back
            for _ in 0..<length {
                output.append(output[from])
                from += 1
            }
        }
    }
}
