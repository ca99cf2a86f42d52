public import TWAdviseEngine
public import TWAdviseFacts

extension FactsSnapshot {
    /// Sysctls whose runtime/persistent disagreement matters for TIME_WAIT and port exhaustion.
    public static let timeWaitRelatedKeys: Set<String> = [
        "net.ipv4.tcp_tw_reuse", "net.ipv4.tcp_tw_recycle", "net.ipv4.tcp_tw_reuse_delay", "net.ipv4.tcp_timestamps",
        "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_max_tw_buckets", "net.ipv4.ip_local_port_range",
        "net.ipv4.ip_local_reserved_ports", "net.netfilter.nf_conntrack_max", "fs.file-max",
    ]

    /// The snapshot as the fact tree of ``HostFactSchema``; unknown values are left out.
    public var factValue: FactValue {
        var root: [String: FactValue] = [:]
        var host: [String: FactValue] = ["source": .string(origin.kind.rawValue)]
        host["hostname"] = self.host.hostname.map(FactValue.string)
        root["host"] = .record(host)

        var kernel: [String: FactValue] = [:]
        if let k = self.host.kernel {
            kernel["version"] = .version(Version([k.major, k.minor, k.patch]))
            kernel["release"] = .string(k.release)
        }
        kernel["uptime"] = self.host.uptimeSeconds.map(FactValue.duration)
        root["kernel"] = .record(kernel)

        // Runtime sysctls
        var sysctl: [String: FactValue] = [:]
        for (name, key, _) in HostFactSchema.integerSysctls {
            sysctl[name] = sysctls.integer(key).map(FactValue.int)
        }
        let range = sysctls.ipLocalPortRange
        sysctl["ip_local_port_range_low"] = range.map { .int(Int64($0.low)) }
        sysctl["ip_local_port_range_high"] = range.map { .int(Int64($0.high)) }
        sysctl["ip_local_reserved_ports"] = sysctls.ipLocalReservedPorts.map { .string($0.description) }
        sysctl["absent"] = .list(sysctls.absent.map(FactValue.string))
        root["sysctl"] = .record(sysctl)

        root["persistent"] = .record(persistentFacts())
        root["ports"] = .record(portFacts())

        var sockstat: [String: FactValue] = [:]
        if let s = self.sockstat {
            for (name, key) in [("tw", "tw"), ("inuse", "inuse"), ("orphan", "orphan"), ("alloc", "alloc"), ("mem", "mem")] {
                sockstat[name] = s["TCP", key].map(FactValue.int)
            }
            sockstat["sockets_used"] = s["sockets", "used"].map(FactValue.int)
        }
        sockstat["tcp6_inuse"] = sockstat6?["TCP6", "inuse"].map(FactValue.int)
        root["sockstat"] = .record(sockstat)

        var tcpext: [String: FactValue] = [:]
        for (name, _) in HostFactSchema.tcpExtCounters { tcpext[name] = counters["TcpExt", name].map(FactValue.int) }
        root["tcpext"] = .record(tcpext)
        var tcp: [String: FactValue] = [:]
        for (name, _) in HostFactSchema.tcpCounters { tcp[name] = counters["Tcp", name].map(FactValue.int) }
        root["tcp"] = .record(tcp)

        if let sockets { root["sockets"] = .record(socketFacts(sockets)) }

        var conntrack: [String: FactValue] = [:]
        conntrack["count"] = self.conntrack.count.map(FactValue.int)
        conntrack["max"] = self.conntrack.max.map(FactValue.int)
        conntrack["drop"] = self.conntrack.stats?["drop"].map(FactValue.int)
        root["conntrack"] = .record(conntrack)

        var rates: [String: FactValue] = [:]
        if let r = self.rates {
            rates["interval"] = .duration(r.intervalSeconds)
            for (name, section, counter) in [
                ("active_opens_per_second", "Tcp", "ActiveOpens"), ("passive_opens_per_second", "Tcp", "PassiveOpens"),
                ("time_wait_per_second", "TcpExt", "TW"), ("tw_overflow_per_second", "TcpExt", "TCPTimeWaitOverflow"),
                ("paws_passive_per_second", "TcpExt", "PAWSPassive"), ("tw_recycled_per_second", "TcpExt", "TWRecycled"),
            ] {
                rates[name] = r.perSecond(section, counter).map(FactValue.float)
            }
        }
        var sinceBoot: [String: FactValue] = [:]
        if let uptime = self.host.uptimeSeconds, uptime > 0 {
            sinceBoot["active_opens_per_second"] = counters["Tcp", "ActiveOpens"].map { .float(Double($0) / uptime) }
            sinceBoot["time_wait_per_second"] = counters["TcpExt", "TW"].map { .float(Double($0) / uptime) }
        }
        rates["since_boot"] = .record(sinceBoot)
        root["rates"] = .record(rates)

        var files: [String: FactValue] = [:]
        files["allocated"] = fileHandles.allocated.map(FactValue.int)
        files["max"] = fileHandles.maximum.map(FactValue.int)
        root["files"] = .record(files)
        return .record(root)
    }

