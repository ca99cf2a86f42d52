public import TWAdviseEngine
import TWAdviseFacts
import TWAdviseHistory

/// The fact paths rules address on a host snapshot, declared once (``HostFactSchema/facts``), and what is
/// made from the declarations: the schema rules are checked against, the fact tree they are evaluated on,
/// where each value was read, the fact reference and the Prometheus metric names.
public enum HostFactSchema {
    /// Integer sysctls exposed under `sysctl.` (runtime) and `persistent.` (as configured), by name → dotted key.
    package static let integerSysctls: [(name: String, key: String, doc: String)] = [
        ("tcp_tw_reuse", "net.ipv4.tcp_tw_reuse", "0 off, 1 on for outgoing connections, 2 loopback only (default since 4.19)"),
        ("tcp_tw_recycle", "net.ipv4.tcp_tw_recycle", "removed in Linux 4.12; breaks clients behind NAT"),
        ("tcp_tw_reuse_delay", "net.ipv4.tcp_tw_reuse_delay", "ms a TIME_WAIT must age before reuse (Linux 6.14+, default 1000)"),
        ("tcp_timestamps", "net.ipv4.tcp_timestamps", "RFC 7323 timestamps; tcp_tw_reuse needs them"),
        ("tcp_fin_timeout", "net.ipv4.tcp_fin_timeout", "seconds an orphaned socket stays in FIN_WAIT_2 (not the TIME_WAIT length)"),
        ("tcp_max_tw_buckets", "net.ipv4.tcp_max_tw_buckets", "most TIME_WAIT sockets before the kernel skips TIME_WAIT"),
        ("tcp_max_orphans", "net.ipv4.tcp_max_orphans", "most orphaned sockets"),
        ("tcp_syn_retries", "net.ipv4.tcp_syn_retries", "SYN retransmissions before connect() gives up (default 6: about 127 s; 6.5+ adds tcp_syn_linear_timeouts, about 131 s)"),
        ("tcp_ehash_entries", "net.ipv4.tcp_ehash_entries", "established hash size; the default tcp_max_tw_buckets is half of it"),
        ("ip_unprivileged_port_start", "net.ipv4.ip_unprivileged_port_start", "first port an unprivileged process may bind"),
        ("ip_autobind_reuse", "net.ipv4.ip_autobind_reuse", "bind(0) may reuse ports (experts only)"),
        ("somaxconn", "net.core.somaxconn", "listen backlog limit"),
        ("file_max", "fs.file-max", "system-wide file handle limit"),
        ("nr_open", "fs.nr_open", "the largest RLIMIT_NOFILE a process may be given: setrlimit() above it fails with EPERM"),
        ("nf_conntrack_max", "net.netfilter.nf_conntrack_max", "conntrack table size"),
        ("nf_conntrack_tcp_timeout_time_wait", "net.netfilter.nf_conntrack_tcp_timeout_time_wait", "seconds conntrack keeps TIME_WAIT flows (not TCP's TIME_WAIT)"),
    ]

    /// TcpExt counters exposed under `tcpext.` (names as the kernel spells them), with their node_exporter metric.
    static let tcpExtCounters: [(name: String, doc: String)] = [
        ("TW", "TIME_WAIT sockets entered with the normal 60 s timer (since boot)"),
        ("TWRecycled", "TIME_WAIT sockets reused by connect() under tcp_tw_reuse"),
        ("TWKilled", "TIME_WAIT sockets entered with a short timer"),
        ("PAWSPassive", "SYNs rejected by PAWS because of tcp_tw_recycle (kernels < 4.12)"),
        ("PAWSActive", "SYN-ACKs rejected by PAWS on active opens"),
        ("PAWSEstab", "segments rejected by PAWS on established sockets"),
        ("PAWSTimewait", "SYNs rejected by a TIME_WAIT socket's PAWS check (LINUX_MIB_PAWS_TW_REJECTED, Linux 6.16+): clients behind one address (NAT)"),
        ("PAWSOldAck", "ACKs of old data dropped by PAWS (Linux 6.16+)"),
        ("TCPTimeWaitOverflow", "closes that skipped TIME_WAIT because tcp_max_tw_buckets was full"),
        ("TCPAbortOnData", "connections reset at close(): SO_LINGER with a zero timeout, or data arriving after the application closed"),
        ("TCPAbortOnClose", "connections reset at close() because received data was left unread"),
        ("ListenOverflows", "accept queue overflows"),
        ("TCPMemoryPressures", "times TCP entered memory pressure (tcp_mem's second threshold)"),
        ("ListenDrops", "SYNs dropped on listening sockets"),
    ]

    /// Tcp (MIB) counters exposed under `tcp.`.
    static let tcpCounters: [(name: String, doc: String)] = [
        ("ActiveOpens", "connections opened by this host (since boot)"),
        ("PassiveOpens", "connections accepted (since boot)"),
        ("AttemptFails", "failed connection attempts"),
        ("EstabResets", "established connections reset"),
        ("CurrEstab", "connections now ESTABLISHED or CLOSE_WAIT"),
    ]

