#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Where a snapshot's facts were read from.
public struct FactsOrigin: Codable, Sendable, Hashable, CustomStringConvertible {
    /// What kind of input the facts were read from.
    public enum Kind: String, Codable, Sendable {
        /// The running host's `/`.
        case live
        /// A captured tree (`--root DIR`).
        case root
        /// Captured command output only (`--ss`, `--netstat`, `--sysctl`, `--nstat`).
        case captured
        /// A sosreport (`--sos`): its copied /proc and /etc, with its command captures as fallbacks.
        case sosreport
        /// What history kept of a host, for a postmortem: a recording or Prometheus (`location` says which,
        /// `recording /var/lib/twadvise`, `prometheus http://prometheus:9090`).
        case history
    }

    /// What kind of input it was.
    public var kind: Kind
    /// The directory read (`/` for live), or the captured files.
    public var location: String
    /// Captured command output read on top of the root, if any.
    public var captured: String?
    /// The network namespace the facts describe, when not the host's: a sosreport's namespace name, or a
    /// live namespace's label (`ip netns` name, pod, container or first process).
    public var namespace: String?
    /// The snapshot file these facts were loaded from (`--facts FILE`, `-` for standard input), if any. Not
    /// written into snapshots: loading and writing a snapshot again gives the same bytes.
    public var snapshotFile: String?

    private enum CodingKeys: String, CodingKey {
        case kind, location, captured, namespace
    }

    /// An origin of `kind` at `location`.
    package init(kind: Kind, location: String, captured: String? = nil, namespace: String? = nil, snapshotFile: String? = nil) {
        self.kind = kind
        self.location = location
        self.captured = captured
        self.namespace = namespace
        self.snapshotFile = snapshotFile
    }

    /// The input as a report's "Input" line names it.
    public var description: String {
        guard let snapshotFile else { return readDescription }
        let file = snapshotFile == "-" ? "standard input" : snapshotFile
        return "snapshot \(file) (facts read from the \(readDescription))"
    }

    /// How a sentence names a namespace by its label: `network namespace blue` for an `ip netns` name (given
    /// as `netns blue`, or a sosreport's bare name), `network namespace of pid 4242 (sleep)` for one known by
    /// what is in it.
    package static func namespacePhrase(_ label: String) -> String {
        if label.hasPrefix("netns ") { return "network namespace " + label.dropFirst("netns ".count) }
        for prefix in ["pid ", "pod ", "inode ", "docker ", "containerd ", "crio ", "podman "] where label.hasPrefix(prefix) {
            return "network namespace of " + label
        }
        return "network namespace " + label
    }

    /// Where the facts were read, without the snapshot file they were later loaded from.
    var readDescription: String {
        let base: String
        switch kind {
        case .live: base = "live host" + (namespace.map { ", " + Self.namespacePhrase($0) } ?? "")
        case .root: base = "captured tree \(location)"
        case .captured: return "captured command output \(location)"
        case .history: return location + (namespace.map { ", " + Self.namespacePhrase($0) } ?? "") + (captured.map { " (\($0))" } ?? "")
        case .sosreport:
            return "sosreport \(location)" + (namespace.map { ", " + Self.namespacePhrase($0) } ?? "") + (captured.map { " (also \($0))" } ?? "")
        }
        return captured.map { base + " with captured command output \($0)" } ?? base
    }
}

/// Everything TWAdvise knows about one host at one moment: the input of every rule.
///
/// Versioned by ``schemaVersion``; a missing (or `null`) value is **unknown**, never zero.
public struct FactsSnapshot: Codable, Sendable, Hashable {
    /// A snapshot of `origin` that holds no facts and says why: `reason`, as a warning about `path` too.
    package static func notRead(_ origin: FactsOrigin, path: String, reason: String) -> FactsSnapshot {
        var snapshot = FactsSnapshot(origin: origin)
        snapshot.warnings.append(FactWarning(path: path, message: reason))
        snapshot.notRead = reason
        return snapshot
    }

    /// The schema this build writes and reads.
    public static let currentSchemaVersion = 1

    /// The snapshot format version (``currentSchemaVersion`` when written by this build).
    public var schemaVersion: Int
    /// `twadvise VERSION`, the tool that wrote the snapshot.
    public var tool: String
    /// Where the facts were read.
    public var origin: FactsOrigin
    /// When a live host was read (ISO 8601, UTC); `nil` for captured trees, so the same tree gives the same JSON.
    public var collectedAt: String?
    /// Host name, kernel version, uptime.
    public var host: HostInfo
    /// Runtime kernel parameters.
    public var sysctls: Sysctls
    /// Persistent configuration (sysctl.conf and sysctl.d), in the order it is applied.
    public var persistentSysctls: PersistentSysctlConfig
    /// `/proc/net/sockstat`; `nil` when unreadable.
    public var sockstat: KeyedCounters?
    /// `/proc/net/sockstat6`; `nil` when unreadable.
    public var sockstat6: KeyedCounters?
    /// `/proc/net/netstat` and `/proc/net/snmp` by section (`TcpExt`, `Tcp`, `IpExt`, ...).
    public var counters: KeyedCounters
    /// netfilter connection tracking.
    public var conntrack: ConntrackFacts
    /// System-wide file handles.
    public var fileHandles: FileHandleFacts
    /// The socket table; `nil` when neither IPv4 nor IPv6 sockets could be read.
    public var sockets: SocketTable?
    /// Where each group of facts was read; `nil` in snapshots written before it was recorded.
    public var readFrom: ReadLocations?
    /// Counter rates between two readings (`--interval`); `nil` with a single reading.
    public var rates: CounterRates?
    /// Every problem met while reading, with file and line.
    public var warnings: [FactWarning]
    /// The live network namespace the facts were read in, when not the one TWAdvise runs in: its inode,
    /// `ip netns` name, first process and that process's container or pod.
    public var namespace: NetworkNamespace?
    /// In a snapshot of a whole host (`twadvise snapshot` on the live host or a sosreport): one snapshot per
    /// other network namespace, one level deep. `--facts` gives them back as separate diagnoses.
    public var namespaces: [FactsSnapshot]?
    /// Why nothing of this network namespace could be read (it could not be entered, it is not a network
    /// namespace, its captures failed); `nil` when it was read. A report says "not read: REASON" for it, never
    /// that it has no finding.
    public var notRead: String?
    /// Kernel messages of this domain in the log kept (a postmortem reads them); `nil` when no log was read.
    public var kernelLog: KernelLogFacts?
    /// What the reading does not cover and why: other network namespaces not entered, or left out at the
    /// bound of namespaces per report. A report says it at the top; `nil` when nothing was left out.
    public var notCovered: [String]?

