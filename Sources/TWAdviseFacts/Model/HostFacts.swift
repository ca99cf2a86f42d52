/// Which host the facts describe.
public struct HostInfo: Codable, Sendable, Hashable {
    /// `kernel.hostname`, as read (not escaped: renderers escape it).
    public var hostname: String?
    /// `kernel.osrelease`, parsed; `nil` when unknown.
    public var kernel: KernelVersion?
    /// Seconds since boot (`/proc/uptime`), for since-boot averages.
    public var uptimeSeconds: Double?

    /// Host facts, each unknown unless given.
    package init(hostname: String? = nil, kernel: KernelVersion? = nil, uptimeSeconds: Double? = nil) {
        self.hostname = hostname
        self.kernel = kernel
        self.uptimeSeconds = uptimeSeconds
    }
}

/// netfilter connection tracking (a separate table from the TCP stack's TIME_WAIT).
public struct ConntrackFacts: Codable, Sendable, Hashable {
    /// `net.netfilter.nf_conntrack_count`; `nil` when conntrack is not loaded or unreadable.
    public var count: Int64?
    /// `net.netfilter.nf_conntrack_max`.
    public var max: Int64?
    /// `/proc/net/stat/nf_conntrack` columns summed over CPUs (`drop`, `early_drop`, `insert_failed`, ...).
    public var stats: [String: Int64]?

    /// The section under which ``stats`` join the counters that rates are computed from
    /// (``FactsSnapshot/rateBasis``).
    package static let rateSection = "Conntrack"

    /// Conntrack facts, each unknown unless given.
    package init(count: Int64? = nil, max: Int64? = nil, stats: [String: Int64]? = nil) {
        self.count = count
        self.max = max
        self.stats = stats
    }
}

/// System-wide file handles (`/proc/sys/fs/file-nr`). TIME_WAIT sockets hold none.
public struct FileHandleFacts: Codable, Sendable, Hashable {
    /// Handles allocated (first field of `file-nr`).
    public var allocated: Int64?
    /// Allocated but unused (second field; 0 on modern kernels).
    public var unused: Int64?
    /// The limit, `fs.file-max` (third field).
    public var maximum: Int64?

    /// File-handle facts, each unknown unless given.
    package init(allocated: Int64? = nil, unused: Int64? = nil, maximum: Int64? = nil) {
        self.allocated = allocated
        self.unused = unused
        self.maximum = maximum
    }
}
