public import TWAdviseEngine

/// The fact paths rules address on a host snapshot: names, types, meaning and the files they come from.
///
/// This is the contract between ``TWAdviseFacts/FactsSnapshot`` and rule authors; `twadvise rules facts`
/// (and docs/facts.md) list it.
public enum HostFactSchema {
    static func f(_ type: FactType, _ doc: String, _ sources: String...) -> FieldSpec {
        FieldSpec(type, doc, sources: sources)
    }

    static func record(_ name: String, _ fields: [String: FieldSpec]) -> FactType {
        .record(RecordType(name: name, fields: fields))
    }

    static let sysctlSource = "proc/sys/net/ipv4"

    /// Integer sysctls exposed under `sysctl.` and `persistent.`, by schema name → dotted key.
    public static let integerSysctls: [(name: String, key: String, doc: String)] = [
        ("tcp_tw_reuse", "net.ipv4.tcp_tw_reuse", "0 off, 1 on for outgoing connections, 2 loopback only (default since 4.19)"),
        ("tcp_tw_recycle", "net.ipv4.tcp_tw_recycle", "removed in Linux 4.12; breaks clients behind NAT"),
        ("tcp_tw_reuse_delay", "net.ipv4.tcp_tw_reuse_delay", "ms a TIME_WAIT must age before reuse (Linux 6.14+, default 1000)"),
        ("tcp_timestamps", "net.ipv4.tcp_timestamps", "RFC 7323 timestamps; tcp_tw_reuse needs them"),
        ("tcp_fin_timeout", "net.ipv4.tcp_fin_timeout", "seconds an orphaned socket stays in FIN_WAIT_2 (not the TIME_WAIT length)"),
        ("tcp_max_tw_buckets", "net.ipv4.tcp_max_tw_buckets", "most TIME_WAIT sockets before the kernel skips TIME_WAIT"),
        ("tcp_max_orphans", "net.ipv4.tcp_max_orphans", "most orphaned sockets"),
        ("tcp_ehash_entries", "net.ipv4.tcp_ehash_entries", "established hash size; the default tcp_max_tw_buckets is half of it"),
        ("ip_unprivileged_port_start", "net.ipv4.ip_unprivileged_port_start", "first port an unprivileged process may bind"),
        ("ip_autobind_reuse", "net.ipv4.ip_autobind_reuse", "bind(0) may reuse ports (experts only)"),
        ("somaxconn", "net.core.somaxconn", "listen backlog limit"),
        ("file_max", "fs.file-max", "system-wide file handle limit"),
        ("nf_conntrack_max", "net.netfilter.nf_conntrack_max", "conntrack table size"),
        ("nf_conntrack_tcp_timeout_time_wait", "net.netfilter.nf_conntrack_tcp_timeout_time_wait", "seconds conntrack keeps TIME_WAIT flows (not TCP's TIME_WAIT)"),
    ]

    /// TcpExt counters exposed under `tcpext.` (names as the kernel spells them).
    public static let tcpExtCounters: [(name: String, doc: String)] = [
        ("TW", "TIME_WAIT sockets entered with the normal 60 s timer (since boot)"),
        ("TWRecycled", "TIME_WAIT sockets reused by connect() under tcp_tw_reuse"),
        ("TWKilled", "TIME_WAIT sockets entered with a short timer"),
        ("PAWSPassive", "SYNs rejected by PAWS because of tcp_tw_recycle (kernels < 4.12)"),
        ("PAWSActive", "SYN-ACKs rejected by PAWS on active opens"),
        ("PAWSEstab", "segments rejected by PAWS on established sockets"),
        ("PAWSTimewait", "segments rejected by PAWS in TIME_WAIT (new kernels)"),
        ("TCPTimeWaitOverflow", "closes that skipped TIME_WAIT because tcp_max_tw_buckets was full"),
        ("TCPAbortOnData", "connections reset on close with unread data or SO_LINGER 0"),
        ("TCPAbortOnClose", "connections reset on close with data in flight"),
        ("ListenOverflows", "accept queue overflows"),
        ("ListenDrops", "SYNs dropped on listening sockets"),
    ]

    /// Tcp (MIB) counters exposed under `tcp.`.
    public static let tcpCounters: [(name: String, doc: String)] = [
        ("ActiveOpens", "connections opened by this host (since boot)"),
        ("PassiveOpens", "connections accepted (since boot)"),
        ("AttemptFails", "failed connection attempts"),
        ("EstabResets", "established connections reset"),
        ("CurrEstab", "connections now ESTABLISHED or CLOSE_WAIT"),
    ]

