/// Command output captured on a host (postmortem input), read instead of the corresponding /proc files.
public struct CapturedOutputs: Sendable, Hashable {
    /// Files with `ss -tan`/`-tanp`/`-peaonmi` or `netstat -an`/`-ant`/`-W -neopa` output: the socket table.
    public var socketTables: [String]
    /// A file with `sysctl -a` output: runtime sysctls, hostname, kernel release.
    public var sysctl: String?
    /// A file with `nstat -zas` output: TcpExt/Tcp/... counters.
    public var nstat: String?
    /// A file with `netstat -s` output: counters, when there is no nstat output.
    public var netstatStatistics: String?
    /// The files were found inside a sosreport, not named by a person: only regular files inside it are read
    /// (a named file may be a pipe, `--ss /dev/stdin`).
    var foundInTree: Bool = false
    /// The sosreport the files were found in: each is opened so that it cannot leave it (``foundInTree``).
    package var tree: String?

    /// Captured files, each optional.
    public init(socketTables: [String] = [], sysctl: String? = nil, nstat: String? = nil, netstatStatistics: String? = nil) {
        self.socketTables = socketTables
        self.sysctl = sysctl
        self.nstat = nstat
        self.netstatStatistics = netstatStatistics
    }

    /// Whether no captured output is given.
    package var isEmpty: Bool { socketTables.isEmpty && sysctl == nil && nstat == nil && netstatStatistics == nil }

    /// Every file named.
    package var files: [String] { socketTables + [sysctl, nstat, netstatStatistics].compactMap { $0 } }
}
