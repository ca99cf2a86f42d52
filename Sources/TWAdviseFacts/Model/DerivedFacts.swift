/// The ephemeral port budget of a host: R, the ports `connect()` can use toward one destination, and what
/// holds them. Computed once from a snapshot (``FactsSnapshot/derived``).
public struct PortBudget: Sendable, Hashable {
    /// `ip_local_port_range`.
    public var range: PortRange
    /// Ports of `ip_local_reserved_ports` inside the range.
    public var reservedInRange: Int
    /// Listening ports inside the range that are not reserved (each costs a port of R).
    public var unreservedListeners: [Int]
    /// Of those, the ones listened on only at loopback addresses (often a port the kernel chose: reserving
    /// it does nothing once the service restarts on another).
    public var loopbackListeners: [Int] = []
    /// The others: a service other hosts reach, on a fixed port an outgoing connection can take.
    public var exposedListeners: [Int] { unreservedListeners.filter { !loopbackListeners.contains($0) } }
    /// R: the range minus reserved ports and unreserved listening ports in it.
    public var usable: Int
    /// Distinct ephemeral local ports held by any socket (`bind()` exhaustion is host-wide, not per destination).
    public var portsHeld: Int

    /// U(D)/R: the share of the usable ports the sockets toward `destination` hold; `nil` when R is 0.
    public func share(of destination: DestinationLoad) -> Double? {
        usable > 0 ? Double(destination.inUse) / Double(usable) : nil
    }
}

/// Whether `connect()` may take over a TIME_WAIT port toward a destination (tcp_tw_reuse), and how soon.
public struct TimeWaitReuse: Sendable, Hashable {
    /// `net.ipv4.tcp_tw_reuse`.
    public var reuse: Int64?
    /// `net.ipv4.tcp_timestamps`; reuse needs them.
    public var timestamps: Int64?
    /// Seconds a TIME_WAIT must age before reuse: `tcp_tw_reuse_delay` (ms, Linux 6.14+), else the fixed 1 s.
    public var delaySeconds: Double

    /// The reuse settings of `sysctls`.
    init(_ sysctls: Sysctls) {
        reuse = sysctls.tcpTwReuse
        timestamps = sysctls.tcpTimestamps
        let delay = sysctls.integer("net.ipv4.tcp_tw_reuse_delay")
        delaySeconds = delay.map { Double(max($0, 1)) / 1000 } ?? 1
    }

    /// Whether reuse applies toward `destination`: timestamps on, and tcp_tw_reuse 1, or 2 with a loopback
    /// peer; `nil` when a value it depends on is unknown. (The peer must have sent timestamps too: the
    /// TWRecycled counter shows whether it does.)
    public func applies(to destination: DestinationLoad) -> Bool? {
        guard let reuse, let timestamps else { return nil }
        guard timestamps != 0 else { return false }
        return reuse == 1 || (reuse == 2 && destination.remoteAddress.isLoopback)
    }

    /// Seconds a connection this host closes holds its local port toward `destination`: the reuse delay where
    /// reuse applies, else `TCP_TIMEWAIT_LEN` (60 s); `nil` when whether reuse applies is unknown.
    public func holdSeconds(of destination: DestinationLoad) -> Double? {
        applies(to: destination).map { $0 ? min(delaySeconds, Self.timeWaitSeconds) : Self.timeWaitSeconds }
    }

    /// `TCP_TIMEWAIT_LEN`: how long TIME_WAIT lasts, fixed when the kernel is compiled.
    public static let timeWaitSeconds = 60.0

    /// The share of R a destination really holds: where reuse applies, a TIME_WAIT port is free again after
    /// the reuse delay, so only that part of its 60 s counts (a connect() takes it over); elsewhere every
    /// socket counts. `nil` when R or whether reuse applies is unknown.
    public func pressure(of destination: DestinationLoad, budget: PortBudget?) -> Double? {
        guard let budget, budget.usable > 0, let applies = applies(to: destination) else { return nil }
        let held = applies
            ? Double(destination.inUse - destination.timeWait) + Double(destination.timeWait) * min(delaySeconds / Self.timeWaitSeconds, 1)
            : Double(destination.inUse)
        return held / Double(budget.usable)
    }
}

/// A TIME_WAIT-related sysctl whose running value differs from what the persistent configuration sets.
public struct SysctlDrift: Sendable, Hashable {
    /// Dotted key (`net.ipv4.tcp_tw_reuse`).
    public var key: String
    /// The value in the kernel now.
    public var runtime: String
    /// The value the winning persistent assignment sets.
    public var persistent: String
    /// `file:line` of that assignment.
    public var location: String
}

/// Quantities derived from a snapshot, computed once and shared by the rules, the report, `watch` and the
/// Prometheus text.
public struct DerivedFacts: Sendable, Hashable {
    /// `nil` when the range, the reserved ports or the socket table is unknown.
    public var portBudget: PortBudget?
    /// Whether and how soon TIME_WAIT ports are reused.
    public var reuse: TimeWaitReuse
    /// Keys whose runtime and persistent values differ, sorted by key.
    public var drift: [SysctlDrift]
    /// Integer values the persistent configuration sets, by dotted key (unparsable values left out).
    public var persistentIntegers: [String: Int64]
    /// `ip_local_port_range` as the persistent configuration sets it.
    public var persistentPortRange: PortRange?

