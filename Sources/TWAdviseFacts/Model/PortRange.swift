/// An inclusive range of TCP ports, as in `net.ipv4.ip_local_port_range`.
public struct PortRange: Codable, Sendable, Hashable, CustomStringConvertible {
    /// First port.
    public var low: Int
    /// Last port (inclusive).
    public var high: Int

    /// The ports `low...high`.
    public init(low: Int, high: Int) {
        self.low = low
        self.high = high
    }

    private enum CodingKeys: String, CodingKey { case low, high }

    /// Decodes a range whose ends are ports (0...65535); anything else is a decoding error, so that no count
    /// computed from a snapshot file can overflow.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        low = try container.decode(Int.self, forKey: .low)
        high = try container.decode(Int.self, forKey: .high)
        guard (0...65535).contains(low), (0...65535).contains(high) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "port range \(low)-\(high) is not within 0...65535"))
        }
    }

    /// Number of ports in the range (0 when `high < low`).
    public var count: Int { high >= low ? high - low + 1 : 0 }

    /// Whether `port` is in the range.
    public func contains(_ port: Int) -> Bool { port >= low && port <= high }

    /// The kernel's default ephemeral range since Linux 4.6: 32768–60999 (28,232 ports).
    public static let kernelDefault = PortRange(low: 32768, high: 60999)

    /// `low-high`.
    public var description: String { "\(low)-\(high)" }
}

/// A set of ports, as in `net.ipv4.ip_local_reserved_ports` (`8080,9000-9100`), kept as sorted, merged ranges.
public struct PortSet: Codable, Sendable, Hashable, CustomStringConvertible {
    /// Sorted, non-overlapping, non-adjacent ranges.
    public private(set) var ranges: [PortRange]

    /// A set of these ranges.
    package init(ranges: [PortRange] = []) {
        var merged: [PortRange] = []
        for range in ranges.filter({ $0.count > 0 }).sorted(by: { $0.low < $1.low }) {
            if let last = merged.last, range.low <= last.high + 1 {
                merged[merged.count - 1].high = max(last.high, range.high)
            } else {
                merged.append(range)
            }
        }
        self.ranges = merged
    }

    /// Number of ports in the set.
    public var count: Int { ranges.reduce(0) { $0 + $1.count } }

    /// Whether no port is reserved.
    public var isEmpty: Bool { ranges.isEmpty }

    /// Whether `port` is in the set.
    public func contains(_ port: Int) -> Bool {
        ranges.contains { $0.contains(port) }
    }

    /// Number of ports of this set that lie inside `range`.
    public func count(in range: PortRange) -> Int {
        ranges.reduce(0) { total, r in
            let low = max(r.low, range.low)
            let high = min(r.high, range.high)
            return total + (high >= low ? high - low + 1 : 0)
        }
    }

    /// The kernel's own notation: `8080,9000-9100`.
    public var description: String {
        ranges.map { $0.low == $0.high ? "\($0.low)" : "\($0.low)-\($0.high)" }.joined(separator: ",")
    }
}
