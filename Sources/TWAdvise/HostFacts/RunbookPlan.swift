package import TWAdviseFacts

/// Values a runbook's commands are computed from, for the host in front of it: never lower than what the
/// host runs now, and one combined value where several findings touch the same key.
///
/// Templates print them as `{{{plan.NAME}}}`; a value that cannot be computed (its input was not read) is
/// absent, and the command line that needs it is replaced by a comment saying so.
package enum RunbookPlan {
    /// The largest limit a command ever suggests: far above any host, far below where arithmetic overflows.
    static let ceiling: Int64 = 1 << 40

    /// Every name a plan can have (`rules lint` checks templates against it).
    package static let names: Set<String> = ["reserved_ports", "nf_conntrack_max", "file_max", "tcp_max_tw_buckets", "ip_local_port_range",
                                            "set_timestamps", "set_tw_reuse"]

    /// The plan for `snapshot`, by name; ``names`` lists them.
    package static func values(_ snapshot: FactsSnapshot) -> [String: String] {
        values(snapshot, derived: snapshot.derived)
    }

    /// The plan for `snapshot`, with its derived quantities already computed.
    static func values(_ snapshot: FactsSnapshot, derived: DerivedFacts) -> [String: String] {
        var plan: [String: String] = [:]
        let sysctls = snapshot.sysctls
        // Every unreserved listening port inside the range that other hosts reach, with the ports already
        // reserved: one value for every ports.range-overlaps-listeners finding, so that applying one does not
        // undo another. A loopback-only listener is left out: often the kernel chose its port, and reserving
        // today's port does nothing once the service restarts on another.
        if let reserved = sysctls.ipLocalReservedPorts, let budget = derived.portBudget {
            let combined = PortSet(ranges: reserved.ranges + budget.exposedListeners.map { PortRange(low: $0, high: $0) })
            plan["reserved_ports"] = combined.description
        }
        // conntrack: twice the current size (the table is nearly full), at least 262144, never lower than now.
        if let current = sysctls.integer("net.netfilter.nf_conntrack_max"), current > 0 {
            plan["nf_conntrack_max"] = String(raise(current, to: max(min(current, ceiling) * 2, 262_144)))
        }
        // file-max: room for twice the handles allocated now, never lower than the current limit.
        if let current = snapshot.fileHandles.maximum ?? sysctls.fileMax, let allocated = snapshot.fileHandles.allocated {
            plan["file_max"] = String(raise(current, to: min(max(allocated, 0), ceiling) * 2))
        }
        // tcp_max_tw_buckets: back to the kernel default (half of the established hash, which a child network
        // namespace reports negated); present only where that raises it (at the default, nothing to set).
        if let current = sysctls.tcpMaxTwBuckets, let ehash = sysctls.integer("net.ipv4.tcp_ehash_entries"), ehash != Int64.min,
           raise(current, to: min(abs(ehash), ceiling) / 2) > current {
            plan["tcp_max_tw_buckets"] = String(min(abs(ehash), ceiling) / 2)
        }
        // ip_local_port_range: at least the kernel default's span, never narrower than now on either side.
        if let range = sysctls.ipLocalPortRange {
            var low = min(range.low, PortRange.kernelDefault.low)
            var high = max(range.high, PortRange.kernelDefault.high)
            // Ends of different parity (ip-sysctl; the kernel logs "prefer different parity" otherwise):
            // widened by one port, never narrowed.
            if low % 2 == high % 2 {
                if high < 65535 { high += 1 } else { low -= 1 }
            }
            plan["ip_local_port_range"] = "\(low) \(high)"
        }
        // Steps that set a value only where it is not already in force (unknown counts as not in force).
        if sysctls.tcpTimestamps != 1 { plan["set_timestamps"] = "yes" }
        if sysctls.tcpTwReuse != 1 { plan["set_tw_reuse"] = "yes" }
        return plan
    }

    /// `suggested`, unless the host's `current` value is higher: a runbook never lowers a live limit.
    static func raise(_ current: Int64, to suggested: Int64) -> Int64 { max(current, suggested) }
}

extension RunbookPlan {
    /// Persistent keys a runbook may write a drop-in for, by the name its notes use.
    static let persistentKeys: [(name: String, key: String)] =
        HostFactSchema.integerSysctls.map { ($0.name, $0.key) }
        + [("ip_local_port_range", "net.ipv4.ip_local_port_range"), ("ip_local_reserved_ports", "net.ipv4.ip_local_reserved_ports")]

    /// Every name notes can have (`rules lint` checks templates against it).
    package static let noteNames: Set<String> = Set(persistentKeys.map { "set_elsewhere_" + $0.name })

    /// Text for a person, by name: `set_elsewhere_KEY` lists every line of the persistent configuration that
    /// sets KEY (`etc/sysctl.conf:12 sets net.ipv4.tcp_tw_reuse = 0`). A drop-in loses to /etc/sysctl.conf,
    /// which procps applies after every sysctl.d file, and to any file that sorts after it.
    package static func notes(_ snapshot: FactsSnapshot) -> [String: String] {
        var notes: [String: String] = [:]
        for (name, key) in persistentKeys {
            let lines = snapshot.persistentSysctls.entries.filter { $0.key == key }
            guard !lines.isEmpty else { continue }
            notes["set_elsewhere_" + name] = lines.map { "\($0.location) sets \($0.key) = \($0.value)" }.joined(separator: "; ")
        }
        return notes
    }
}