    public static let destination: FactType = record("destination", [
        "local_address": f(.string, "local address of the sockets", "proc/net/tcp", "proc/net/tcp6"),
        "remote_address": f(.string, "remote address", "proc/net/tcp", "proc/net/tcp6"),
        "remote_port": f(.int, "remote port", "proc/net/tcp", "proc/net/tcp6"),
        "remote_host": f(.string, "remote address as ss filters take it ([v6] in brackets)", "proc/net/tcp", "proc/net/tcp6"),
        "label": f(.string, "'local → remote:port'", "proc/net/tcp", "proc/net/tcp6"),
        "time_wait": f(.int, "sockets in TIME_WAIT toward it", "proc/net/tcp", "proc/net/tcp6"),
        "established": f(.int, "ESTABLISHED sockets toward it", "proc/net/tcp", "proc/net/tcp6"),
        "syn_sent": f(.int, "SYN_SENT sockets toward it", "proc/net/tcp", "proc/net/tcp6"),
        "other": f(.int, "sockets in any other state but LISTEN", "proc/net/tcp", "proc/net/tcp6"),
        "in_use": f(.int, "U(D): every socket holding an ephemeral port toward it", "proc/net/tcp", "proc/net/tcp6"),
        "remote_is_loopback": f(.bool, "remote is 127/8, ::1 or v4-mapped loopback (tcp_tw_reuse = 2 applies)", "proc/net/tcp", "proc/net/tcp6"),
    ])

    public static let listener: FactType = record("listener", [
        "port": f(.int, "listening port", "proc/net/tcp", "proc/net/tcp6"),
        "time_wait": f(.int, "TIME_WAIT sockets on this port (the server closed first)", "proc/net/tcp", "proc/net/tcp6"),
        "established": f(.int, "ESTABLISHED sockets on this port", "proc/net/tcp", "proc/net/tcp6"),
        "other": f(.int, "sockets in other states on this port", "proc/net/tcp", "proc/net/tcp6"),
        "in_ephemeral_range": f(.bool, "the port lies inside ip_local_port_range", "proc/net/tcp", "proc/sys/net/ipv4/ip_local_port_range"),
        "reserved": f(.bool, "the port is in ip_local_reserved_ports", "proc/sys/net/ipv4/ip_local_reserved_ports"),
    ])

    public static let persistentEntry: FactType = record("persistent entry", [
        "key": f(.string, "dotted sysctl key", "etc/sysctl.conf", "etc/sysctl.d"),
        "value": f(.string, "value as written", "etc/sysctl.conf", "etc/sysctl.d"),
        "file": f(.string, "file it is set in", "etc/sysctl.conf", "etc/sysctl.d"),
        "line": f(.int, "line it is set on", "etc/sysctl.conf", "etc/sysctl.d"),
        "location": f(.string, "'file:line'", "etc/sysctl.conf", "etc/sysctl.d"),
    ])

    public static let drift: FactType = record("drift", [
        "key": f(.string, "dotted sysctl key"),
        "runtime": f(.string, "value now in the kernel"),
        "persistent": f(.string, "value the persistent configuration sets"),
        "location": f(.string, "'file:line' of the winning assignment"),
    ])

