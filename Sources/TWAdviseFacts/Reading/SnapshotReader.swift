#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Reads a ``FactsSnapshot`` from a live host or a captured tree. Never writes anything.
public struct SnapshotReader: Sendable {
    /// What to read and how much to keep.
    public struct Options: Sendable, Hashable {
        /// Destinations kept in detail (the most loaded first); totals are always exact.
        public var topDestinations: Int
        /// Distinct destinations tracked while reading; sockets beyond count in totals only.
        public var maxTrackedDestinations: Int
        /// Read the socket tables (the expensive part on a busy host).
        public var includeSockets: Bool
        /// Seconds between two counter readings for rates; `nil` for a single reading. Live host only.
        public var interval: Double?
        /// Captured command output, read instead of the corresponding files under the root.
        public var captured: CapturedOutputs
        /// Read files under the root at all; `false` when only captured output is given.
        public var readRoot: Bool
        /// On the live host, read sockets over netlink sock_diag (falling back to /proc/net/tcp).
        public var useNetlink: Bool
        /// Read the persistent configuration (sysctl.conf, sysctl.d). Off inside another network namespace:
        /// the host's files do not apply to it (a container starts with the kernel's defaults).
        public var readPersistent = true
        /// On the live host, whether and how to find the processes holding the sockets (`/proc/PID/fd`).
        public var owners: OwnerLookupPolicy = .scanOnce
        /// Counts the scans made (tests).
        package var scanCounter: OwnerScanCounter?

        /// Options; the defaults read everything of the live host once.
        public init(topDestinations: Int = 100, maxTrackedDestinations: Int = 200_000, includeSockets: Bool = true,
                    interval: Double? = nil, captured: CapturedOutputs = CapturedOutputs(), readRoot: Bool = true,
                    useNetlink: Bool = true) {
            self.topDestinations = topDestinations
            self.maxTrackedDestinations = maxTrackedDestinations
            self.includeSockets = includeSockets
            self.interval = interval
            self.captured = captured
            self.readRoot = readRoot
            self.useNetlink = useNetlink
        }
    }

    /// Keys whose absence is expected on some kernels or hosts: recorded in ``Sysctls/absent`` without a warning.
    static let optionalKeys: Set<String> = [
        "net.ipv4.tcp_tw_recycle", "net.ipv4.tcp_tw_reuse_delay", "net.ipv4.tcp_ehash_entries",
        "net.ipv4.ip_autobind_reuse", "net.ipv4.ip_unprivileged_port_start", "net.netfilter.nf_conntrack_max",
        "net.netfilter.nf_conntrack_tcp_timeout_time_wait", "fs.nr_open",
        // Host-wide: only the initial network namespace has it (and the orphan count is host-wide too).
        "net.ipv4.tcp_max_orphans", "net.ipv4.tcp_mem",
    ]

    /// `net.ipv4.conf.eth9.rp_filter`, `net.ipv6.neigh.eth0.*`: a key of one network interface, not `all` or
    /// `default`.
    static func isPerInterface(_ key: String) -> Bool {
        let parts = key.split(separator: ".")
        guard parts.count >= 5, parts[0] == "net", parts[1] == "ipv4" || parts[1] == "ipv6", parts[2] == "conf" || parts[2] == "neigh" else { return false }
        return parts[3] != "all" && parts[3] != "default"
    }

    /// The root the files are read under.
    public var source: FactSource
    /// What to read and how much to keep.
    public var options: Options
    /// A reader of `source` (the live host by default).
    public init(source: FactSource = FactSource(), options: Options = Options()) {
        self.source = source
        self.options = options
    }

    /// Reads every fact; problems become warnings in the snapshot and unknown values, never errors.
    public func read() -> FactsSnapshot {
        var snapshot = options.readRoot ? readRoot() : FactsSnapshot(origin: FactsOrigin(kind: .captured, location: ""))
        if !options.captured.isEmpty { applyCaptured(to: &snapshot) }
        return snapshot
    }


