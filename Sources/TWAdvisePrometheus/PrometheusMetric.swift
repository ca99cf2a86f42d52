public import TWAdviseHistory

/// A node_exporter metric the history reader asks for, the quantity it stands for, and how it is read.
public struct PrometheusMetric: Sendable, Hashable {
    /// How a metric is turned into points.
    public enum Kind: Sendable, Hashable {
        /// A level where high is bad (TIME_WAIT, entries in use): the highest sample of each step, so a spike
        /// between two steps is never lost: `max_over_time(M[G])`, G = max(step, 1m).
        case peakLevel
        /// A limit or setting: the value at each step (`M`, with the server's look-back).
        case level
        /// A counter since boot: its rate per second, `rate(M[W])`, W = max(4 × step, 1m).
        case counter
    }

    /// The metric name (`node_sockstat_TCP_tw`).
    public let name: String
    /// The quantity it gives.
    public let quantity: HistoryQuantity
    /// How it is read.
    public let kind: Kind
    /// Why a server may not have it, when node_exporter does not export it by default.
    public let whenMissing: String?

    /// A metric of the catalogue.
    public init(_ name: String, _ quantity: HistoryQuantity, _ kind: Kind, whenMissing: String? = nil) {
        self.name = name
        self.quantity = quantity
        self.kind = kind
        self.whenMissing = whenMissing
    }

    private static func netstat(_ group: String, _ counter: String, byDefault: Bool) -> PrometheusMetric {
        PrometheusMetric("node_netstat_\(group)_\(counter)", .counterRate(group, counter), .counter,
                         whenMissing: byDefault ? nil
                             : "node_exporter exports it only when --collector.netstat.fields matches \(group)_\(counter)")
    }

    /// The node_exporter metrics read, in report order.
    ///
    /// Of the netstat counters, node_exporter's default `--collector.netstat.fields` (collector/netstat_linux.go)
    /// exports `Tcp_(ActiveOpens|InSegs|OutSegs|OutRsts|PassiveOpens|RetransSegs|CurrEstab)` and
    /// `TcpExt_(Listen.*|Syncookies.*|TCPSynRetrans|TCPTimeouts|TCPOFOQueue|TCPRcvQDrop)`: `Tcp_AttemptFails`,
    /// `Tcp_EstabResets`, `TcpExt_TW`, `TcpExt_TCPTimeWaitOverflow`, `TcpExt_TWRecycled`, `TcpExt_PAWS*` and
    /// `TcpExt_TCPAbortOnData` need the regexp widened. The sockstat, filefd and conntrack collectors are on by
    /// default; the sysctl collector is off (see ``PrometheusHistory/sysctlKeys``).
    public static let catalogue: [PrometheusMetric] = [
        PrometheusMetric("node_sockstat_TCP_tw", .sockstat("TCP", "tw"), .peakLevel),
        PrometheusMetric("node_sockstat_TCP_inuse", .sockstat("TCP", "inuse"), .peakLevel),
        PrometheusMetric("node_sockstat_TCP_orphan", .sockstat("TCP", "orphan"), .peakLevel),
        PrometheusMetric("node_sockstat_TCP_alloc", .sockstat("TCP", "alloc"), .peakLevel),
        PrometheusMetric("node_sockstat_TCP_mem", .sockstat("TCP", "mem"), .peakLevel),
        PrometheusMetric("node_sockstat_sockets_used", .sockstat("sockets", "used"), .peakLevel),
        netstat("Tcp", "ActiveOpens", byDefault: true),
        netstat("Tcp", "PassiveOpens", byDefault: true),
        netstat("Tcp", "AttemptFails", byDefault: false),
        netstat("Tcp", "EstabResets", byDefault: false),
        netstat("Tcp", "RetransSegs", byDefault: true),
        netstat("Tcp", "OutRsts", byDefault: true),
        netstat("TcpExt", "ListenOverflows", byDefault: true),
        netstat("TcpExt", "ListenDrops", byDefault: true),
        netstat("TcpExt", "SyncookiesSent", byDefault: true),
        netstat("TcpExt", "TW", byDefault: false),
        netstat("TcpExt", "TCPTimeWaitOverflow", byDefault: false),
        netstat("TcpExt", "TWRecycled", byDefault: false),
        netstat("TcpExt", "PAWSPassive", byDefault: false),
        netstat("TcpExt", "PAWSActive", byDefault: false),
        netstat("TcpExt", "TCPAbortOnData", byDefault: false),
        PrometheusMetric("node_filefd_allocated", .fileHandles("allocated"), .peakLevel),
        PrometheusMetric("node_filefd_maximum", .fileHandles("max"), .level),
        PrometheusMetric("node_nf_conntrack_entries", .conntrack("count"), .peakLevel,
                         whenMissing: "node_exporter's conntrack collector exports it only where nf_conntrack is loaded"),
        PrometheusMetric("node_nf_conntrack_entries_limit", .conntrack("max"), .level,
                         whenMissing: "node_exporter's conntrack collector exports it only where nf_conntrack is loaded"),
    ]
}
