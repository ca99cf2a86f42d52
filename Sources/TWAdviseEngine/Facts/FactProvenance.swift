/// Where the facts of one evaluation were really read (`netlink sock_diag`, `captured sysctl -a in
/// sysctl_-a`), by fact path; a finding's evidence shows it beside each value.
///
/// A path without an entry takes its nearest ancestor's (`sockets.destinations[].in_use` →
/// `sockets.destinations` → `sockets`).
public struct FactProvenance: Sendable, Hashable {
    /// Source by fact path, with `[]` for list items as in the schema.
    public var sources: [String: String]

    /// Sources by fact path.
    public init(_ sources: [String: String] = [:]) {
        self.sources = sources
    }

    /// The source of `path` or of its nearest ancestor that has one.
    public func source(of path: String) -> String? {
        var path = Substring(path)
        while true {
            if let source = sources[String(path)] { return source }
            if path.hasSuffix("[]") { path = path.dropLast(2); continue }
            guard let dot = path.lastIndex(of: ".") else { return nil }
            path = path[..<dot]
        }
    }
}
