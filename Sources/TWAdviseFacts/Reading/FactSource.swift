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
    package var perThreadNet = false

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
    package var isLiveRoot: Bool { root == "/" || root.isEmpty }

    /// The absolute path of `relative` under the root.
    package func absolutePath(_ relative: String) -> String {
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
        return try SystemFile(confined: absolutePath(following(relative)), within: root)
    }

    /// The names in the directory `relative`; in a captured tree, opened without leaving it.
    package func list(_ relative: String) throws(FileReadError) -> [String] {
        if isLiveRoot { return try listDirectory(absolutePath(relative)) }
        return try listDirectory(confined: absolutePath(following(relative)), within: root)
    }

    /// The target a *link stand-in* names: a small regular file holding one relative path and nothing else,
    /// which is what git writes for a symbolic link when links are off (`core.symlinks=false`), as in
    /// sosreports kept in a repository (hotsos's fixtures: `proc/net` holding `self/net`). `nil` for anything
    /// else, and on the live host.
    package func standInTarget(_ relative: String) -> String? {
        guard !isLiveRoot, let file = try? SystemFile(confined: absolutePath(relative), within: root),
              let bytes = try? file.readAll(limit: 255) else { return nil }
        var text = String(decoding: bytes, as: UTF8.self)
        if text.hasSuffix("\n") { text.removeLast() }
        guard !text.isEmpty, !text.hasPrefix("/"), text.utf8.allSatisfy({ $0 >= 0x21 && $0 < 0x7F }) else { return nil }
        return text
    }

    /// `relative` with the link stand-ins among its directories followed (at most 8), as long as the path
    /// stays inside the tree; `relative` itself otherwise. A stand-in as the last component is left alone: a
    /// reader that expects one says so (``standInTarget(_:)``).
    package func following(_ relative: String) -> String {
        guard !isLiveRoot else { return relative }
        var parts = relative.split(separator: "/").map(String.init)
        var hops = 0
        var index = 0
        while index < parts.count - 1 {
            let prefix = parts[0...index].joined(separator: "/")
            var info = stat()
            guard stat(absolutePath(prefix), &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, hops < 8,
                  let target = standInTarget(prefix) else {
                index += 1
                continue
            }
            // The target is relative to the stand-in's directory; `..` may not climb out of the tree.
            var resolved = Array(parts[0..<index])
            for component in target.split(separator: "/") {
                if component == ".." {
                    guard !resolved.isEmpty else { return relative }
                    resolved.removeLast()
                } else if component != "." {
                    resolved.append(String(component))
                }
            }
            parts = resolved + parts[(index + 1)...]
            hops += 1
            index = 0
        }
        return parts.joined(separator: "/")
    }

    /// Whether `relative` exists (a sysctl key the kernel has).
    package func exists(_ relative: String) -> Bool {
        var info = stat()
        return stat(absolutePath(following(relative)), &info) == 0
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
