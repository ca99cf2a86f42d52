/// One assignment in a sysctl configuration file.
public struct PersistentSysctlEntry: Codable, Sendable, Hashable {
    /// Dotted key (`net/ipv4/x` is normalised to `net.ipv4.x`).
    public var key: String
    /// The value text as written, trimmed.
    public var value: String
    /// File path relative to the fact root (`etc/sysctl.d/99-net.conf`).
    public var file: String
    /// 1-based line number.
    public var line: Int
    /// The line began with `-`: `sysctl --system` ignores a failure to apply it.
    public var ignoreErrors: Bool

    /// `file:line`.
    public var location: String { "\(file):\(line)" }

    /// An assignment of `key` at `file:line`.
    init(key: String, value: String, file: String, line: Int, ignoreErrors: Bool = false) {
        self.key = key
        self.value = value
        self.file = file
        self.line = line
        self.ignoreErrors = ignoreErrors
    }
}

/// The persistent sysctl configuration, in the order `sysctl --system` applies it.
///
/// Order: `*.conf` files of `etc/sysctl.d`, `run/sysctl.d`, `usr/local/lib/sysctl.d`, `usr/lib/sysctl.d`
/// and `lib/sysctl.d`, sorted by file name, where a file name in an earlier directory masks the same name
/// in a later one; then `etc/sysctl.conf` (unless a sysctl.d entry already links to it). Later assignments win.
public struct PersistentSysctlConfig: Codable, Sendable, Hashable {
    /// Files read, in application order.
    public var files: [String]
    /// Every assignment, in application order.
    public var entries: [PersistentSysctlEntry]
    /// Keys assigned that the running kernel does not have (no `/proc/sys` file): a typo, or a key removed
    /// like `tcp_tw_recycle`. `nil` when not checked (only the live host's `/proc/sys` is the full list);
    /// keys with a `*` glob are not checked.
    public var missingKeys: [String]?

    /// The configuration: files read and their assignments, in the order they are applied.
    init(files: [String] = [], entries: [PersistentSysctlEntry] = [], missingKeys: [String]? = nil) {
        self.files = files
        self.entries = entries
        self.missingKeys = missingKeys
    }

    /// The assignment that wins for each key (the last one applied).
    public var effective: [String: PersistentSysctlEntry] {
        var result: [String: PersistentSysctlEntry] = [:]
        for entry in entries { result[entry.key] = entry }
        return result
    }

    /// Every assignment of `key`, in application order.
    public func assignments(of key: String) -> [PersistentSysctlEntry] {
        entries.filter { $0.key == key }
    }
}
