/// How a report names, for a fact missing from captured command output, the input that would supply it.
/// The library says what the input is (`sysctl -a output`); a tool says how to give it (its option).
public struct CapturedInputNames: Sendable {
    /// Sysctls (`proc/sys/...`).
    public var sysctl: String
    /// TCP counters (`proc/net/netstat`, `proc/net/snmp`).
    public var counters: String
    /// The socket table (`proc/net/tcp`, `proc/net/tcp6`).
    public var sockets: String
    /// Any other file of `proc/`, given its path.
    public var tree: @Sendable (String) -> String

    /// Names as the library says them: `sysctl -a output`, `nstat -zas output`, `ss -tanp output`, and `a
    /// captured tree holding PATH`.
    public init(sysctl: String = "sysctl -a output", counters: String = "nstat -zas output",
                sockets: String = "ss -tanp output",
                tree: @escaping @Sendable (String) -> String = { "a captured tree holding \($0)" }) {
        self.sysctl = sysctl
        self.counters = counters
        self.sockets = sockets
        self.tree = tree
    }
}
