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
        "net.netfilter.nf_conntrack_tcp_timeout_time_wait",
    ]

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

    /// Replaces facts with those of the captured command output and records where they came from.
    func applyCaptured(to snapshot: inout FactsSnapshot) {
        var warnings = snapshot.warnings
        let captured = options.captured
        var readFrom = snapshot.readFrom ?? ReadLocations()
        if let path = captured.sysctl, let bytes = readCaptured(path, &warnings) {
            let result = SysctlOutputParser.parse(bytes, path: path, warnings: &warnings)
            snapshot.sysctls = result.sysctls
            readFrom.sysctls = "captured sysctl -a output \(path)"
            if let name = result.hostname { snapshot.host.hostname = name }
            if let release = result.osrelease { snapshot.host.kernel = KernelVersion(parsing: release) }
            if result.hostname != nil || result.osrelease != nil { readFrom.host = readFrom.sysctls }
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
                    let file = try SystemFile(path: path)
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
        let names = captured.files.joined(separator: ", ")
        snapshot.origin = options.readRoot
            ? FactsOrigin(kind: snapshot.origin.kind, location: snapshot.origin.location, captured: names)
            : FactsOrigin(kind: .captured, location: names)
        snapshot.collectedAt = options.readRoot ? snapshot.collectedAt : nil
        snapshot.warnings = warnings
    }

    func readCaptured(_ path: String, _ warnings: inout [FactWarning]) -> [UInt8]? {
        do {
            return try InputFile.read(path)
        } catch {
            warnings.append(FactWarning(path: path, message: error.reason))
            return nil
        }
    }

    func readRoot() -> FactsSnapshot {
        var warnings: [FactWarning] = []
        var firstReading: (KeyedCounters, ContinuousClock.Instant)?
        if let interval = options.interval, interval > 0 {
            var ignored: [FactWarning] = []
            firstReading = (readCounters(&ignored), ContinuousClock.now)
            sleepSeconds(interval)
        }
        let host = readHost(&warnings)
        let sysctls = readSysctls(&warnings)
        let persistent = PersistentConfigReader.read(source, warnings: &warnings)
        let sockstat = readNonEmpty("proc/net/sockstat", &warnings).map {
            SockstatParser.parse($0, path: "proc/net/sockstat", warnings: &warnings)
        }
        let sockstat6 = readNonEmpty("proc/net/sockstat6", &warnings).map {
            SockstatParser.parse($0, path: "proc/net/sockstat6", warnings: &warnings)
        }
        let counters = readCounters(&warnings)
        var rates: CounterRates?
        if let (first, start) = firstReading {
            let elapsed = ContinuousClock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            rates = CounterRates(first: first, second: counters, intervalSeconds: seconds)
        }
        let conntrack = ConntrackFacts(
            count: readInteger("proc/sys/net/netfilter/nf_conntrack_count", &warnings, warnIfMissing: false),
            max: sysctls.integer("net.netfilter.nf_conntrack_max"),
            stats: source.read("proc/net/stat/nf_conntrack", warnings: &warnings, warnIfMissing: false).flatMap {
                ConntrackStatParser.parse($0, path: "proc/net/stat/nf_conntrack", warnings: &warnings)
            })
        let fileHandles = readFileHandles(&warnings)
        let sockets = options.includeSockets ? readSockets(range: sysctls.ipLocalPortRange, &warnings) : nil
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

    func readCounters(_ warnings: inout [FactWarning]) -> KeyedCounters {
        var counters = KeyedCounters()
        for path in ["proc/net/netstat", "proc/net/snmp"] {
            if let bytes = readNonEmpty(path, &warnings) {
                counters.merge(CounterTableParser.parse(bytes, path: path, warnings: &warnings))
            }
        }
        return counters
    }

    func sleepSeconds(_ seconds: Double) {
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }

    func readHost(_ warnings: inout [FactWarning]) -> HostInfo {
        var host = HostInfo()
        if let bytes = source.read("proc/sys/kernel/hostname", warnings: &warnings) {
            host.hostname = textValue(bytes, path: "proc/sys/kernel/hostname", &warnings)
        }
        if let bytes = source.read("proc/sys/kernel/osrelease", warnings: &warnings),
           let text = textValue(bytes, path: "proc/sys/kernel/osrelease", &warnings) {
            host.kernel = KernelVersion(parsing: text)
            if host.kernel == nil {
                warnings.append(FactWarning(path: "proc/sys/kernel/osrelease", line: 1, message: "'\(text)' is not a kernel version"))
            }
        }
        if let bytes = source.read("proc/uptime", warnings: &warnings) {
            let fields = splitFields(bytes[...])
            if let first = fields.first, let seconds = Double(String(decoding: first, as: UTF8.self)), seconds >= 0, seconds.isFinite {
                host.uptimeSeconds = seconds
            } else {
                warnings.append(FactWarning(path: "proc/uptime", line: 1, message: "expected seconds since boot"))
            }
        }
        return host
    }

    /// A file that must hold something: zero bytes (a truncated capture) is a warning and unknown.
    func readNonEmpty(_ path: String, _ warnings: inout [FactWarning]) -> [UInt8]? {
        guard let bytes = source.read(path, warnings: &warnings) else { return nil }
        guard bytes.contains(where: { !$0.isASCIIWhitespace }) else {
            warnings.append(FactWarning(path: path, message: "empty file"))
            return nil
        }
        return bytes
    }

    /// The value text of a /proc/sys file. The kernel always ends it with a newline (an empty set of
    /// reserved ports is `"\n"`), so zero bytes or a missing newline mean a truncated capture.
    static func procSysValue(_ bytes: [UInt8]) -> Result<ArraySlice<UInt8>, Numbers.Failure> {
        guard let last = bytes.last else { return .failure(.empty) }
        guard last == 0x0A else { return .failure(.truncated) }
        return .success(bytes.dropLast())
    }

    func readSysctls(_ warnings: inout [FactWarning]) -> Sysctls {
        var values: [String: SysctlValue] = [:]
        var absent: [String] = []
        for key in SysctlKey.all {
            do {
                let bytes = try source.bytes(key.procPath)
                switch Self.procSysValue(bytes).flatMap({ SysctlValueParser.parse($0, kind: key.kind) }) {
                case .success(let value): values[key.name] = value
                case .failure(let failure):
                    warnings.append(FactWarning(path: key.procPath, line: 1, message: failure.description))
                }
            } catch {
                if error == .missing {
                    absent.append(key.name)
                    if !Self.optionalKeys.contains(key.name) {
                        warnings.append(FactWarning(path: key.procPath, message: error.description))
                    }
                } else {
                    warnings.append(FactWarning(path: key.procPath, message: error.description))
                }
            }
        }
        return Sysctls(values: values, absent: absent)
    }

    func readInteger(_ path: String, _ warnings: inout [FactWarning], warnIfMissing: Bool = true) -> Int64? {
        guard let bytes = source.read(path, warnings: &warnings, warnIfMissing: warnIfMissing) else { return nil }
        switch Self.procSysValue(bytes).flatMap({ SysctlValueParser.parse($0, kind: .integer) }) {
        case .success(let value): return value.integer
        case .failure(let failure):
            warnings.append(FactWarning(path: path, line: 1, message: failure.description))
            return nil
        }
    }

    func readFileHandles(_ warnings: inout [FactWarning]) -> FileHandleFacts {
        let path = "proc/sys/fs/file-nr"
        guard let bytes = source.read(path, warnings: &warnings) else { return FileHandleFacts() }
        let value: ArraySlice<UInt8>
        switch Self.procSysValue(bytes) {
        case .success(let v): value = v
        case .failure(let e):
            warnings.append(FactWarning(path: path, line: 1, message: e.description))
            return FileHandleFacts()
        }
        let fields = splitFields(value)
        guard fields.count == 3 else {
            warnings.append(FactWarning(path: path, line: 1, message: "expected 3 numbers, found \(fields.count) fields"))
            return FileHandleFacts()
        }
        var numbers: [Int64] = []
        for field in fields {
            switch Numbers.decimal(field) {
            case .success(let v): numbers.append(v)
            case .failure(let e):
                warnings.append(FactWarning(path: path, line: 1, message: e.description))
                return FileHandleFacts()
            }
        }
        return FileHandleFacts(allocated: numbers[0], unused: numbers[1], maximum: numbers[2])
    }

    func readSockets(range: PortRange?, _ warnings: inout [FactWarning]) -> SocketTable? {
        #if canImport(Glibc)
        if source.isLiveRoot && options.useNetlink {
            var aggregator = SocketAggregator(ephemeralRange: range, maxTrackedDestinations: options.maxTrackedDestinations)
            do {
                try NetlinkSockDiag.read(into: &aggregator)
                let (table, more) = aggregator.finish(sources: ["netlink sock_diag"], readIPv4: true, readIPv6: true, malformedLines: 0,
                                                      topDestinations: options.topDestinations)
                warnings += more
                return table
            } catch {
                // No inet_diag (module not loaded, seccomp): read the text tables instead, and say so.
                warnings.append(FactWarning(path: "netlink sock_diag", message: "\(error.description); read /proc/net/tcp instead"))
            }
        }
        #endif
        var aggregator = SocketAggregator(ephemeralRange: range, maxTrackedDestinations: options.maxTrackedDestinations)
        var read: [String] = []
        var malformed = 0
        for path in ["proc/net/tcp", "proc/net/tcp6"] {
            var parser = ProcNetTCPParser(path: path)
            do {
                parser = try SocketTableFile.parse(source.resolvedPath(path), name: path, into: &aggregator)
                if parser.lineNumber == 0 {
                    warnings.append(FactWarning(path: path, message: "empty file"))
                } else {
                    read.append(path)
                }
            } catch {
                warnings.append(FactWarning(path: path, message: error.description))
            }
            warnings += parser.warnings
            if let summary = parser.summaryWarning { warnings.append(summary) }
            malformed += parser.malformedLines
        }
        guard !read.isEmpty else { return nil }
        let (table, more) = aggregator.finish(
            sources: read, readIPv4: read.contains("proc/net/tcp"), readIPv6: read.contains("proc/net/tcp6"),
            malformedLines: malformed, topDestinations: options.topDestinations)
        warnings += more
        return table
    }

    func textValue(_ bytes: [UInt8], path: String, _ warnings: inout [FactWarning]) -> String? {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            warnings.append(FactWarning(path: path, line: 1, message: "not valid UTF-8"))
            return nil
        }
        let trimmed = text.trimmingASCIIWhitespace()
        guard !trimmed.isEmpty else {
            warnings.append(FactWarning(path: path, line: 1, message: "empty file"))
            return nil
        }
        return trimmed
    }
}
