/// Command output captured on a host (postmortem input), read instead of the corresponding /proc files.
public struct CapturedOutputs: Sendable, Hashable {
    /// Files with `ss -tan`/`-tanp`/`-peaonmi` or `netstat -an`/`-ant`/`-W -neopa` output: the socket table.
    public var socketTables: [String]
    /// A file with `sysctl -a` output: runtime sysctls, hostname, kernel release.
    public var sysctl: String?
    /// A file with `nstat -zas` output: TcpExt/Tcp/... counters.
    public var nstat: String?

    public init(socketTables: [String] = [], sysctl: String? = nil, nstat: String? = nil) {
        self.socketTables = socketTables
        self.sysctl = sysctl
        self.nstat = nstat
    }

    public var isEmpty: Bool { socketTables.isEmpty && sysctl == nil && nstat == nil }
}
