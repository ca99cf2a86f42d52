#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The I/O seam of every reader: files addressed relative to a root directory (`/` on a live host,
/// a captured tree otherwise). Readers take a `FactSource` so that tests run them against fixture trees.
public struct FactSource: Sendable, Hashable {
    /// The directory every fact path is resolved against.
    public var root: String

    /// Largest size read for a small text file (sysctl values, sockstat, netstat, sysctl.conf).
    public var smallFileLimit: Int

    /// Read `proc/net/...` as `proc/thread-self/net/...`: the network namespace of the reading thread, which
    /// differs from the process's when the thread entered another one (`/proc/net` follows the process).
    public var perThreadNet = false

    /// A source of files under `root`.
    ///
    /// - Parameters:
    ///   - root: `/` for the live host, or the top of a captured tree.
    ///   - smallFileLimit: bytes beyond which a small file is refused as too large (default 4 MiB).
    public init(root: String = "/", smallFileLimit: Int = 4 << 20) {
        self.root = root
        self.smallFileLimit = smallFileLimit
    }

    /// Whether this source is the running host's own `/`.
    public var isLiveRoot: Bool { root == "/" || root.isEmpty }

    /// The absolute path of `relative` under the root.
    public func absolutePath(_ relative: String) -> String {
        let base = root.hasSuffix("/") ? String(root.dropLast()) : root
        if perThreadNet, relative.hasPrefix("proc/net/") {
            return base + "/proc/thread-self/net/" + relative.dropFirst("proc/net/".count)
        }
        return base + "/" + relative
    }

    /// The directory files are confined to when opened: the tree's top; `nil` on the live host.
    package var confinement: String? { isLiveRoot ? nil : root }

    /// Opens `relative`: in a captured tree only a regular file inside the tree (never a FIFO or a device),
    /// opened so that no link can lead it out, whatever the tree holds or becomes while it is read.
    package func open(_ relative: String) throws(FileReadError) -> SystemFile {
        if isLiveRoot { return try SystemFile(path: absolutePath(relative)) }
        return try SystemFile(confined: absolutePath(relative), within: root)
    }

    /// The names in the directory `relative`; in a captured tree, opened without leaving it.
    package func list(_ relative: String) throws(FileReadError) -> [String] {
        if isLiveRoot { return try listDirectory(absolutePath(relative)) }
        return try listDirectory(confined: absolutePath(relative), within: root)
    }

    /// Whether `relative` exists (a sysctl key the kernel has).
    package func exists(_ relative: String) -> Bool {
        var info = stat()
        return stat(absolutePath(relative), &info) == 0
    }

    /// Reads a small file whole.
    package func bytes(_ relative: String) throws(FileReadError) -> [UInt8] {
        let file = try open(relative)
        return try file.readAll(limit: smallFileLimit)
    }

    /// Reads a small file and returns a warning (never a throw) on failure.
    package func read(_ relative: String, warnings: inout [FactWarning], warnIfMissing: Bool = true) -> [UInt8]? {
        do {
            return try bytes(relative)
        } catch {
            if error != .missing || warnIfMissing {
                warnings.append(FactWarning(path: relative, message: error.description))
            }
            return nil
        }
    }
}