    /// A snapshot; every group defaults to unknown.
    package init(schemaVersion: Int = FactsSnapshot.currentSchemaVersion, tool: String = TWAdviseVersion.tool,
                origin: FactsOrigin, collectedAt: String? = nil, host: HostInfo = HostInfo(),
                sysctls: Sysctls = Sysctls(), persistentSysctls: PersistentSysctlConfig = PersistentSysctlConfig(),
                sockstat: KeyedCounters? = nil, sockstat6: KeyedCounters? = nil, counters: KeyedCounters = KeyedCounters(),
                conntrack: ConntrackFacts = ConntrackFacts(), fileHandles: FileHandleFacts = FileHandleFacts(),
                sockets: SocketTable? = nil, readFrom: ReadLocations? = nil, rates: CounterRates? = nil,
                warnings: [FactWarning] = []) {
        self.schemaVersion = schemaVersion
        self.tool = tool
        self.origin = origin
        self.collectedAt = collectedAt
        self.host = host
        self.sysctls = sysctls
        self.persistentSysctls = persistentSysctls
        self.sockstat = sockstat
        self.sockstat6 = sockstat6
        self.counters = counters
        self.conntrack = conntrack
        self.fileHandles = fileHandles
        self.sockets = sockets
        self.readFrom = readFrom
        self.rates = rates
        self.warnings = warnings
    }

    /// The snapshot as JSON with sorted keys: the same facts always give the same bytes.
    public func jsonData(pretty: Bool = false) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// Reads a snapshot written by ``jsonData(pretty:)``.
    ///
    /// - Throws: ``SnapshotDecodingError`` with a one-line reason for anything that is not such a snapshot.
    public static func decode(json data: Data) throws(SnapshotDecodingError) -> FactsSnapshot {
        struct VersionProbe: Decodable { var schemaVersion: Int? }
        let probe: VersionProbe
        do {
            probe = try JSONDecoder().decode(VersionProbe.self, from: data)
        } catch {
            throw SnapshotDecodingError(message: "not a JSON object: \(describe(error))")
        }
        guard let version = probe.schemaVersion else {
            throw SnapshotDecodingError(message: "no 'schemaVersion': not a twadvise facts snapshot")
        }
        guard version <= currentSchemaVersion, version >= 1 else {
            throw SnapshotDecodingError(message: "schemaVersion \(version) is not supported (this twadvise reads 1...\(currentSchemaVersion))")
        }
        var snapshot: FactsSnapshot
        do {
            snapshot = try JSONDecoder().decode(FactsSnapshot.self, from: data)
        } catch {
            throw SnapshotDecodingError(message: describe(error))
        }
        try snapshot.validate()
        // Snapshots written before `notCovered` kept those notices as warnings of a path of their own.
        if snapshot.notCovered == nil {
            let notices = snapshot.warnings.filter { $0.path == FactsInput.namespacesNotice }
            if !notices.isEmpty {
                snapshot.notCovered = notices.map(\.message)
                snapshot.warnings.removeAll { $0.path == FactsInput.namespacesNotice }
            }
        }
        return snapshot
    }

    private static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return keys.isEmpty ? "top level" : keys.joined(separator: ".")
        }
        switch error {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c):
            return "\(path(c)): \(c.debugDescription)"
        case .keyNotFound(let key, let c):
            return "\(path(c)): missing key '\(key.stringValue)'"
        @unknown default:
            return "\(error)"
        }
    }
}

/// A facts file that could not be read as a snapshot.
public struct SnapshotDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The one-line reason.
    public var message: String
    /// The one-line reason.
    public var description: String { message }
}

/// The version of this build of TWAdvise.
public enum TWAdviseVersion {
    /// The release, as `--version` prints it.
    public static let version = "0.1.0"
    /// `twadvise VERSION`, as snapshots and reports name the tool.
    public static let tool = "twadvise \(version)"
}

extension FactsSnapshot {
    /// Whether anything at all was read: a root that holds no readable fact is an input error.
    public var hasAnyFact: Bool {
        host.hostname != nil || host.kernel != nil || !sysctls.values.isEmpty || sockstat != nil
            || sockstat6 != nil || !counters.isEmpty || sockets != nil || !persistentSysctls.entries.isEmpty
            || fileHandles.allocated != nil || conntrack.count != nil
    }
}