    func persistentFacts() -> [String: FactValue] {
        var persistent: [String: FactValue] = [:]
        let effective = persistentSysctls.effective
        var entries: [FactValue] = []
        for key in effective.keys.sorted() {
            guard let e = effective[key] else { continue }
            entries.append(.record([
                "key": .string(e.key), "value": .string(e.value), "file": .string(e.file),
                "line": .int(Int64(e.line)), "location": .string("\(e.file):\(e.line)"),
            ]))
        }
        persistent["entries"] = .list(entries)
        persistent["keys"] = .list(effective.keys.sorted().map(FactValue.string))
        for (name, key, _) in HostFactSchema.integerSysctls {
            guard let e = effective[key] else { continue }
            if case .success(.integer(let v)) = SysctlValueParser.parse(Array(e.value.utf8)[...], kind: .integer) {
                persistent[name] = .int(v)
            }
            persistent[name + "_location"] = .string("\(e.file):\(e.line)")
        }
        if let e = effective["net.ipv4.ip_local_port_range"] {
            let parts = e.value.split(whereSeparator: { $0 == " " || $0 == "\t" }).compactMap { Int64($0) }
            if parts.count == 2 {
                persistent["ip_local_port_range_low"] = .int(parts[0])
                persistent["ip_local_port_range_high"] = .int(parts[1])
            }
            persistent["ip_local_port_range_location"] = .string("\(e.file):\(e.line)")
        }
        // Drift: a TIME_WAIT-related key whose runtime value differs from what persistent config sets.
        var drift: [FactValue] = []
        for key in effective.keys.sorted() where Self.timeWaitRelatedKeys.contains(key) {
            guard let e = effective[key], let spec = SysctlKey.named(key), let runtime = sysctls[key] else { continue }
            guard case .success(let configured) = SysctlValueParser.parse(Array(e.value.utf8)[...], kind: spec.kind) else { continue }
            if configured != runtime {
                drift.append(.record([
                    "key": .string(key), "runtime": .string(runtime.description), "persistent": .string(configured.description),
                    "location": .string("\(e.file):\(e.line)"),
                ]))
            }
        }
        persistent["drift"] = .list(drift)
        return persistent
    }

    /// The ephemeral port budget R: the range minus reserved ports and unreserved listening ports in it.
    /// `nil` when the range, the reserved ports or the socket table is unknown.
    public var portBudget: (usable: Int, inUse: Int, unreservedListeners: [Int], reservedInRange: Int)? {
        guard let range = sysctls.ipLocalPortRange, let reserved = sysctls.ipLocalReservedPorts, let sockets else { return nil }
        let reservedInRange = reserved.count(in: range)
        let listeners = sockets.listeningPorts.filter { range.contains($0) && !reserved.contains($0) }
        return (max(0, range.count - reservedInRange - listeners.count), sockets.ephemeralPortsInUse, listeners, reservedInRange)
    }

    func portFacts() -> [String: FactValue] {
        var ports: [String: FactValue] = [:]
        guard let range = sysctls.ipLocalPortRange else { return ports }
        ports["range_low"] = .int(Int64(range.low))
        ports["range_high"] = .int(Int64(range.high))
        ports["range_size"] = .int(Int64(range.count))
        guard let reserved = sysctls.ipLocalReservedPorts else { return ports }
        ports["reserved_in_range"] = .int(Int64(reserved.count(in: range)))
        guard let budget = portBudget else { return ports }
        ports["listeners_in_range"] = .int(Int64(budget.unreservedListeners.count))
        ports["listener_ports_in_range"] = .list(budget.unreservedListeners.map { .int(Int64($0)) })
        ports["usable"] = .int(Int64(budget.usable))
        ports["in_use"] = .int(Int64(budget.inUse))
        return ports
    }

    func socketFacts(_ sockets: SocketTable) -> [String: FactValue] {
        let all = sockets.all
        var facts: [String: FactValue] = [
            "time_wait": .int(Int64(sockets.timeWait)),
            "outbound_time_wait": .int(Int64(sockets.outboundTimeWait)),
            "inbound_time_wait": .int(Int64(sockets.inboundTimeWait)),
            "established": .int(Int64(all[.established])),
            "fin_wait2": .int(Int64(all[.finWait2])),
            "close_wait": .int(Int64(all[.closeWait])),
            "listen": .int(Int64(all[.listen])),
            "destination_count": .int(Int64(sockets.destinationCount)),
        ]
        facts["destinations"] = .list(sockets.destinations.map { d in
            .record([
                "local_address": .string(d.localAddress.description), "remote_address": .string(d.remoteAddress.description),
                "remote_port": .int(Int64(d.remotePort)), "label": .string(d.label),
                "remote_host": .string(d.remoteAddress.isIPv6 ? "[\(d.remoteAddress)]" : d.remoteAddress.description), "time_wait": .int(Int64(d.timeWait)),
                "established": .int(Int64(d.established)), "syn_sent": .int(Int64(d.synSent)), "other": .int(Int64(d.other)),
                "in_use": .int(Int64(d.inUse)), "remote_is_loopback": .bool(d.remoteAddress.isLoopback),
            ])
        })
        let range = sysctls.ipLocalPortRange
        let reserved = sysctls.ipLocalReservedPorts
        facts["listeners"] = .list(sockets.listeners.map { l in
            var r: [String: FactValue] = [
                "port": .int(Int64(l.port)), "time_wait": .int(Int64(l.timeWait)),
                "established": .int(Int64(l.established)), "other": .int(Int64(l.other)),
            ]
            r["in_ephemeral_range"] = range.map { .bool($0.contains(l.port)) }
            r["reserved"] = reserved.map { .bool($0.contains(l.port)) }
            return .record(r)
        })
        return facts
    }
}