    /// The whole schema.
    public static let schema: FactSchema = {
        var sysctl: [String: FieldSpec] = [
            "ip_local_port_range_low": f(.int, "first ephemeral port", "proc/sys/net/ipv4/ip_local_port_range"),
            "ip_local_port_range_high": f(.int, "last ephemeral port", "proc/sys/net/ipv4/ip_local_port_range"),
            "ip_local_reserved_ports": f(.string, "reserved ports as the kernel prints them ('8080,9000-9100')", "proc/sys/net/ipv4/ip_local_reserved_ports"),
            "absent": f(.list(.string), "dotted keys whose /proc/sys file does not exist (e.g. net.ipv4.tcp_tw_recycle on Linux ≥ 4.12)", "proc/sys"),
        ]
        var persistent: [String: FieldSpec] = [
            "entries": f(.list(persistentEntry), "every assignment that wins, by key", "etc/sysctl.conf", "etc/sysctl.d"),
            "keys": f(.list(.string), "dotted keys the persistent configuration sets", "etc/sysctl.conf", "etc/sysctl.d"),
            "drift": f(.list(drift), "TIME_WAIT-related keys whose runtime value differs from the persistent one", "etc/sysctl.conf", "etc/sysctl.d", "proc/sys"),
            "ip_local_port_range_low": f(.int, "first ephemeral port the persistent configuration sets", "etc/sysctl.conf", "etc/sysctl.d"),
            "ip_local_port_range_high": f(.int, "last ephemeral port the persistent configuration sets", "etc/sysctl.conf", "etc/sysctl.d"),
            "ip_local_port_range_location": f(.string, "'file:line' where the range is set", "etc/sysctl.conf", "etc/sysctl.d"),
        ]
        for (name, key, doc) in integerSysctls {
            let path = "proc/sys/" + key.replacingDotsWithSlashes()
            sysctl[name] = f(.int, "\(key): \(doc)", path)
            persistent[name] = f(.int, "\(key) as the persistent configuration sets it", "etc/sysctl.conf", "etc/sysctl.d")
            persistent[name + "_location"] = f(.string, "'file:line' where \(key) is set", "etc/sysctl.conf", "etc/sysctl.d")
        }
        let tcpext = Dictionary(uniqueKeysWithValues: tcpExtCounters.map { ($0.name, f(.int, $0.doc, "proc/net/netstat")) })
        let tcp = Dictionary(uniqueKeysWithValues: tcpCounters.map { ($0.name, f(.int, $0.doc, "proc/net/snmp")) })
        let root: [String: FieldSpec] = [
            "host": f(record("host", [
                "hostname": f(.string, "kernel.hostname", "proc/sys/kernel/hostname"),
                "source": f(.string, "'live' or 'root'"),
            ]), "the host the facts describe"),
            "kernel": f(record("kernel", [
                "version": f(.version, "kernel version (major.minor.patch)", "proc/sys/kernel/osrelease"),
                "release": f(.string, "release string as reported", "proc/sys/kernel/osrelease"),
                "uptime": f(.duration, "time since boot", "proc/uptime"),
            ]), "kernel version and uptime"),
            "sysctl": f(record("sysctl", sysctl), "runtime sysctl values"),
            "persistent": f(record("persistent", persistent), "persistent sysctl configuration (sysctl --system order)"),
            "ports": f(record("ports", [
                "range_low": f(.int, "first ephemeral port", "proc/sys/net/ipv4/ip_local_port_range"),
                "range_high": f(.int, "last ephemeral port", "proc/sys/net/ipv4/ip_local_port_range"),
                "range_size": f(.int, "ports in ip_local_port_range", "proc/sys/net/ipv4/ip_local_port_range"),
                "reserved_in_range": f(.int, "ports of ip_local_reserved_ports inside the range", "proc/sys/net/ipv4/ip_local_reserved_ports"),
                "listeners_in_range": f(.int, "listening ports inside the range and not reserved", "proc/net/tcp", "proc/net/tcp6"),
                "listener_ports_in_range": f(.list(.int), "those ports", "proc/net/tcp", "proc/net/tcp6"),
                "usable": f(.int, "R: range size minus reserved and listening ports in it", "proc/sys/net/ipv4/ip_local_port_range", "proc/net/tcp"),
                "in_use": f(.int, "distinct ephemeral ports held by any socket", "proc/net/tcp", "proc/net/tcp6"),
            ]), "the ephemeral port budget"),
            "sockstat": f(record("sockstat", [
                "tw": f(.int, "TIME_WAIT sockets (kernel counter, IPv4 and IPv6)", "proc/net/sockstat"),
                "inuse": f(.int, "TCP sockets in use (excluding TIME_WAIT)", "proc/net/sockstat"),
                "orphan": f(.int, "orphaned TCP sockets", "proc/net/sockstat"),
                "alloc": f(.int, "allocated TCP sockets", "proc/net/sockstat"),
                "mem": f(.int, "TCP memory in pages", "proc/net/sockstat"),
                "sockets_used": f(.int, "sockets of all kinds", "proc/net/sockstat"),
                "tcp6_inuse": f(.int, "TCP6 sockets in use", "proc/net/sockstat6"),
            ]), "/proc/net/sockstat"),
            "tcpext": f(record("tcpext", tcpext), "TcpExt counters since boot (/proc/net/netstat)"),
            "tcp": f(record("tcp", tcp), "Tcp counters since boot (/proc/net/snmp)"),
            "sockets": f(record("sockets", [
                "time_wait": f(.int, "TIME_WAIT rows in the socket table", "proc/net/tcp", "proc/net/tcp6"),
                "outbound_time_wait": f(.int, "TIME_WAIT on an ephemeral local port (this host closed an outgoing connection)", "proc/net/tcp", "proc/net/tcp6"),
                "inbound_time_wait": f(.int, "TIME_WAIT on a listening port (the server closed first)", "proc/net/tcp", "proc/net/tcp6"),
                "established": f(.int, "ESTABLISHED sockets", "proc/net/tcp", "proc/net/tcp6"),
                "fin_wait2": f(.int, "FIN_WAIT2 sockets", "proc/net/tcp", "proc/net/tcp6"),
                "close_wait": f(.int, "CLOSE_WAIT sockets", "proc/net/tcp", "proc/net/tcp6"),
                "listen": f(.int, "listening sockets", "proc/net/tcp", "proc/net/tcp6"),
                "destination_count": f(.int, "distinct destinations", "proc/net/tcp", "proc/net/tcp6"),
                "destinations": f(.list(destination), "the most loaded destinations (local address, remote address, remote port)", "proc/net/tcp", "proc/net/tcp6"),
                "listeners": f(.list(listener), "listening ports with connections", "proc/net/tcp", "proc/net/tcp6"),
            ]), "the socket table"),
            "conntrack": f(record("conntrack", [
                "count": f(.int, "conntrack entries", "proc/sys/net/netfilter/nf_conntrack_count"),
                "max": f(.int, "conntrack table size", "proc/sys/net/netfilter/nf_conntrack_max"),
                "drop": f(.int, "packets dropped because the table was full (since boot)", "proc/net/stat/nf_conntrack"),
            ]), "netfilter connection tracking"),
            "rates": f(record("rates", [
                "interval": f(.duration, "time between the two readings", "two readings: snapshot --interval"),
                "active_opens_per_second": f(.float, "connections opened by this host per second (Tcp ActiveOpens)", "two readings: snapshot --interval"),
                "passive_opens_per_second": f(.float, "connections accepted per second (Tcp PassiveOpens)", "two readings: snapshot --interval"),
                "time_wait_per_second": f(.float, "TIME_WAIT sockets created per second (TcpExt TW)", "two readings: snapshot --interval"),
                "tw_overflow_per_second": f(.float, "closes that skipped TIME_WAIT per second (TcpExt TCPTimeWaitOverflow)", "two readings: snapshot --interval"),
                "paws_passive_per_second": f(.float, "SYNs dropped by tcp_tw_recycle per second (TcpExt PAWSPassive)", "two readings: snapshot --interval"),
                "tw_recycled_per_second": f(.float, "TIME_WAIT reused by connect() per second (TcpExt TWRecycled)", "two readings: snapshot --interval"),
                "since_boot": f(record("since boot", [
                    "active_opens_per_second": f(.float, "average since boot (not a current rate)", "proc/net/snmp", "proc/uptime"),
                    "time_wait_per_second": f(.float, "average since boot (not a current rate)", "proc/net/netstat", "proc/uptime"),
                ]), "averages over the uptime, from one reading: they hide bursts"),
            ]), "rates between two readings"),
            "files": f(record("files", [
                "allocated": f(.int, "file handles allocated", "proc/sys/fs/file-nr"),
                "max": f(.int, "file handle limit", "proc/sys/fs/file-nr"),
            ]), "system-wide file handles"),
        ]
        return FactSchema(root: RecordType(name: "facts", fields: root))
    }()
}

extension HostFactSchema {
    /// The fact reference as Markdown (docs/facts.md is this text; a test keeps it fresh).
    public static var markdownReference: String {
        var lines = [
            "# Fact paths", "",
            "Generated by `twadvise rules facts --format markdown` from the schema rules are checked against.",
            "A fact that could not be read is unknown (see docs/rules.md). `[]` steps into the items of a list.", "",
            "| path | type | meaning | read from |", "|---|---|---|---|",
        ]
        for (path, spec) in schema.allPaths {
            let sources = spec.sources.map { "`\($0)`" }.joined(separator: ", ")
            lines.append("| `\(path)` | \(spec.type) | \(spec.doc.replacingPipes()) | \(sources) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension String {
    func replacingPipes() -> String { String(flatMap { $0 == "|" ? Array("\\|") : [$0] }) }

    func replacingDotsWithSlashes() -> String {
        String(map { $0 == "." ? "/" : $0 })
    }
}