    /// Counter rates between two readings, under `rates.`: name → (section, counter, doc, metric).
    static let rateCounters: [(name: String, section: String, counter: String, doc: String, metric: HostFactMetric?)] = [
        ("active_opens_per_second", "Tcp", "ActiveOpens", "connections opened by this host per second (Tcp ActiveOpens)",
         .watch("twadvise_active_opens_per_second", "Connections opened by this host per second over the last interval.")),
        ("passive_opens_per_second", "Tcp", "PassiveOpens", "connections accepted per second (Tcp PassiveOpens)", nil),
        ("time_wait_per_second", "TcpExt", "TW", "TIME_WAIT sockets created per second (TcpExt TW)",
         .watch("twadvise_time_wait_created_per_second", "TIME_WAIT sockets created per second over the last interval (TcpExt TW).")),
        ("tw_overflow_per_second", "TcpExt", "TCPTimeWaitOverflow", "closes that skipped TIME_WAIT per second (TcpExt TCPTimeWaitOverflow)",
         .watch("twadvise_time_wait_overflow_per_second", "Closes that skipped TIME_WAIT per second (TcpExt TCPTimeWaitOverflow).")),
        ("paws_passive_per_second", "TcpExt", "PAWSPassive", "SYNs dropped by tcp_tw_recycle per second (TcpExt PAWSPassive)", nil),
        ("tw_recycled_per_second", "TcpExt", "TWRecycled", "TIME_WAIT reused by connect() per second (TcpExt TWRecycled)",
         .watch("twadvise_time_wait_reused_per_second", "TIME_WAIT ports taken over by connect() per second (TcpExt TWRecycled).")),
        ("listen_overflows_per_second", "TcpExt", "ListenOverflows", "connections dropped per second because an accept queue was full (TcpExt ListenOverflows)", nil),
        ("listen_drops_per_second", "TcpExt", "ListenDrops", "SYNs dropped per second on listening sockets, overflows included (TcpExt ListenDrops)", nil),
        ("paws_active_per_second", "TcpExt", "PAWSActive", "SYN-ACKs rejected by PAWS on active opens per second (TcpExt PAWSActive)", nil),
        ("paws_estab_per_second", "TcpExt", "PAWSEstab", "segments rejected by PAWS on established sockets per second (TcpExt PAWSEstab)", nil),
        ("paws_timewait_per_second", "TcpExt", "PAWSTimewait", "SYNs rejected by a TIME_WAIT socket's PAWS check per second (TcpExt PAWSTimewait, 6.16+)", nil),
        ("paws_old_ack_per_second", "TcpExt", "PAWSOldAck", "ACKs of old data dropped by PAWS per second (TcpExt PAWSOldAck, 6.16+)", nil),
        ("abort_on_data_per_second", "TcpExt", "TCPAbortOnData", "connections reset at close() per second: SO_LINGER 0 or data after close (TcpExt TCPAbortOnData)", nil),
        ("conntrack_insert_failed_per_second", ConntrackFacts.rateSection, "insert_failed",
         "new conntrack entries that could not be inserted per second (a NAT tuple clash, or no free NAT port)", nil),
        ("conntrack_drop_per_second", ConntrackFacts.rateSection, "drop", "packets dropped per second because the conntrack table was full", nil),
    ]

    static let socketFiles = ["proc/net/tcp", "proc/net/tcp6"]
    static let persistentFiles = ["etc/sysctl.conf", "etc/sysctl.d"]
    static let rangeFile = "proc/sys/net/ipv4/ip_local_port_range"
    static let reservedFile = "proc/sys/net/ipv4/ip_local_reserved_ports"
    static let twoReadings = ["two readings (--interval)"]
    static let processFiles = ["/proc/PID/fd, /proc/PID/limits (live host)"]
    /// Who holds a socket: read live from /proc, or from the users: column of captured `ss -p` output.
    static let ownerSources = ["/proc/PID/fd (live host)", "the users: column of captured ss -p output"]

    static func procPath(_ key: String) -> String { SysctlKey.named(key)?.procPath ?? "proc/sys" }

