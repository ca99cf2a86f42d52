/// Captured command output (`ss`, `netstat`, `sysctl -a`, `nstat`) read in place of the root's files.
extension SnapshotReader {
    /// Replaces facts with those of the captured command output and records where they came from.
    func applyCaptured(to snapshot: inout FactsSnapshot) {
        let fromRoot = snapshot.warnings
        var warnings: [FactWarning] = []
        let captured = options.captured
        var readFrom = snapshot.readFrom ?? ReadLocations()
        if let path = captured.sysctl, let bytes = readCaptured(path, &warnings) {
            let result = SysctlOutputParser.parse(bytes, path: path, warnings: &warnings)
            let name = "captured sysctl -a output \(path)"
            if options.readRoot, !snapshot.sysctls.values.isEmpty {
                // Each key from the best source that has it: the tree's proc/sys, then sysctl -a for the keys
                // it lacks (sos copies part of proc/sys in a container).
                var supplied = 0
                for (key, value) in result.sysctls.values where snapshot.sysctls.values[key] == nil {
                    snapshot.sysctls.values[key] = value
                    supplied += 1
                }
                // A copied proc/sys that lacks a file does not prove the kernel lacks the key: absent only where
                // sysctl -a, a full listing, says so too.
                let listedAbsent = Set(result.sysctls.absent)
                snapshot.sysctls.absent.removeAll { snapshot.sysctls.values[$0] != nil || !listedAbsent.contains($0) }
                if supplied > 0 { readFrom.sysctls = (readFrom.sysctls.map { $0 + ", and " } ?? "") + "\(name) for \(supplied) keys it lacks" }
            } else {
                snapshot.sysctls = result.sysctls
                readFrom.sysctls = name
            }
            if snapshot.host.hostname == nil, let hostname = result.hostname { snapshot.host.hostname = hostname; readFrom.host = name }
            if snapshot.host.kernel == nil, let release = result.osrelease { snapshot.host.kernel = KernelVersion(parsing: release); readFrom.host = name }
            if snapshot.fileHandles.allocated == nil, let handles = result.fileHandles {
                snapshot.fileHandles = handles
                readFrom.fileHandles = name
            }
            if snapshot.conntrack.count == nil, let count = result.conntrackCount {
                snapshot.conntrack.count = count
                snapshot.conntrack.max = snapshot.conntrack.max ?? snapshot.sysctls.integer("net.netfilter.nf_conntrack_max")
                readFrom.conntrack = name
            }
        }
        if let path = captured.nstat, let bytes = readCaptured(path, &warnings) {
            snapshot.counters = NstatParser.parse(bytes, path: path, warnings: &warnings)
            readFrom.counters = "captured nstat output \(path)"
        } else if let path = captured.netstatStatistics, let bytes = readCaptured(path, &warnings) {
            snapshot.counters = NetstatStatisticsParser.parse(bytes, path: path, warnings: &warnings)
            readFrom.counters = "captured netstat -s output \(path)"
        }
        if !captured.socketTables.isEmpty {
            var aggregator = SocketAggregator(ephemeralRange: snapshot.sysctls.ipLocalPortRange, maxTrackedDestinations: options.maxTrackedDestinations)
            var read: [String] = []
            var malformed = 0
            for path in captured.socketTables {
                // Streamed: a capture from a host with millions of sockets is read in constant memory.
                var parser = SocketTextParser(path: path)
                do {
                    let file: SystemFile
                    if let tree = captured.tree {
                        file = try SystemFile(confined: path, within: tree)
                    } else {
                        file = try SystemFile(path: path, requireRegular: captured.foundInTree)
                    }
                    try file.forEachChunk { chunk in parser.consume(chunk, into: &aggregator) }
                } catch {
                    warnings.append(FactWarning(path: path, message: error.description))
                    continue
                }
                parser.finish(into: &aggregator)
                warnings += parser.warnings
                malformed += parser.malformedLines
                if parser.tcpRows > 0 { read.append(path) }
            }
            if read.isEmpty {
                snapshot.sockets = nil
                readFrom.sockets = nil
            } else {
                let (table, more) = aggregator.finish(sources: read, readIPv4: true, readIPv6: true, malformedLines: malformed,
                                                      topDestinations: options.topDestinations)
                snapshot.sockets = table
                readFrom.sockets = "captured output " + read.joined(separator: ", ")
                warnings += more
            }
        }
        snapshot.readFrom = readFrom
        // A file of the tree that was missing but whose values the captured output gave is not a warning:
        // only what is missing in the end is (a sosreport has sysctl -a, not proc/sys).
        warnings = fromRoot.filter { !Self.suppliedLater($0, snapshot) } + warnings
        let names = captured.files.joined(separator: ", ")
        snapshot.origin = options.readRoot
            ? FactsOrigin(kind: snapshot.origin.kind, location: snapshot.origin.location, captured: names)
            : FactsOrigin(kind: .captured, location: names)
        snapshot.collectedAt = options.readRoot ? snapshot.collectedAt : nil
        snapshot.warnings = warnings
    }

    /// Whether `warning` is a file of the tree missing whose values `snapshot` has from captured output.
    static func suppliedLater(_ warning: FactWarning, _ snapshot: FactsSnapshot) -> Bool {
        guard warning.message == FileReadError.missing.description else { return false }
        var path = Substring(warning.path)
        while path.first == "/" { path.removeFirst() }
        switch path {
        case "proc/sys/kernel/hostname": return snapshot.host.hostname != nil
        case "proc/sys/kernel/osrelease": return snapshot.host.kernel != nil
        case "proc/net/netstat", "proc/net/snmp": return !snapshot.counters.isEmpty
        case "proc/net/tcp", "proc/net/tcp6": return snapshot.readFrom?.sockets?.hasPrefix("captured") == true
        case "proc/sys/fs/file-nr": return snapshot.fileHandles.allocated != nil
        case "proc/sys/net/netfilter/nf_conntrack_count": return snapshot.conntrack.count != nil
        default:
            guard path.hasPrefix("proc/sys/") else { return false }
            let key = String(path.dropFirst("proc/sys/".count).map { $0 == "/" ? "." : $0 })
            return snapshot.sysctls[key] != nil
        }
    }

    func readCaptured(_ path: String, _ warnings: inout [FactWarning]) -> [UInt8]? {
        if let tree = options.captured.tree {
            do {
                return try SystemFile(confined: path, within: tree).readAll(limit: 64 << 20)
            } catch {
                warnings.append(FactWarning(path: path, message: error.description))
                return nil
            }
        }
        do {
            return try InputFile.read(path, requireRegular: options.captured.foundInTree)
        } catch {
            warnings.append(FactWarning(path: path, message: error.reason))
            return nil
        }
    }
}
