/// The typed value of one kernel parameter.
///
/// In JSON an integer is a number, a port range `{"low":32768,"high":60999}`, a port set a list of such
/// ranges, and a vector of integers (`tcp_mem`) a list of numbers.
public enum SysctlValue: Sendable, Hashable, Codable, CustomStringConvertible {
    /// One integer (`tcp_tw_reuse`, `tcp_max_tw_buckets`).
    case integer(Int64)
    /// An inclusive range of ports (`ip_local_port_range`).
    case portRange(PortRange)
    /// A set of ports (`ip_local_reserved_ports`).
    case portSet(PortSet)
    /// Several integers on one line (`tcp_mem`: min, pressure, max, in pages).
    case integers([Int64])

    /// The value as an integer, `nil` for other kinds.
    public var integer: Int64? {
        if case .integer(let v) = self { return v }
        return nil
    }

    /// The value as a port range, `nil` for other kinds.
    public var portRange: PortRange? {
        if case .portRange(let v) = self { return v }
        return nil
    }

    /// The value as a port set, `nil` for other kinds.
    public var portSet: PortSet? {
        if case .portSet(let v) = self { return v }
        return nil
    }

    /// The value as `sysctl` prints it (`32768 60999`, `8080,9000-9100`, `2`).
    public var description: String {
        switch self {
        case .integer(let v): return String(v)
        case .portRange(let r): return "\(r.low) \(r.high)"
        case .portSet(let s): return s.description
        case .integers(let v): return v.map(String.init).joined(separator: " ")
        }
    }

    /// The value as several integers, `nil` for other kinds.
    public var integers: [Int64]? {
        if case .integers(let v) = self { return v }
        return nil
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let values = try? container.decode([Int64].self), !values.isEmpty {
            self = .integers(values)
        } else if let range = try? container.decode(PortRange.self) {
            self = .portRange(range)
        } else {
            self = .portSet(PortSet(ranges: try container.decode([PortRange].self)))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .integer(let v): try container.encode(v)
        case .portRange(let r): try container.encode(r)
        case .portSet(let s): try container.encode(s.ranges)
        case .integers(let v): try container.encode(v)
        }
    }
}

/// A kernel parameter TWAdvise reads, with the shape of its value.
package struct SysctlKey: Sendable, Hashable {
    /// How the key's value is written.
    package enum Kind: Sendable, Hashable {
        case integer
        case portRange
        case portSet
        /// Several integers on one line (`tcp_mem`).
        case integers
    }

    /// Dotted name, as `sysctl` prints it: `net.ipv4.tcp_tw_reuse`.
    package var name: String
    /// How its value is written.
    package var kind: Kind

    /// A key named `name` (dotted) whose values are of `kind`.
    package init(_ name: String, _ kind: Kind = .integer) {
        self.name = name
        self.kind = kind
    }

    /// The file under the fact root: `proc/sys/net/ipv4/tcp_tw_reuse`.
    package var procPath: String {
        "proc/sys/" + name.replacingDots()
    }

    /// Every parameter in the snapshot (the rules' inputs).
    package static let all: [SysctlKey] = [
        SysctlKey("net.ipv4.ip_local_port_range", .portRange),
        SysctlKey("net.ipv4.ip_local_reserved_ports", .portSet),
        SysctlKey("net.ipv4.ip_unprivileged_port_start"),
        SysctlKey("net.ipv4.ip_autobind_reuse"),
        SysctlKey("net.ipv4.tcp_tw_reuse"),
        SysctlKey("net.ipv4.tcp_tw_recycle"),
        SysctlKey("net.ipv4.tcp_tw_reuse_delay"),
        SysctlKey("net.ipv4.tcp_timestamps"),
        SysctlKey("net.ipv4.tcp_fin_timeout"),
        SysctlKey("net.ipv4.tcp_max_tw_buckets"),
        SysctlKey("net.ipv4.tcp_max_orphans"),
        SysctlKey("net.ipv4.tcp_syn_retries"),
        SysctlKey("net.ipv4.tcp_ehash_entries"),
        SysctlKey("net.core.somaxconn"),
        SysctlKey("net.ipv4.tcp_mem", .integers),
        SysctlKey("fs.file-max"),
        SysctlKey("fs.nr_open"),
        SysctlKey("net.netfilter.nf_conntrack_max"),
        SysctlKey("net.netfilter.nf_conntrack_tcp_timeout_time_wait"),
    ]

    /// The known key with this dotted (or slash-separated) name.
    package static func named(_ name: String) -> SysctlKey? {
        let dotted = name.replacingSlashes()
        return all.first { $0.name == dotted }
    }
}

extension String {
    func replacingDots() -> String {
        String(decoding: utf8.map { $0 == UInt8(ascii: ".") ? UInt8(ascii: "/") : $0 }, as: UTF8.self)
    }

    /// `net/ipv4/tcp_tw_reuse` → `net.ipv4.tcp_tw_reuse` (sysctl.d accepts both separators).
    func replacingSlashes() -> String {
        String(decoding: utf8.map { $0 == UInt8(ascii: "/") ? UInt8(ascii: ".") : $0 }, as: UTF8.self)
    }
}
