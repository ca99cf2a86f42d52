/// Runtime values of the kernel parameters TWAdvise reads, as read from `/proc/sys`.
///
/// A key is in exactly one of three places: ``values`` (read), ``absent`` (the file does not exist,
/// e.g. `tcp_tw_recycle` on Linux ≥ 4.12, or a key the capture did not include) or neither
/// (the file exists but could not be read or parsed; a warning says why).
public struct Sysctls: Codable, Sendable, Hashable {
    /// Read values by dotted name.
    public var values: [String: SysctlValue]
    /// Dotted names whose file does not exist under the fact root, sorted.
    public var absent: [String]

    /// Runtime values by dotted key, and the keys found absent.
    package init(values: [String: SysctlValue] = [:], absent: [String] = []) {
        self.values = values
        self.absent = absent.sorted()
    }

    /// The value of the dotted key `name`, if it was read.
    public subscript(name: String) -> SysctlValue? { values[name] }

    /// The integer value of the dotted key `name`, if it was read and is an integer.
    public func integer(_ name: String) -> Int64? { values[name]?.integer }

    /// `net.ipv4.ip_local_port_range`.
    public var ipLocalPortRange: PortRange? { values["net.ipv4.ip_local_port_range"]?.portRange }
    /// `net.ipv4.ip_local_reserved_ports`.
    public var ipLocalReservedPorts: PortSet? { values["net.ipv4.ip_local_reserved_ports"]?.portSet }
    /// `net.ipv4.tcp_tw_reuse`.
    public var tcpTwReuse: Int64? { integer("net.ipv4.tcp_tw_reuse") }
    /// `net.ipv4.tcp_tw_recycle` (absent on Linux 4.12 and later).
    public var tcpTwRecycle: Int64? { integer("net.ipv4.tcp_tw_recycle") }
    /// `net.ipv4.tcp_timestamps`.
    public var tcpTimestamps: Int64? { integer("net.ipv4.tcp_timestamps") }
    /// `net.ipv4.tcp_fin_timeout`.
    public var tcpFinTimeout: Int64? { integer("net.ipv4.tcp_fin_timeout") }
    /// `net.ipv4.tcp_max_tw_buckets`.
    public var tcpMaxTwBuckets: Int64? { integer("net.ipv4.tcp_max_tw_buckets") }
    /// `fs.file-max`.
    public var fileMax: Int64? { integer("fs.file-max") }
}
