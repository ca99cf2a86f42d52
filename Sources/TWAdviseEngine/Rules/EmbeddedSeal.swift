/// The envelope of a form the build writes and a run decodes (``CompiledYAML``, ``CompiledExpressions``):
/// `TAG CHECKSUM:` then the body, where TAG names the form and its version and CHECKSUM is 16 hex digits of
/// ``checksum(_:)`` over the body. A run uses a body only when both match: a damaged, truncated or older
/// embedding is refused whole, and the caller takes the slow path (parsing the text).
package enum EmbeddedSeal {
    /// `tag`, the checksum of `body` and `body`.
    package static func seal(_ body: [UInt8], tag: String) -> String {
        let sum = body.withUnsafeBufferPointer(checksum)
        var digits = String(sum, radix: 16)
        digits = String(repeating: "0", count: 16 - digits.count) + digits
        return tag + " " + digits + ":" + String(decoding: body, as: UTF8.self)
    }

    /// The range of the body in `bytes` when `bytes` starts with `tag` and the checksum matches; else `nil`.
    package static func open(_ bytes: UnsafeBufferPointer<UInt8>, tag: String) -> Range<Int>? {
        let tagBytes = Array(tag.utf8)
        let headerCount = tagBytes.count + 1 + 16 + 1
        guard bytes.count >= headerCount, bytes[tagBytes.count] == UInt8(ascii: " "), bytes[headerCount - 1] == UInt8(ascii: ":")
        else { return nil }
        for (i, byte) in tagBytes.enumerated() where bytes[i] != byte { return nil }
        var expected: UInt64 = 0
        for i in tagBytes.count + 1..<headerCount - 1 {
            let c = bytes[i]
            let digit: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = c - UInt8(ascii: "a") + 10
            default: return nil
            }
            expected = expected << 4 | UInt64(digit)
        }
        let body = headerCount..<bytes.count
        return checksum(UnsafeBufferPointer(rebasing: bytes[body])) == expected ? body : nil
    }

    /// A 64-bit checksum of `bytes`, eight bytes a step (a multiply-rotate hash; it finds damage, it is no
    /// defence against a forger, who could change the generated source anyway). Every byte and the length count.
    package static func checksum(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        let m: UInt64 = 0x9E37_79B9_7F4A_7C15
        var h: UInt64 = 0xCBF2_9CE4_8422_2325 ^ UInt64(bytes.count)
        var i = 0
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            while bytes.count - i >= 8 {
                let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                h = ((h ^ word) &* m).rotatedLeft(29)
                i += 8
            }
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < bytes.count {
            tail |= UInt64(bytes[i]) << shift
            shift += 8
            i += 1
        }
        h = ((h ^ tail) &* m).rotatedLeft(29)
        h ^= h >> 32
        h = h &* m
        return h ^ (h >> 29)
    }
}

extension UInt64 {
    fileprivate func rotatedLeft(_ n: UInt64) -> UInt64 { (self << n) | (self >> (64 - n)) }
}

/// A reader of an embedded form's bytes, shared by ``CompiledYAML``, ``CompiledExpressions`` and
/// ``CompiledRules``: a position in the buffer, an expected character, bounded decimals, length-prefixed strings.
protocol EmbeddedByteReader {
    var bytes: UnsafeBufferPointer<UInt8> { get }
    var position: Int { get set }
}

extension EmbeddedByteReader {
    /// Steps over `character` when it is next.
    mutating func expect(_ character: Unicode.Scalar) -> Bool {
        guard position < bytes.count, bytes[position] == UInt8(character.value) else { return false }
        position += 1
        return true
    }

    /// A non-negative decimal of at most 12 digits (counts, lengths, positions).
    mutating func number() -> Int? {
        var value = 0
        let start = position
        while position < bytes.count, bytes[position] >= 0x30, bytes[position] <= 0x39, position - start < 12 {
            value = value * 10 + Int(bytes[position] - 0x30)
            position += 1
        }
        return position > start ? value : nil
    }

    /// A string written as `LENGTH:BYTES` (UTF-8), within the buffer.
    mutating func string() -> String? {
        guard let length = number(), expect(":"), length <= bytes.count - position else { return nil }
        let value = String(decoding: UnsafeBufferPointer(rebasing: bytes[position..<position + length]), as: UTF8.self)
        position += length
        return value
    }

    /// A decimal `UInt64` (a bit pattern).
    mutating func unsigned() -> UInt64? {
        var value: UInt64 = 0
        let start = position
        while position < bytes.count, bytes[position] >= 0x30, bytes[position] <= 0x39 {
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(UInt64(bytes[position] - 0x30))
            guard !o1, !o2 else { return nil }
            value = sum
            position += 1
        }
        return position > start ? value : nil
    }

    /// A decimal `Int64`, with an optional leading '-'.
    mutating func signed() -> Int64? {
        let negative = expect("-")
        guard let magnitude = unsigned() else { return nil }
        if negative { return magnitude <= UInt64(Int64.max) + 1 ? Int64(truncatingIfNeeded: 0 &- magnitude) : nil }
        return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
    }
}

/// The writing side of ``EmbeddedByteReader``: decimals and length-prefixed strings.
extension Array where Element == UInt8 {
    /// `value` in decimal.
    mutating func appendDecimal(_ value: some BinaryInteger) {
        append(contentsOf: String(value).utf8)
    }

    /// `value` as `LENGTH:BYTES` in UTF-8, so that no byte of it needs escaping.
    mutating func appendString(_ value: String) {
        appendDecimal(value.utf8.count)
        append(UInt8(ascii: ":"))
        append(contentsOf: value.utf8)
    }
}