    /// Sysctls whose runtime/persistent disagreement matters for TIME_WAIT and port exhaustion.
    static let timeWaitRelatedKeys: Set<String> = [
        "net.ipv4.tcp_tw_reuse", "net.ipv4.tcp_tw_recycle", "net.ipv4.tcp_tw_reuse_delay", "net.ipv4.tcp_timestamps",
        "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_max_tw_buckets", "net.ipv4.ip_local_port_range",
        "net.ipv4.ip_local_reserved_ports", "net.netfilter.nf_conntrack_max", "fs.file-max",
    ]

    /// Computes every derived quantity of `snapshot`.
    init(_ snapshot: FactsSnapshot) {
        let sysctls = snapshot.sysctls
        reuse = TimeWaitReuse(sysctls)
        if let range = sysctls.ipLocalPortRange, let reserved = sysctls.ipLocalReservedPorts, let sockets = snapshot.sockets {
            let reservedInRange = reserved.count(in: range)
            let listeners = sockets.listeningPorts.filter { range.contains($0) && !reserved.contains($0) }
            portBudget = PortBudget(range: range, reservedInRange: reservedInRange, unreservedListeners: listeners,
                                    loopbackListeners: listeners.filter { sockets.loopbackListeningPorts?.contains($0) == true },
                                    usable: max(0, range.count - reservedInRange - listeners.count),
                                    portsHeld: sockets.ephemeralPortsInUse)
        } else {
            portBudget = nil
        }
        let effective = snapshot.persistentSysctls.effective
        var integers: [String: Int64] = [:]
        var drift: [SysctlDrift] = []
        for key in effective.keys.sorted() {
            guard let entry = effective[key] else { continue }
            let bytes = Array(entry.value.utf8)[...]
            if case .success(.integer(let v)) = SysctlValueParser.parse(bytes, kind: .integer) { integers[key] = v }
            guard Self.timeWaitRelatedKeys.contains(key), let spec = SysctlKey.named(key), let runtime = sysctls[key],
                  case .success(let configured) = SysctlValueParser.parse(bytes, kind: spec.kind), configured != runtime
            else { continue }
            drift.append(SysctlDrift(key: key, runtime: runtime.description, persistent: configured.description,
                                     location: entry.location))
        }
        self.drift = drift
        self.persistentIntegers = integers
        if let entry = effective["net.ipv4.ip_local_port_range"],
           case .success(.portRange(let range)) = SysctlValueParser.parse(Array(entry.value.utf8)[...], kind: .portRange) {
            persistentPortRange = range
        } else {
            persistentPortRange = nil
        }
    }
}

extension FactsSnapshot {
    /// The derived quantities of this snapshot (computed on each access: keep the value).
    public var derived: DerivedFacts { DerivedFacts(self) }
}

/// Where each group of a snapshot's facts was read (`proc/sys`, `captured sysctl -a output x.txt`), so that
/// a report says where a value really came from. A `nil` group was not read, or read before this was recorded.
public struct ReadLocations: Codable, Sendable, Hashable {
    /// The socket table: `netlink sock_diag`, `/proc/net/tcp, /proc/net/tcp6`, or a captured file.
    public var sockets: String?
    /// Host name and kernel release.
    public var host: String?
    /// Runtime sysctls (`/proc/sys`, or captured `sysctl -a` output).
    public var sysctls: String?
    /// The persistent configuration files read.
    public var persistent: String?
    /// `/proc/net/sockstat`.
    public var sockstat: String?
    /// TcpExt and Tcp counters (`/proc/net/netstat` and `snmp`, or captured `nstat`/`netstat -s`).
    public var counters: String?
    /// Conntrack counts.
    public var conntrack: String?
    /// `/proc/sys/fs/file-nr`.
    public var fileHandles: String?

    /// Locations by group; `nil` for a group that was not read.
    package init(sockets: String? = nil, host: String? = nil, sysctls: String? = nil, persistent: String? = nil, sockstat: String? = nil,
                counters: String? = nil, conntrack: String? = nil, fileHandles: String? = nil) {
        self.sockets = sockets
        self.host = host
        self.sysctls = sysctls
        self.persistent = persistent
        self.sockstat = sockstat
        self.counters = counters
        self.conntrack = conntrack
        self.fileHandles = fileHandles
    }

    /// Every location passed through `transform` (to name files relative to a sosreport's top, say).
    func mapped(_ transform: (String) -> String) -> ReadLocations {
        ReadLocations(sockets: sockets.map(transform), host: host.map(transform), sysctls: sysctls.map(transform), persistent: persistent.map(transform),
                      sockstat: sockstat.map(transform), counters: counters.map(transform), conntrack: conntrack.map(transform),
                      fileHandles: fileHandles.map(transform))
    }
}
