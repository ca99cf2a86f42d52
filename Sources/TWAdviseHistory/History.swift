#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// What a host kept of its own past: series of quantities over time and the kernel messages of this domain,
/// each naming where it was read; and what could not be read, with the reason.
///
/// The readers of this module (kernel log, sysstat) and of `TWAdvisePrometheus` and `TWAdviseRecorder` all
/// produce a `History`; the report's timeline and the evaluation of the rules at the worst moment read it.
public struct History: Sendable, Hashable, Codable {
    /// Quantities over time.
    public var series: [HistorySeries]
    /// Kernel messages of this domain; the kernel log reader gives one entry per kind, its sources merged.
    public var kernelEvents: [KernelLogEvent]
    /// Inputs looked for and not read (a file that could not be parsed, a version not understood).
    public var notRead: [HistoryGap]
    /// Inputs read (files, URLs), in the order read.
    public var read: [String]

    /// A history of the given parts.
    public init(series: [HistorySeries] = [], kernelEvents: [KernelLogEvent] = [], notRead: [HistoryGap] = [], read: [String] = []) {
        self.series = series
        self.kernelEvents = kernelEvents
        self.notRead = notRead
        self.read = read
    }

    /// Whether nothing was found.
    public var isEmpty: Bool { series.allSatisfy { $0.points.isEmpty } && kernelEvents.isEmpty }

    /// This history and `other`'s together.
    public func merging(_ other: History) -> History {
        History(series: series + other.series, kernelEvents: kernelEvents + other.kernelEvents,
                notRead: notRead + other.notRead, read: read + other.read)
    }
}

/// An input of history that was looked for and not read, and why.
public struct HistoryGap: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The file, directory or URL.
    public var source: String
    /// Why it was not read, in a few words ("sysstat file format 0x2175 not understood").
    public var reason: String
    /// A gap of `source` for `reason`.
    public init(source: String, reason: String) {
        self.source = source
        self.reason = reason
    }
    /// `source: reason`.
    public var description: String { "\(source): \(reason)" }
}

/// One value at one time.
public struct HistoryPoint: Sendable, Hashable, Codable {
    /// When the value was true (for a rate: the end of the interval it covers).
    public var time: Date
    /// The value.
    public var value: Double
    /// A point at `time`.
    public init(time: Date, value: Double) {
        self.time = time
        self.value = value
    }
}

/// What a series measures, named as the facts snapshot names it, so that a value at one instant can stand
/// in for the fact a live reading would have read.
public enum HistoryQuantity: Sendable, Hashable, Codable, CustomStringConvertible {
    /// A `/proc/net/sockstat` field: `sockstat("TCP", "tw")`, `sockstat("TCP", "inuse")`, `("TCP", "orphan")`,
    /// `("TCP", "mem")` (pages), `("TCP", "alloc")`, `("sockets", "used")`.
    case sockstat(String, String)
    /// A `/proc/net/snmp` or `/proc/net/netstat` counter as a rate per second: `counterRate("Tcp", "ActiveOpens")`,
    /// `("Tcp", "PassiveOpens")`, `("Tcp", "AttemptFails")`, `("Tcp", "EstabResets")`, `("Tcp", "RetransSegs")`,
    /// `("TcpExt", "TCPTimeWaitOverflow")`, `("TcpExt", "ListenOverflows")`, ...
    case counterRate(String, String)
    /// `fs/file-nr`: `"allocated"` or `"max"`.
    case fileHandles(String)
    /// Connection tracking: `"count"` or `"max"`.
    case conntrack(String)
    /// A sysctl's value, by dotted key (`net.ipv4.tcp_tw_reuse`).
    case sysctl(String)
    /// A series `twadvise watch --textfile` exports or `twadvise record` keeps, by metric name
    /// (``TWAdviseSeries``, or any other `twadvise_` name a server has), its labels on the series.
    case twadvise(String)

    /// `sockstat/TCP/tw`, `rate/Tcp/ActiveOpens`, `files/allocated`, `conntrack/count`, `sysctl/KEY`,
    /// `twadvise/NAME`.
    public var description: String {
        switch self {
        case .sockstat(let group, let field): "sockstat/\(group)/\(field)"
        case .counterRate(let group, let name): "rate/\(group)/\(name)"
        case .fileHandles(let field): "files/\(field)"
        case .conntrack(let field): "conntrack/\(field)"
        case .sysctl(let key): "sysctl/\(key)"
        case .twadvise(let name): "twadvise/\(name)"
        }
    }
}

