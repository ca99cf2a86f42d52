#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// One interval's compact reading of every network namespace, as `twadvise record` keeps it.
///
/// Sysctls and persistent configuration are recorded only when they change: a reading carries the keys
/// whose value differs from the last reading's (every key in the first reading), and the configuration
/// text only when it changed. ``RecordingStore/settings(at:)`` gives what was in effect at a time.
public struct RecordedReading: Sendable, Hashable {
    /// When it was read (stored to the millisecond).
    public var time: Date
    /// Every network namespace read, the host's first.
    public var namespaces: [RecordedNamespace]
    /// Sysctls (dotted keys) whose value changed since the previous reading.
    public var changedSysctls: [String: String]
    /// The persistent sysctl configuration as applied (text), when it changed since the previous reading.
    public var persistentConfig: String?
    /// The kernel messages of this domain logged during the interval, as logged.
    public var kernelMessages: [String]
    /// The full facts snapshot as JSON bytes, kept when the reading crossed a high or critical finding.
    ///
    /// ``RecordingStore/readings(in:limit:)`` leaves it `nil` (snapshots are large); read one with
    /// ``RecordingStore/snapshot(nearest:)``.
    public var snapshot: Data?

    /// A reading at `time`.
    public init(time: Date, namespaces: [RecordedNamespace], changedSysctls: [String: String] = [:],
                persistentConfig: String? = nil, kernelMessages: [String] = [], snapshot: Data? = nil) {
        self.time = time
        self.namespaces = namespaces
        self.changedSysctls = changedSysctls
        self.persistentConfig = persistentConfig
        self.kernelMessages = kernelMessages
        self.snapshot = snapshot
    }
}

/// One network namespace in one reading.
public struct RecordedNamespace: Sendable, Hashable {
    /// How the report names it (`host`, a container or `ip netns` name, `net:[4026532...]`).
    public var label: String
    /// The namespace's inode, when known.
    public var inode: UInt64?
    /// TIME_WAIT sockets in total, kernel counter (`/proc/net/sockstat` tw); nil when unknown.
    public var timeWait: Int?
    /// TIME_WAIT on ephemeral local ports (this host closed outgoing connections); nil when unknown.
    public var timeWaitOutbound: Int?
    /// TIME_WAIT on listening ports (the server closed first); nil when unknown.
    public var timeWaitInbound: Int?
    /// Sockets by state name (`ESTABLISHED`, `TIME_WAIT`, ...), IPv4 and IPv6.
    public var states: [String: Int]
    /// R: the usable ephemeral ports; nil when unknown.
    public var portsUsable: Int?
    /// The destinations closest to running out.
    ///
    /// Stored and read back ranked: by pressure, else share of R, highest first (ties keep their order).
    public var destinations: [RecordedDestination]
    /// Counter increases over the interval, keyed `Tcp.ActiveOpens`, `TcpExt.TW`.
    public var counterDeltas: [String: Int64]
    /// The interval the deltas cover, in seconds (stored to the millisecond); nil for a first reading.
    public var intervalSeconds: Double?

    /// A namespace reading.
    public init(label: String, inode: UInt64? = nil, timeWait: Int? = nil, timeWaitOutbound: Int? = nil,
                timeWaitInbound: Int? = nil, states: [String: Int] = [:], portsUsable: Int? = nil,
                destinations: [RecordedDestination] = [], counterDeltas: [String: Int64] = [:], intervalSeconds: Double? = nil) {
        self.label = label
        self.inode = inode
        self.timeWait = timeWait
        self.timeWaitOutbound = timeWaitOutbound
        self.timeWaitInbound = timeWaitInbound
        self.states = states
        self.portsUsable = portsUsable
        self.destinations = destinations
        self.counterDeltas = counterDeltas
        self.intervalSeconds = intervalSeconds
    }
}

/// One destination D = (local address, remote address, remote port) in one reading.
public struct RecordedDestination: Sendable, Hashable {
    /// The local address of its sockets (`10.0.0.5`, `*` when not told apart).
    public var localAddress: String
    /// The remote address.
    public var address: String
    /// The remote port.
    public var port: Int
    /// U(D): sockets (any state but LISTEN) holding an ephemeral port toward it.
    public var inUse: Int
    /// Sockets in TIME_WAIT toward it.
    public var timeWait: Int
    /// ESTABLISHED sockets toward it.
    public var established: Int
    /// CLOSE_WAIT sockets toward it; nil when unknown.
    public var closeWait: Int?
    /// U(D) / R (stored to a millionth); nil when R is unknown.
    public var shareOfR: Double?
    /// The share of R it really holds, reuse-aware (stored to a millionth); nil when unknown.
    public var pressure: Double?
    /// Its owners when known (`nginx[812]`), most sockets first.
    public var owners: [String]