    /// Every host fact, in the order docs/facts.md lists them by path.
    public static let facts: [HostFact] = {
        var facts: [HostFact] = [
            .group("host", "the host the facts describe"),
            .string("host.hostname", "kernel.hostname", .host, sources: ["proc/sys/kernel/hostname"]) { $0.snapshot.host.hostname },
            .string("host.source", "'live', 'root', 'captured', 'sosreport' or 'history' (a recording or Prometheus)", .host, sources: []) { $0.snapshot.origin.kind.rawValue },
            .group("kernel", "kernel version and uptime"),
            .value("kernel.version", .version, "kernel version (major.minor.patch)", .kernelRelease, sources: ["proc/sys/kernel/osrelease"]) {
                $0.snapshot.host.kernel.map { .version(Version([$0.major, $0.minor, $0.patch])) }
            },
            .string("kernel.release", "release string as reported", .kernelRelease, sources: ["proc/sys/kernel/osrelease"]) { $0.snapshot.host.kernel?.release },
            .value("kernel.uptime", .duration, "time since boot", .host, sources: ["proc/uptime"]) { $0.snapshot.host.uptimeSeconds.map(FactValue.duration) },

            .group("sysctl", "runtime sysctl values"),
            .int("sysctl.ip_local_port_range_low", "first ephemeral port", .sysctl(key: "net.ipv4.ip_local_port_range"), sources: [rangeFile]) {
                $0.snapshot.sysctls.ipLocalPortRange.map { Int64($0.low) }
            },
            .int("sysctl.ip_local_port_range_high", "last ephemeral port", .sysctl(key: "net.ipv4.ip_local_port_range"), sources: [rangeFile]) {
                $0.snapshot.sysctls.ipLocalPortRange.map { Int64($0.high) }
            },
            .string("sysctl.ip_local_reserved_ports", "reserved ports as the kernel prints them ('8080,9000-9100')",
                    .sysctl(key: "net.ipv4.ip_local_reserved_ports"), sources: [reservedFile]) { $0.snapshot.sysctls.ipLocalReservedPorts?.description },
            .value("sysctl.absent", .list(.string), "dotted keys whose /proc/sys file does not exist (e.g. net.ipv4.tcp_tw_recycle on Linux ≥ 4.12)",
                   .sysctl(key: ""), sources: ["proc/sys"]) { .list($0.snapshot.sysctls.absent.map(FactValue.string)) },

            .group("persistent", "persistent sysctl configuration (sysctl --system order)"),
            .value("persistent.keys", .list(.string), "dotted keys the persistent configuration sets", .persistent, sources: persistentFiles) {
                .list($0.snapshot.persistentSysctls.effective.keys.sorted().map(FactValue.string))
            },
            .int("persistent.ip_local_port_range_low", "first ephemeral port the persistent configuration sets", .persistent, sources: persistentFiles) {
                $0.derived.persistentPortRange.map { Int64($0.low) }
            },
            .int("persistent.ip_local_port_range_high", "last ephemeral port the persistent configuration sets", .persistent, sources: persistentFiles) {
                $0.derived.persistentPortRange.map { Int64($0.high) }
            },
            .string("persistent.ip_local_port_range_location", "'file:line' where the range is set", .persistent, sources: persistentFiles) {
                $0.snapshot.persistentSysctls.effective["net.ipv4.ip_local_port_range"]?.location
            },
            .string("persistent.ip_local_port_range_file", "the file that sets the range, as a path on the host (/etc/...)", .persistent, sources: persistentFiles) {
                $0.snapshot.persistentSysctls.effective["net.ipv4.ip_local_port_range"].map { "/" + $0.file }
            },
        ]
        facts += HostFact.table("persistent.entries", record: "persistent entry", "every assignment that wins, by key", .persistent,
                                sources: persistentFiles,
                                rows: { input in
                                    let effective = input.snapshot.persistentSysctls.effective
                                    return effective.keys.sorted().compactMap { effective[$0] }
                                },
                                fields: [
                                    .string("key", "dotted sysctl key") { e, _ in e.key },
                                    .string("value", "value as written") { e, _ in e.value },
                                    .string("file", "file it is set in") { e, _ in e.file },
                                    .int("line", "line it is set on") { e, _ in Int64(e.line) },
                                    .string("location", "'file:line'") { e, _ in e.location },
                                    .bool("kernel_has", "the running kernel has the key (a /proc/sys file); unknown unless read on the live host; true for a '*' glob",
                                          sources: persistentFiles + ["proc/sys"]) { e, input in
                                        input.snapshot.persistentSysctls.missingKeys.map { !$0.contains(e.key) }
                                    },
                                ])
        facts += HostFact.table("persistent.drift", record: "drift", "TIME_WAIT-related keys whose runtime value differs from the persistent one",
                                .derived(["sysctl", "persistent.entries"]), sources: persistentFiles + ["proc/sys"],
                                rows: { $0.derived.drift },
                                fields: [
                                    .string("key", "dotted sysctl key") { d, _ in d.key },
                                    .string("runtime", "value now in the kernel", origin: .sysctl(key: "")) { d, _ in d.runtime },
                                    .string("persistent", "value the persistent configuration sets", origin: .persistent) { d, _ in d.persistent },
                                    .string("location", "'file:line' of the winning assignment", origin: .persistent) { d, _ in d.location },
                                ])
        for (name, key, doc) in integerSysctls {
            facts.append(.int("sysctl." + name, "\(key): \(doc)", .sysctl(key: key), sources: [procPath(key)]) { $0.snapshot.sysctls.integer(key) })
            facts.append(.int("persistent." + name, "\(key) as the persistent configuration sets it", .persistent, sources: persistentFiles) {
                $0.derived.persistentIntegers[key]
            })
            facts.append(.string("persistent.\(name)_location", "'file:line' where \(key) is set", .persistent, sources: persistentFiles) {
                $0.snapshot.persistentSysctls.effective[key]?.location
            })
            facts.append(.string("persistent.\(name)_file", "the file that sets \(key), as a path on the host (/etc/...)", .persistent, sources: persistentFiles) {
                $0.snapshot.persistentSysctls.effective[key].map { "/" + $0.file }
            })
        }

        let budget: HostFactOrigin = .derived(["sysctl.ip_local_port_range_low", "sysctl.ip_local_reserved_ports", "sockets.listen"])
        facts += [
            .group("ports", "the ephemeral port budget"),
            .int("ports.range_low", "first ephemeral port", .sysctl(key: "net.ipv4.ip_local_port_range"), sources: [rangeFile]) {
                $0.snapshot.sysctls.ipLocalPortRange.map { Int64($0.low) }
            },
            .int("ports.range_high", "last ephemeral port", .sysctl(key: "net.ipv4.ip_local_port_range"), sources: [rangeFile]) {
                $0.snapshot.sysctls.ipLocalPortRange.map { Int64($0.high) }
            },
            .int("ports.range_size", "ports in ip_local_port_range", .sysctl(key: "net.ipv4.ip_local_port_range"), sources: [rangeFile]) {
                $0.snapshot.sysctls.ipLocalPortRange.map { Int64($0.count) }
            },
            .int("ports.reserved_in_range", "ports of ip_local_reserved_ports inside the range",
                 .derived(["sysctl.ip_local_port_range_low", "sysctl.ip_local_reserved_ports"]), sources: [reservedFile]) { input in
                guard let range = input.snapshot.sysctls.ipLocalPortRange, let reserved = input.snapshot.sysctls.ipLocalReservedPorts else { return nil }
                return Int64(reserved.count(in: range))
            },
            .int("ports.listeners_in_range", "listening ports inside the range and not reserved", budget, sources: socketFiles) {
                $0.derived.portBudget.map { Int64($0.unreservedListeners.count) }
            },
            .value("ports.listener_ports_in_range", .list(.int), "those ports", budget, sources: socketFiles) {
                $0.derived.portBudget.map { .list($0.unreservedListeners.map { FactValue.int(Int64($0)) }) }
            },
            .value("ports.exposed_listener_ports_in_range", .list(.int), "those ports listened on at an address other hosts reach (not only loopback)",
                   budget, sources: socketFiles) {
                $0.derived.portBudget.map { .list($0.exposedListeners.map { FactValue.int(Int64($0)) }) }
            },
            .value("ports.loopback_listener_ports_in_range", .list(.int), "those ports listened on only at loopback addresses, often a port the kernel chose",
                   budget, sources: socketFiles) {
                $0.derived.portBudget.map { .list($0.loopbackListeners.map { FactValue.int(Int64($0)) }) }
            },
            .int("ports.usable", "R: range size minus reserved and listening ports in it", budget, sources: [rangeFile] + socketFiles,
                 metric: .watch("twadvise_ephemeral_ports_usable", "Usable ephemeral ports R: range minus reserved and listening ports in it.")) {
                $0.derived.portBudget.map { Int64($0.usable) }
            },
            .int("ports.ports_held", "distinct ephemeral ports held by any socket (bind() exhaustion is host-wide)", .sockets, sources: socketFiles,
                 metric: .watch("twadvise_ephemeral_ports_held", "Distinct ephemeral ports held by any socket.")) {
                $0.derived.portBudget.map { Int64($0.portsHeld) }
            },

            .group("sockstat", "/proc/net/sockstat"),
        ]
        for (name, section, key, doc, metric) in [
            ("tw", "TCP", "tw", "TIME_WAIT sockets (kernel counter, IPv4 and IPv6)", "node_sockstat_TCP_tw"),
            ("inuse", "TCP", "inuse", "TCP sockets in use (excluding TIME_WAIT)", "node_sockstat_TCP_inuse"),
            ("orphan", "TCP", "orphan", "orphaned TCP sockets", "node_sockstat_TCP_orphan"),
            ("alloc", "TCP", "alloc", "allocated TCP sockets", "node_sockstat_TCP_alloc"),
            ("mem", "TCP", "mem", "TCP memory in pages", "node_sockstat_TCP_mem"),
            ("sockets_used", "sockets", "used", "sockets of all kinds", "node_sockstat_sockets_used"),
        ] {
            // watch writes the kernel's TIME_WAIT count too, per namespace: node_exporter sees only its own.
            let alias = name == "tw" ? (name: "twadvise_time_wait_sockets", help: "TIME_WAIT sockets, kernel counter (/proc/net/sockstat tw).") : nil
            facts.append(.int("sockstat." + name, doc, .sockstat, sources: ["proc/net/sockstat"], metric: .nodeExporter(metric, watchAlias: alias)) {
                $0.snapshot.sockstat?[section, key]
            })
        }
        // tcp_mem: three thresholds in pages, compared with sockstat's TCP mem (pages too).
        for (index, name, doc) in [(0, "min", "below it TCP does not regulate its memory"),
                                   (1, "pressure", "from it TCP is under memory pressure and shrinks buffers (TcpExtTCPMemoryPressures)"),
                                   (2, "max", "at it new TCP memory is refused: 'out of memory -- consider tuning tcp_mem'")] {
            facts.append(.int("sysctl.tcp_mem_" + name, "net.ipv4.tcp_mem, \(name) threshold in pages: \(doc)", .sysctl(key: "net.ipv4.tcp_mem"),
                              sources: [procPath("net.ipv4.tcp_mem")]) {
                $0.snapshot.sysctls["net.ipv4.tcp_mem"]?.integers.flatMap { $0.count == 3 ? $0[index] : nil }
            })
        }
        facts.append(.int("sockstat.tcp6_inuse", "TCP6 sockets in use", .sockstat, sources: ["proc/net/sockstat6"], metric: .nodeExporter("node_sockstat_TCP6_inuse")) {
            $0.snapshot.sockstat6?["TCP6", "inuse"]
        })
        facts.append(.group("tcpext", "TcpExt counters since boot (/proc/net/netstat)"))
        for (name, doc) in tcpExtCounters {
            facts.append(.int("tcpext." + name, doc, .counters, sources: ["proc/net/netstat"], metric: .nodeExporter("node_netstat_TcpExt_" + name)) {
                $0.snapshot.counters["TcpExt", name]
            })
        }
        facts.append(.group("tcp", "Tcp counters since boot (/proc/net/snmp)"))
        for (name, doc) in tcpCounters {
            facts.append(.int("tcp." + name, doc, .counters, sources: ["proc/net/snmp"], metric: .nodeExporter("node_netstat_Tcp_" + name)) {
                $0.snapshot.counters["Tcp", name]
            })
        }

        facts += [
            .group("sockets", "the socket table"),
            .int("sockets.time_wait", "TIME_WAIT rows in the socket table", .sockets, sources: socketFiles,
                 metric: .watch("twadvise_socket_table_time_wait", "TIME_WAIT rows in the socket table.")) { $0.snapshot.sockets.map { Int64($0.timeWait) } },
            .int("sockets.outbound_time_wait", "TIME_WAIT on an ephemeral local port (this host closed an outgoing connection)", .sockets, sources: socketFiles,
                 metric: .watch("twadvise_outbound_time_wait", "TIME_WAIT on ephemeral local ports (this host closed outgoing connections).")) {
                $0.snapshot.sockets.map { Int64($0.outboundTimeWait) }
            },
            .int("sockets.inbound_time_wait", "TIME_WAIT on a listening port (the server closed first)", .sockets, sources: socketFiles,
                 metric: .watch("twadvise_inbound_time_wait", "TIME_WAIT on listening ports (the server closed first).")) {
                $0.snapshot.sockets.map { Int64($0.inboundTimeWait) }
            },
            .int("sockets.established", "ESTABLISHED sockets", .sockets, sources: socketFiles,
                 metric: .watch("twadvise_established_sockets", "ESTABLISHED TCP sockets, IPv4 and IPv6.")) { $0.snapshot.sockets.map { Int64($0.all[.established]) } },
            .int("sockets.fin_wait2", "FIN_WAIT2 sockets", .sockets, sources: socketFiles) { $0.snapshot.sockets.map { Int64($0.all[.finWait2]) } },
            .int("sockets.close_wait", "CLOSE_WAIT sockets", .sockets, sources: socketFiles) { $0.snapshot.sockets.map { Int64($0.all[.closeWait]) } },
            .int("sockets.listen", "listening sockets", .sockets, sources: socketFiles) { $0.snapshot.sockets.map { Int64($0.all[.listen]) } },
            .int("sockets.destination_count", "distinct destinations", .sockets, sources: socketFiles) { $0.snapshot.sockets.map { Int64($0.destinationCount) } },
        ]
        facts += HostFact.table("sockets.destinations", record: "destination",
                                "the most loaded destinations (local address, remote address, remote port)", .sockets, sources: socketFiles,
                                rows: { $0.snapshot.sockets?.destinations },
                                fields: [
                                    .string("local_address", "local address of the sockets") { d, _ in d.localAddress.description },
                                    .string("remote_address", "remote address") { d, _ in d.remoteAddress.description },
                                    .int("remote_port", "remote port") { d, _ in Int64(d.remotePort) },
                                    .string("remote_host", "remote address as ss filters take it ([v6] in brackets)") { d, _ in d.remoteHost },
                                    .string("label", "'local → remote:port'") { d, _ in d.label },
                                    .int("time_wait", "sockets in TIME_WAIT toward it",
                                         metric: .watch("twadvise_destination_time_wait", "TIME_WAIT sockets toward a destination.")) { d, _ in Int64(d.timeWait) },
                                    .int("established", "ESTABLISHED sockets toward it") { d, _ in Int64(d.established) },
                                    .int("syn_sent", "SYN_SENT sockets toward it") { d, _ in Int64(d.synSent) },
                                    .int("other", "sockets in any other state but LISTEN") { d, _ in Int64(d.other) },
                                    .int("in_use", "U(D): sockets (any state but LISTEN) holding an ephemeral port toward it",
                                         metric: .watch("twadvise_destination_sockets", "Sockets holding an ephemeral port toward a destination, U(D).")) { d, _ in Int64(d.inUse) },
                                    .float("port_share", "U(D) / R: the share of the usable ephemeral ports it holds (unknown when R is)",
                                           metric: .watch("twadvise_destination_port_share", "U(D) / R: share of the usable ephemeral ports a destination holds."),
                                           origin: .derived(["sockets.destinations", "ports.usable"])) { d, input in input.derived.portBudget?.share(of: d) },
                                    .bool("remote_is_loopback", "remote is 127/8, ::1 or v4-mapped loopback (tcp_tw_reuse = 2 applies)") { d, _ in d.remoteAddress.isLoopback },
                                    .bool("reuse_applies", "tcp_tw_reuse lets connect() take over its TIME_WAIT ports after the reuse delay (timestamps on; reuse 1, or 2 and a loopback peer)",
                                          origin: .derived(["sysctl.tcp_tw_reuse", "sysctl.tcp_timestamps", "sockets.destinations"])) { d, input in
                                        input.derived.reuse.applies(to: d)
                                    },
                                    .string("reuse_step", "'yes' when setting tcp_tw_reuse = 1 would help it (reuse does not apply, or that is unknown); unknown otherwise",
                                            origin: .derived(["sysctl.tcp_tw_reuse", "sysctl.tcp_timestamps"])) { d, input in
                                        input.derived.reuse.applies(to: d) == true ? nil : "yes"
                                    },
                                    .string("owner", "the process holding most of its live sockets: command, PID, unit or container; 'owner not visible to this user' without the privilege to read other processes; from captured ss -p output its command and PID; unknown for other captured input", origin: .owners, sources: ownerSources) { d, input in
                                        SocketOwnerText.describe(d, lookup: input.snapshot.sockets?.ownerLookup)
                                    },
                                    .int("owner_sockets", "how many of its live sockets (not TIME_WAIT, which has no owner) that process holds", origin: .owners, sources: ownerSources) { d, _ in
                                        d.owners?.first.map { Int64($0.sockets) }
                                    },
                                    .int("owner_pid", "that process's PID", origin: .owners, sources: ownerSources) { d, _ in d.owners?.first.map { Int64($0.pid) } },
                                    .int("owner_descriptors", "open descriptors of that process, all kinds (/proc/PID/fd)", origin: .processes, sources: processFiles) { d, _ in
                                        d.owners?.first?.openDescriptors.map(Int64.init)
                                    },
                                    .int("owner_descriptor_limit", "that process's soft RLIMIT_NOFILE (/proc/PID/limits); unknown when unlimited", origin: .processes, sources: processFiles) { d, _ in
                                        d.owners?.first?.descriptorLimit
                                    },
                                    .int("close_wait", "sockets in CLOSE_WAIT toward it: the peer closed, this application has not") { d, _ in
                                        d.closeWait.map(Int64.init)
                                    },
                                    .float("port_hold_seconds", "seconds a connection closed by this host holds its port toward it: the reuse delay where tcp_tw_reuse applies, else 60 (TCP_TIMEWAIT_LEN)",
                                           origin: .derived(["sysctl.tcp_tw_reuse", "sysctl.tcp_timestamps", "sysctl.tcp_tw_reuse_delay"])) { d, input in
                                        input.derived.reuse.holdSeconds(of: d)
                                    },
                                    .float("pressure", "the share of R it really holds: like port_share, but where reuse applies its TIME_WAIT counts only for the reuse delay, not 60 s",
                                           metric: .watch("twadvise_destination_pressure", "The share of R a destination really holds: TIME_WAIT counts only for the reuse delay where tcp_tw_reuse applies."),
                                           origin: .derived(["sockets.destinations", "ports.usable", "sysctl.tcp_tw_reuse", "sysctl.tcp_timestamps"])) { d, input in
                                        input.derived.reuse.pressure(of: d, budget: input.derived.portBudget)
                                    },
                                ])
        facts.append(.value("sockets.listening_ports", .list(.int), "every listening port (any address), sorted", .sockets, sources: socketFiles) {
            $0.snapshot.sockets.map { .list($0.listeningPorts.map { FactValue.int(Int64($0)) }) }
        })
        facts += HostFact.table("sockets.listeners", record: "listener", "listening ports with connections", .sockets, sources: socketFiles,
                                rows: { $0.snapshot.sockets?.listeners },
                                fields: [
                                    .int("port", "listening port") { l, _ in Int64(l.port) },
                                    .int("time_wait", "TIME_WAIT sockets on this port (the server closed first)") { l, _ in Int64(l.timeWait) },
                                    .int("established", "ESTABLISHED sockets on this port") { l, _ in Int64(l.established) },
                                    .int("other", "sockets in other states on this port") { l, _ in Int64(l.other) },
                                    .int("close_wait", "sockets in CLOSE_WAIT on this port: the client closed, the server application has not") { l, _ in
                                        l.closeWait.map(Int64.init)
                                    },
                                    .int("accept_queue", "connections waiting in its accept queue now (netlink: idiag_rqueue of the listening sockets; captured ss: Recv-Q of LISTEN)") { l, _ in
                                        l.acceptQueue.map(Int64.init)
                                    },
                                    .int("backlog", "the accept queue's limit: the listen() backlog capped by somaxconn (netlink: idiag_wqueue; captured ss: Send-Q of LISTEN)") { l, _ in
                                        l.backlog.map(Int64.init)
                                    },
                                    .bool("in_ephemeral_range", "the port lies inside ip_local_port_range",
                                          origin: .derived(["sockets.listeners", "sysctl.ip_local_port_range_low"])) { l, input in
                                        input.snapshot.sysctls.ipLocalPortRange?.contains(l.port)
                                    },
                                    .bool("reserved", "the port is in ip_local_reserved_ports", origin: .sysctl(key: "net.ipv4.ip_local_reserved_ports"),
                                          sources: socketFiles + [reservedFile]) { l, input in
                                        input.snapshot.sysctls.ipLocalReservedPorts?.contains(l.port)
                                    },
                                ])
        facts += HostFact.table("processes", record: "process",
                                "the processes holding sockets with the most open descriptors, listeners' servers included (live host: /proc/PID/fd, /proc/PID/limits)",
                                .processes, sources: processFiles, rows: { $0.snapshot.sockets?.processes },
                                fields: [
                                    .string("name", "command, PID and unit or container: 'nginx (pid 812, nginx.service)'") { p, _ in p.description },
                                    .int("pid", "its PID") { p, _ in Int64(p.pid) },
                                    .int("descriptors", "its open descriptors, all kinds") { p, _ in p.openDescriptors.map(Int64.init) },
                                    .int("descriptor_limit", "its soft RLIMIT_NOFILE; unknown when unlimited") { p, _ in p.descriptorLimit },
                                    .int("sockets", "sockets of any kind it holds") { p, _ in Int64(p.sockets) },
                                ])
        facts += HostFact.table("sockets.close_wait_groups", record: "close_wait_group",
                                "destinations and listening ports with sockets in CLOSE_WAIT, the most first", .sockets, sources: socketFiles,
                                rows: { $0.snapshot.sockets?.closeWaitGroups },
                                fields: [
                                    .string("label", "'local → remote:port' for a destination, 'port N' for a listening port") { g, _ in g.label },
                                    .bool("listener", "a listening port (the server side) rather than a destination") { g, _ in g.isListener },
                                    .int("count", "sockets in CLOSE_WAIT") { g, _ in Int64(g.closeWait) },
                                    .int("sockets", "every socket toward it or on it") { g, _ in Int64(g.sockets) },
                                    .string("owner", "the process holding its live sockets: the client for a destination, the server for a listening port (live host or captured ss -p)", origin: .owners) { g, _ in g.owner?.description },
                                    .int("owner_descriptors", "that process's open descriptors", origin: .processes) { g, _ in g.owner?.openDescriptors.map(Int64.init) },
                                    .int("owner_descriptor_limit", "that process's soft RLIMIT_NOFILE", origin: .processes) { g, _ in g.owner?.descriptorLimit },
                                ])
        facts += [
            .int("sockets.bound_unconnected", "sockets bound to a local port but neither connected nor listening (bind() before connect(); dumped by netlink on Linux 6.8+ as CLOSE)",
                 .sockets, sources: ["netlink sock_diag"]) { input in
                guard let table = input.snapshot.sockets, table.sources == ["netlink sock_diag"],
                      let kernel = input.snapshot.host.kernel, kernel >= KernelVersion(major: 6, minor: 8) else { return nil }
                return Int64(table.all[.close])
            },
            .group("conntrack", "netfilter connection tracking"),
            .int("conntrack.count", "conntrack entries", .conntrack, sources: ["proc/sys/net/netfilter/nf_conntrack_count"],
                 metric: .nodeExporter("node_nf_conntrack_entries")) { $0.snapshot.conntrack.count },
            .int("conntrack.max", "conntrack table size", .sysctl(key: "net.netfilter.nf_conntrack_max"), sources: ["proc/sys/net/netfilter/nf_conntrack_max"],
                 metric: .nodeExporter("node_nf_conntrack_entries_limit")) { $0.snapshot.conntrack.max },
            .int("conntrack.drop", "packets dropped because the table was full (since boot)", .conntrackStats, sources: ["proc/net/stat/nf_conntrack"]) {
                $0.snapshot.conntrack.stats?["drop"]
            },
            .int("conntrack.insert_failed", "new entries that could not be inserted (since boot): NAT tuple clashes, no free NAT source port",
                 .conntrackStats, sources: ["proc/net/stat/nf_conntrack"]) {
                $0.snapshot.conntrack.stats?["insert_failed"]
            },
            .group("rates", "rates between two readings"),
            .value("rates.interval", .duration, "time between the two readings", .rates, sources: twoReadings) {
                $0.snapshot.rates.map { .duration($0.intervalSeconds) }
            },
        ]
        for (name, section, counter, doc, metric) in rateCounters {
            facts.append(.float("rates." + name, doc, .rates, sources: twoReadings, metric: metric) { $0.snapshot.rates?.perSecond(section, counter) })
        }
        facts += [
            .group("rates.since_boot", "averages over the uptime, from one reading: they hide bursts", name: "since boot"),
            .float("rates.since_boot.active_opens_per_second", "average since boot (not a current rate)", .sinceBoot, sources: ["proc/net/snmp", "proc/uptime"]) {
                $0.sinceBoot("Tcp", "ActiveOpens")
            },
            .float("rates.since_boot.time_wait_per_second", "average since boot (not a current rate)", .sinceBoot, sources: ["proc/net/netstat", "proc/uptime"]) {
                $0.sinceBoot("TcpExt", "TW")
            },
            .group("kernel_log", "kernel messages of this domain in the log the host kept (read with --history); 0 when the log was read and holds none", name: "kernel log"),
        ]
        for kind in KernelMessageKind.allCases {
            facts.append(.int("kernel_log." + kind.rawValue, "lines of '\(KernelMessageText.text(kind))' logged in the window read", .kernelLog,
                              sources: ["var/log/kern.log", "var/log/syslog", "var/log/messages", "dmesg", "/dev/kmsg"]) { input in
                input.snapshot.kernelLog.map { Int64($0.messages[kind.rawValue]?.count ?? 0) }
            })
        }
        facts += [
            .group("files", "system-wide file handles"),
            .int("files.allocated", "file handles allocated", .fileHandles, sources: ["proc/sys/fs/file-nr"],
                 metric: .nodeExporter("node_filefd_allocated")) { $0.snapshot.fileHandles.allocated },
            .int("files.max", "file handle limit", .fileHandles, sources: ["proc/sys/fs/file-nr"],
                 metric: .nodeExporter("node_filefd_maximum")) { $0.snapshot.fileHandles.maximum },
        ]
        return HostFact.withDerivedSources(facts)
    }()

