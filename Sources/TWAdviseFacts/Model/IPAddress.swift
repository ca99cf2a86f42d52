/// An IPv4 or IPv6 address as 128 bits in network order, cheap to hash while aggregating sockets.
///
/// Encoded in JSON as its text form (`127.0.0.1`, `fe80::56e1:adff:fe7c:6609`).
public struct IPAddress: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Bytes 0–7 of the IPv6 address (0 for IPv4).
    public var high: UInt64
    /// Bytes 8–15 of the IPv6 address, or the IPv4 address in its low 32 bits.
    public var low: UInt64
    /// Whether it is an IPv6 address (an IPv4-mapped one included).
    public var isIPv6: Bool

    /// An IPv4 address from its 32-bit value in host order.
    package init(ipv4 value: UInt32) {
        high = 0
        low = UInt64(value)
        isIPv6 = false
    }

    /// An IPv6 address from its high and low 64 bits.
    package init(ipv6High high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
        isIPv6 = true
    }

    /// Parses dotted-quad IPv4 or RFC 4291 IPv6 text (with `::` and an embedded IPv4 tail); `nil` otherwise.
    public init?(_ text: String) {
        if let v4 = IPAddress.parseIPv4(Substring(text)) {
            self.init(ipv4: v4)
            return
        }
        guard let (h, l) = IPAddress.parseIPv6(text) else { return nil }
        self.init(ipv6High: h, low: l)
    }

    /// The IPv4 address inside an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`).
    public var mappedIPv4: UInt32? {
        guard isIPv6, high == 0, low >> 32 == 0xFFFF else { return nil }
        return UInt32(truncatingIfNeeded: low)
    }

    /// `127.0.0.0/8`, `::1` or `::ffff:127.0.0.0/104`: where `tcp_tw_reuse = 2` applies.
    public var isLoopback: Bool {
        if !isIPv6 { return low >> 24 == 127 }
        if let v4 = mappedIPv4 { return v4 >> 24 == 127 }
        return high == 0 && low == 1
    }

    /// `0.0.0.0` or `::`.
    public var isUnspecified: Bool { high == 0 && low == 0 }

    public static func < (a: IPAddress, b: IPAddress) -> Bool {
        (a.isIPv6 ? 1 : 0, a.high, a.low) < (b.isIPv6 ? 1 : 0, b.high, b.low)
    }

    /// Dotted quad, or RFC 5952 text for IPv6.
    public var description: String {
        if !isIPv6 { return IPAddress.formatIPv4(UInt32(truncatingIfNeeded: low)) }
        if let v4 = mappedIPv4 { return "::ffff:" + IPAddress.formatIPv4(v4) }
        var groups: [UInt16] = []
        for shift in stride(from: 48, through: 0, by: -16) { groups.append(UInt16(truncatingIfNeeded: high >> UInt64(shift))) }
        for shift in stride(from: 48, through: 0, by: -16) { groups.append(UInt16(truncatingIfNeeded: low >> UInt64(shift))) }
        // RFC 5952: compress the longest run (length >= 2) of zero groups, the first one on a tie.
        var bestStart = -1, bestLength = 0, runStart = -1
        for i in 0...8 {
            if i < 8 && groups[i] == 0 {
                if runStart < 0 { runStart = i }
            } else if runStart >= 0 {
                if i - runStart > bestLength { bestStart = runStart; bestLength = i - runStart }
                runStart = -1
            }
        }
        if bestLength < 2 { return groups.map { String($0, radix: 16) }.joined(separator: ":") }
        let head = groups[0..<bestStart].map { String($0, radix: 16) }.joined(separator: ":")
        let tail = groups[(bestStart + bestLength)...].map { String($0, radix: 16) }.joined(separator: ":")
        return head + "::" + tail
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let address = IPAddress(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not an IP address")
        }
        self = address
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    static func formatIPv4(_ v: UInt32) -> String {
        "\(v >> 24).\((v >> 16) & 0xFF).\((v >> 8) & 0xFF).\(v & 0xFF)"
    }

    static func parseIPv4(_ text: Substring) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy(\.isASCIIDigitCharacter),
                  let octet = UInt32(part), octet <= 255 else { return nil }
            value = value << 8 | octet
        }
        return value
    }

    static func parseIPv6(_ text: String) -> (UInt64, UInt64)? {
        var text = Substring(text)
        if text.hasPrefix("[") && text.hasSuffix("]") { text = text.dropFirst().dropLast() }
        if let percent = text.firstIndex(of: "%") { text = text[..<percent] }
        var halves = [String(text)]
        let bytes = Array(text.utf8)
        if let gap = bytes.indices.dropLast().first(where: { bytes[$0] == 0x3A && bytes[$0 + 1] == 0x3A }) {
            halves = [String(decoding: bytes[..<gap], as: UTF8.self), String(decoding: bytes[(gap + 2)...], as: UTF8.self)]
            if halves[1].utf8.contains(0x3A), halves[1].hasPrefix(":") || halves[1].contains("::") { return nil }
        }
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String) -> [UInt16]? {
            if part.isEmpty { return [] }
            var result: [UInt16] = []
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for (i, piece) in pieces.enumerated() {
                if i == pieces.count - 1, piece.contains("."), let v4 = parseIPv4(piece) {
                    result += [UInt16(v4 >> 16), UInt16(v4 & 0xFFFF)]
                } else {
                    guard !piece.isEmpty, piece.count <= 4, let g = UInt16(piece, radix: 16) else { return nil }
                    result.append(g)
                }
            }
            return result
        }
        guard let head = groups(halves[0]) else { return nil }
        var all: [UInt16]
        if halves.count == 2 {
            guard let tail = groups(halves[1]), head.count + tail.count < 8 else { return nil }
            all = head + [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
        } else {
            guard head.count == 8 else { return nil }
            all = head
        }
        let h = all[0..<4].reduce(UInt64(0)) { $0 << 16 | UInt64($1) }
        let l = all[4..<8].reduce(UInt64(0)) { $0 << 16 | UInt64($1) }
        return (h, l)
    }
}

extension Character {
    var isASCIIDigitCharacter: Bool { isASCII && isNumber }
}
