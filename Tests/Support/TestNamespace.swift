import Foundation

/// Network namespaces a test makes for itself (`ip netns add`), loopback up, removed afterwards whatever the
/// test does: one helper for every test that needs one (they each wrote the same lines with their own runner).
public enum TestNamespace {
    /// iproute2's `ip`, where distributions install it.
    public static let ip: String? = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Whether this process can make one: root, with `ip`.
    public static var available: Bool { geteuid() == 0 && ip != nil }

    /// Why a test that needs one is skipped.
    public static let skipReason = "needs root and iproute2's ip to create a network namespace"

    /// Makes namespaces `names` (each with loopback up), runs `body`, then deletes them.
    public static func with<T>(_ names: [String], _ body: () throws -> T) throws -> T {
        var made: [String] = []
        defer { for name in made.reversed() { _ = try? ip(["netns", "del", name]) } }
        for name in names {
            try ip(["netns", "add", name])
            made.append(name)
            try ip(["netns", "exec", name, "ip", "link", "set", "lo", "up"])
        }
        return try body()
    }

    /// Makes the namespace `PREFIX-PID`, runs `body` with its name, then deletes it.
    public static func with<T>(_ prefix: String, _ body: (_ name: String) throws -> T) throws -> T {
        let name = "\(prefix)-\(getpid())"
        return try with([name]) { try body(name) }
    }

    /// Runs `ip ARGUMENTS`; its standard output, or an error with what it printed when it fails.
    @discardableResult
    public static func ip(_ arguments: [String]) throws -> String {
        guard let ip else { throw Failure(description: "iproute2's ip not found") }
        let result = try CLIRunner.process(ip, arguments)
        guard result.status == 0 else {
            throw Failure(description: "ip \(arguments.joined(separator: " ")) exited \(result.status): \(result.stderr)\(result.stdout)")
        }
        return result.stdout
    }

    /// A namespace command that failed.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }
}
