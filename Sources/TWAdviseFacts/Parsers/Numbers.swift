/// Byte-level number parsing shared by every parser: no `String` round trip, overflow detected.
package enum Numbers {
    /// Why a token is not a number.
    package enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        case empty
        case notANumber(String)
        case overflow(String)
        case truncated

        package var description: String {
            switch self {
            case .empty: return "empty file"
            case .notANumber(let token): return "expected a number, found '\(token)'"
            case .overflow(let token): return "number '\(token)' does not fit in 64 bits"
            case .truncated: return "no trailing newline: the capture looks truncated"
            }
        }
    }

    /// A signed decimal integer (`-1` appears in /proc/net/snmp `MaxConn`).
    package static func decimal<C: Collection>(_ bytes: C) -> Result<Int64, Failure> where C.Element == UInt8 {
        guard !bytes.isEmpty else { return .failure(.empty) }
        var negative = false
        var value: Int64 = 0
        var sawDigit = false
        var index = bytes.startIndex
        if bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            negative = bytes[index] == UInt8(ascii: "-")
            index = bytes.index(after: index)
        }
        while index != bytes.endIndex {
            let byte = bytes[index]
            guard byte >= 0x30 && byte <= 0x39 else { return .failure(.notANumber(token(bytes))) }
            let digit = Int64(byte - 0x30)
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (next, o2) = negative ? times10.subtractingReportingOverflow(digit) : times10.addingReportingOverflow(digit)
            if o1 || o2 { return .failure(.overflow(token(bytes))) }
            value = next
            sawDigit = true
            index = bytes.index(after: index)
        }
        return sawDigit ? .success(value) : .failure(.notANumber(token(bytes)))
    }

    /// A hexadecimal integer of at most 16 digits (the /proc/net/tcp and nf_conntrack columns).
    package static func hex<C: Collection>(_ bytes: C) -> Result<UInt64, Failure> where C.Element == UInt8 {
        guard !bytes.isEmpty else { return .failure(.empty) }
        var value: UInt64 = 0
        var count = 0
        for byte in bytes {
            guard let nibble = hexNibble(byte) else { return .failure(.notANumber(token(bytes))) }
            count += 1
            guard count <= 16 else { return .failure(.overflow(token(bytes))) }
            value = value << 4 | UInt64(nibble)
        }
        return .success(value)
    }

    @inline(__always)
    package static func hexNibble(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: return byte - 0x30
        case 0x41...0x46: return byte - 0x41 + 10
        case 0x61...0x66: return byte - 0x61 + 10
        default: return nil
        }
    }

    /// The token as printable text for a message: invalid UTF-8 shown as U+FFFD, cut at 40 characters.
    package static func token<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        let text = String(decoding: Array(bytes.prefix(40)), as: UTF8.self)
        return bytes.count > 40 ? text + "…" : text
    }
}

/// Splits a line of bytes into whitespace-separated fields without allocating strings.
package func splitFields(_ line: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
    var fields: [ArraySlice<UInt8>] = []
    var index = line.startIndex
    while index < line.endIndex {
        while index < line.endIndex, line[index].isASCIIWhitespace { index += 1 }
        guard index < line.endIndex else { break }
        let start = index
        while index < line.endIndex, !line[index].isASCIIWhitespace { index += 1 }
        fields.append(line[start..<index])
    }
    return fields
}

/// Splits bytes into lines (without the terminating newline), keeping 1-based line numbers.
package func splitLines(_ bytes: [UInt8]) -> [(number: Int, text: ArraySlice<UInt8>)] {
    var lines: [(Int, ArraySlice<UInt8>)] = []
    var start = 0
    var number = 1
    for index in bytes.indices where bytes[index] == UInt8(ascii: "\n") {
        lines.append((number, bytes[start..<index]))
        start = index + 1
        number += 1
    }
    if start < bytes.count { lines.append((number, bytes[start..<bytes.count])) }
    return lines
}

extension ArraySlice<UInt8> {
    /// Whether the bytes are valid UTF-8.
    package var isValidUTF8: Bool {
        String(validating: self, as: UTF8.self) != nil
    }
}

/// Hex digits eight (or four) at a time, in the bytes of one integer (SWAR): no branch per digit.
enum Hex {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let high: UInt64 = 0x8080_8080_8080_8080

    /// Per byte (all below 0x80): 0x80 where the byte is at least `c`.
    @inline(__always)
    private static func atLeast(_ v: UInt64, _ c: UInt64) -> UInt64 { (v &+ ones &* (0x80 &- c)) & high }

    /// Whether all eight bytes are ASCII hex digits (either case).
    @inline(__always)
    static func allHex(_ x: UInt64) -> Bool {
        let lower = x | 0x2020_2020_2020_2020
        let digit = atLeast(x, 0x30) & ~atLeast(x, 0x3A)
        let letter = atLeast(lower, 0x61) & ~atLeast(lower, 0x67)
        return x & high == 0 && (digit | letter) == high
    }

    /// The nibble of each hex digit byte, in place (valid only for hex digits).
    @inline(__always)
    private static func nibbles(_ x: UInt64) -> UInt64 { (x & 0x0F0F_0F0F_0F0F_0F0F) &+ ((x >> 6) & ones) &* 9 }

    /// Eight hex digits as loaded little-endian from memory (`"0100007F"`): the value with its bytes swapped
    /// (0x7F000001), which is how the kernel's host-order address words read in network order.
    @inline(__always)
    static func eight(_ x: UInt64) -> (value: UInt32, valid: Bool) {
        let n = nibbles(x)
        let pairs = ((n << 4) | (n >> 8)) & 0x00FF_00FF_00FF_00FF
        let quads = (pairs | (pairs >> 8)) & 0x0000_FFFF_0000_FFFF
        return (UInt32(truncatingIfNeeded: quads | (quads >> 16)), allHex(x))
    }

    /// Four hex digits as loaded little-endian from memory (`"01BB"`): their value (443).
    @inline(__always)
    static func four(_ x: UInt32) -> (value: UInt16, valid: Bool) {
        let wide = UInt64(x) | 0x3030_3030_0000_0000          // pad with '0's to reuse the 8-byte check
        let n = nibbles(UInt64(x))
        let pairs = ((n << 4) | (n >> 8)) & 0x00FF_00FF
        return (UInt16(truncatingIfNeeded: (pairs & 0xFF) << 8 | (pairs >> 16) & 0xFF), allHex(wide))
    }
}