    func readRoot() -> FactsSnapshot {
        var warnings: [FactWarning] = []
        var firstReading: (KeyedCounters, ContinuousClock.Instant)?
        if let interval = options.interval, interval > 0 {
            var ignored: [FactWarning] = []
            firstReading = (readCounters(&ignored).adding(conntrackStats: readConntrackStats(&ignored)), ContinuousClock.now)
            Self.sleepSeconds(interval)
        }
        let host = readHost(&warnings)
        let sysctls = readSysctls(&warnings)
        var persistent = options.readPersistent ? PersistentConfigReader.read(source, warnings: &warnings) : PersistentSysctlConfig()
        if source.isLiveRoot && options.readPersistent {
            // The live /proc/sys is the kernel's full key list (a captured tree may hold part of it only).
            // A key of one interface (net.ipv4.conf.eth9.rp_filter) is applied by systemd-sysctl when the
            // interface appears: its absence now proves nothing.
            persistent.missingKeys = Set(persistent.entries.map(\.key)).filter { key in
                !key.contains("*") && !Self.isPerInterface(key) && !source.exists("proc/sys/" + key.replacing(".", with: "/"))
            }.sorted()
        }
        let sockstat = readNonEmpty("proc/net/sockstat", &warnings).map {
            SockstatParser.parse($0, path: "proc/net/sockstat", warnings: &warnings)
        }
        let sockstat6 = readNonEmpty("proc/net/sockstat6", &warnings).map {
            SockstatParser.parse($0, path: "proc/net/sockstat6", warnings: &warnings)
        }
        let counters = readCounters(&warnings)
        let conntrack = ConntrackFacts(
            count: readInteger("proc/sys/net/netfilter/nf_conntrack_count", &warnings, warnIfMissing: false),
            max: sysctls.integer("net.netfilter.nf_conntrack_max"),
            stats: readConntrackStats(&warnings))
        var rates: CounterRates?
        if let (first, start) = firstReading {
            rates = CounterRates(first: first, second: counters.adding(conntrackStats: conntrack.stats), intervalSeconds: (ContinuousClock.now - start).secondsValue)
        }
        let fileHandles = readFileHandles(&warnings)
        let sockets: SocketTable?
        if options.includeSockets, source.perThreadNet, Self.hasNoTCPSockets(sockstat, sockstat6) {
            // Another namespace with no TCP socket at all: its dump would walk the host's whole socket hash
            // (shared by every namespace unless tcp_child_ehash_entries is set) to find nothing.
            sockets = SocketTable(sources: ["proc/net/sockstat (no TCP socket in this namespace)"], ipv4: StateCounts(), ipv6: StateCounts(),
                                  ephemeralRange: sysctls.ipLocalPortRange)
        } else {
            sockets = options.includeSockets ? readSockets(range: sysctls.ipLocalPortRange, &warnings) : nil
        }
        let collectedAt = source.isLiveRoot ? Date.now.formatted(.iso8601) : nil
        // Live: absolute paths; a captured tree: paths inside it (the report's input line names the tree).
        let prefix = source.isLiveRoot ? "/" : ""
        let readFrom = ReadLocations(
            sockets: sockets.map { $0.sources.map { $0.hasPrefix("proc/") ? prefix + $0 : $0 }.joined(separator: ", ") },
            host: host.hostname != nil || host.kernel != nil ? prefix + "proc/sys/kernel" : nil,
            sysctls: sysctls.values.isEmpty ? nil : prefix + "proc/sys",
            persistent: persistent.files.isEmpty ? nil : persistent.files.map { prefix + $0 }.joined(separator: ", "),
            sockstat: sockstat == nil ? nil : prefix + "proc/net/sockstat",
            counters: counters.isEmpty ? nil : prefix + "proc/net/netstat, " + prefix + "proc/net/snmp",
            conntrack: conntrack.count == nil ? nil : prefix + "proc/sys/net/netfilter",
            fileHandles: fileHandles.allocated == nil ? nil : prefix + "proc/sys/fs/file-nr")
        return FactsSnapshot(
            origin: source.isLiveRoot ? FactsOrigin(kind: .live, location: "/") : FactsOrigin(kind: .root, location: source.root),
            collectedAt: collectedAt, host: host, sysctls: sysctls, persistentSysctls: persistent,
            sockstat: sockstat, sockstat6: sockstat6, counters: counters, conntrack: conntrack,
            fileHandles: fileHandles, sockets: sockets, readFrom: readFrom, rates: rates, warnings: warnings)
    }


    /// The counters rates are computed from (TcpExt, Tcp, conntrack statistics), read alone: the first of
    /// two readings when several namespaces share one wait.
    package func readRateBasis() -> KeyedCounters {
        var ignored: [FactWarning] = []
        return readCounters(&ignored).adding(conntrackStats: readConntrackStats(&ignored))
    }

    func readCounters(_ warnings: inout [FactWarning]) -> KeyedCounters {
        var counters = KeyedCounters()
        for path in ["proc/net/netstat", "proc/net/snmp"] {
            if let bytes = readNonEmpty(path, &warnings) {
                counters.merge(CounterTableParser.parse(bytes, path: path, warnings: &warnings))
            }
        }
        return counters
    }

    /// Whether sockstat says there is no TCP socket, IPv4 or IPv6, in use or in TIME_WAIT.
    static func hasNoTCPSockets(_ sockstat: KeyedCounters?, _ sockstat6: KeyedCounters?) -> Bool {
        guard let sockstat, sockstat["TCP", "inuse"] == 0, sockstat["TCP", "tw"] == 0 else { return false }  // alloc is host-wide
        return sockstat6?["TCP6", "inuse"] ?? 0 == 0
    }

    func readConntrackStats(_ warnings: inout [FactWarning]) -> [String: Int64]? {
        source.read("proc/net/stat/nf_conntrack", warnings: &warnings, warnIfMissing: false).flatMap {
            ConntrackStatParser.parse($0, path: "proc/net/stat/nf_conntrack", warnings: &warnings)
        }
    }

    static func sleepSeconds(_ seconds: Double) {
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }
}