    /// A destination reading.
    public init(localAddress: String = "*", address: String, port: Int, inUse: Int, timeWait: Int, established: Int,
                closeWait: Int? = nil, shareOfR: Double? = nil, pressure: Double? = nil, owners: [String] = []) {
        self.localAddress = localAddress
        self.address = address
        self.port = port
        self.inUse = inUse
        self.timeWait = timeWait
        self.established = established
        self.closeWait = closeWait
        self.shareOfR = shareOfR
        self.pressure = pressure
        self.owners = owners
    }

    /// The ranking value: pressure, else share of R.
    public var rankingValue: Double? { pressure ?? shareOfR }
}

/// What happened to one appended reading, and what the recorder should say about it (once).
public struct AppendOutcome: Sendable, Hashable {
    /// Whether the reading is in the store.
    public var stored: Bool
    /// What to print on stderr, one line each: a condition when it starts and when it ends, nothing while it lasts.
    public var notices: [RecorderNotice]
    /// Readings removed by retention after this one was stored.
    public var pruned: Int

    /// An outcome.
    public init(stored: Bool, notices: [RecorderNotice] = [], pruned: Int = 0) {
        self.stored = stored
        self.notices = notices
        self.pruned = pruned
    }
}

/// A condition the recorder lives through without stopping: said once when it starts, once when it ends.
public enum RecorderNotice: Sendable, Hashable, CustomStringConvertible {
    /// The disk is full (SQLITE_FULL): readings are not stored until space is freed; nothing written is lost.
    case diskFull(String)
    /// The store cannot be written (a read-only file system, or it could not be opened): readings are not stored.
    case notWritable(String)
    /// Another write failure (I/O error, ...): the reading was not stored.
    case writeFailed(String)
    /// The clock went backwards: a reading older than the newest stored one; it is stored with its own time.
    case clockWentBackwards(newest: Date, reading: Date)
    /// Readings are stored again after one of the conditions above.
    case recovered(String)

    /// The text to print (one line, no trailing period).
    public var description: String {
        switch self {
        case .diskFull(let detail): "recording: the disk is full, readings are not stored until space is freed (\(detail))"
        case .notWritable(let detail): "recording: the store cannot be written, readings are not stored (\(detail))"
        case .writeFailed(let detail): "recording: a reading could not be stored (\(detail))"
        case .clockWentBackwards(let newest, let reading):
            "recording: the clock went backwards (reading at \(RecorderNotice.format(reading)), newest stored \(RecorderNotice.format(newest))); readings are kept with their own time"
        case .recovered(let what): "recording: readings are stored again after \(what)"
        }
    }

    /// The `events` table's `kind` column.
    var kind: String {
        switch self {
        case .diskFull: "disk_full"
        case .notWritable: "not_writable"
        case .writeFailed: "write_failed"
        case .clockWentBackwards: "clock_backwards"
        case .recovered: "recovered"
        }
    }

    static func format(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}

/// The moment of a window the rules should run at.
public struct WorstMoment: Sendable, Hashable {
    /// The reading (without its snapshot).
    public var reading: RecordedReading
    /// The namespace it was worst in.
    public var namespace: String
    /// The most pressed destination then, nil when it was chosen by TIME_WAIT.
    public var destination: RecordedDestination?
    /// What chose it: `pressure`, `share of R` or `TIME_WAIT`.
    public var measure: String
    /// The value of that measure.
    public var value: Double
}

/// A span of time; both ends included.
public struct RecordingWindow: Sendable, Hashable {
    /// The first instant.
    public var from: Date
    /// The last instant.
    public var to: Date
    /// `[from, to]`.
    public init(from: Date, to: Date) {
        self.from = from
        self.to = to
    }
    /// All of time.
    public static let all = RecordingWindow(from: Date(timeIntervalSince1970: 0), to: Date(timeIntervalSince1970: 1e12))
}