/// A quantity over time as one source kept it.
public struct HistorySeries: Sendable, Hashable, Codable {
    /// What is measured.
    public var quantity: HistoryQuantity
    /// Labels that tell series of one quantity apart (`namespace`, `destination`, `instance`).
    public var labels: [String: String]
    /// Where it was read: a file of the tree (`var/log/sysstat/sa07`) or a server (`prometheus http://...`).
    public var source: String
    /// The points, oldest first.
    public var points: [HistoryPoint]
    /// A series of `quantity` read from `source`.
    public init(quantity: HistoryQuantity, labels: [String: String] = [:], source: String, points: [HistoryPoint]) {
        self.quantity = quantity
        self.labels = labels
        self.source = source
        self.points = points
    }
}

/// A kernel message of this domain, as often as it was logged.
public enum KernelMessageKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// `TCP: time wait bucket table overflow`: printed by `tcp_time_wait()` on 2.6 and 3.x kernels only; later
    /// kernels count `TcpExt: TCPTimeWaitOverflow` and print nothing (`KernelLogCatalogue` cites the sources).
    case timeWaitBucketOverflow = "time_wait_bucket_overflow"
    /// `nf_conntrack: table full, dropping packet` (newer kernels print the prefix twice, 2.6 adds a final `.`;
    /// before 2.6.22: `ip_conntrack: table full, dropping packet.`).
    case conntrackTableFull = "conntrack_table_full"
    /// `TCP: request_sock_TCP: Possible SYN flooding on port N. Sending cookies.  Check SNMP counters.` (4.x to 6.1),
    /// `... on port ADDR:N. Sending cookies.` since 6.2, `TCP: Possible SYN flooding on port N. ...` before;
    /// `Dropping request` without syncookies.
    case synFlooding = "syn_flooding"
    /// `TCP: too many orphaned sockets` (3.x+; 2.4: `too many of orphaned sockets`; 2.6: `Out of socket memory`,
    /// which also meant `tcp_mem` exhausted).
    case tooManyOrphans = "too_many_orphans"
    /// `TCP: out of memory -- consider tuning tcp_mem` (3.x+).
    case tcpOutOfMemory = "tcp_out_of_memory"
    /// `VFS: file-max limit N reached` (printed at each new high of allocated file handles).
    case fileMaxReached = "file_max_reached"
}

/// How often one kind of kernel message was logged in one source.
public struct KernelLogEvent: Sendable, Hashable, Codable {
    /// The kind of message.
    public var kind: KernelMessageKind
    /// When it was first logged in the window read (UTC; local log times shifted by the host's offset).
    public var first: Date
    /// When it was last logged.
    public var last: Date
    /// Lines of this kind read.
    public var count: Int
    /// Messages `net_ratelimit: N callbacks suppressed` hid between them, each such line attributed to the kind
    /// logged last before it in its file (or, before any, the next). An estimate: the kernel printed at least
    /// `count` lines of this kind, and the suppressed callbacks it reports are not all of this kind.
    public var suppressed: Int
    /// The times of each line, oldest first (the latest 10,000 kept; `count` counts them all).
    public var times: [Date]
    /// A detail the message names, when it does: the port of a SYN flood, the file-max limit.
    public var details: [String]
    /// One line as logged, for the evidence.
    public var example: String
    /// The files it was read from, comma-separated in the order read (`var/log/kern.log, var/log/kern.log.1`,
    /// `/dev/kmsg`); a file whose lines were all seen in an earlier one is not named.
    public var source: String

    /// An event of `kind`.
    public init(kind: KernelMessageKind, first: Date, last: Date, count: Int, suppressed: Int = 0, times: [Date] = [],
                details: [String] = [], example: String, source: String) {
        self.kind = kind
        self.first = first
        self.last = last
        self.count = count
        self.suppressed = suppressed
        self.times = times
        self.details = details
        self.example = example
        self.source = source
    }
}