    /// The schema rules are checked against, made from ``facts``.
    public static let schema: FactSchema = {
        // Build records bottom-up: a record's fields are the facts one level below it.
        var children: [String: [String: FieldSpec]] = [:]
        var records: [String: (name: String, doc: String)] = ["": ("facts", "")]
        for fact in facts {
            if case .record(let r) = fact.type { records[fact.path] = (r.name, fact.doc) }
        }
        func parent(_ path: String) -> (String, String) {
            guard let dot = path.lastIndex(of: ".") else { return ("", path) }
            return (String(path[..<dot]), String(path[path.index(after: dot)...]))
        }
        for fact in facts where !fact.path.utf8.contains(UInt8(ascii: "[")) {  // not a list field (`[` is only in `[]`)
            if case .record = fact.type { continue }
            let (p, name) = parent(fact.path)
            children[p, default: [:]][name] = FieldSpec(fact.type, fact.doc, sources: fact.sources)
        }
        // Deepest records first, so each is complete when its parent takes it.
        for path in records.keys.sorted(by: { $0.split(separator: ".").count > $1.split(separator: ".").count }) where !path.isEmpty {
            guard let record = records[path] else { continue }
            let (p, name) = parent(path)
            children[p, default: [:]][name] = FieldSpec(.record(RecordType(name: record.name, fields: children[path] ?? [:])), record.doc)
        }
        return FactSchema(root: RecordType(name: "facts", fields: children[""] ?? [:]))
    }()

    /// Prometheus metric by fact path, for the facts that have one.
    static let metrics: [String: HostFactMetric] = Dictionary(uniqueKeysWithValues: facts.compactMap { f in f.metric.map { (f.path, $0) } })
}

extension HostFactInput {
    /// A counter's average rate since boot, from one reading.
    func sinceBoot(_ section: String, _ counter: String) -> Double? {
        guard let uptime = snapshot.host.uptimeSeconds, uptime > 0, let value = snapshot.counters[section, counter] else { return nil }
        return Double(value) / uptime
    }
}
