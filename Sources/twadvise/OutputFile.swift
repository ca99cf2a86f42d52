#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Writes a command's output to the file a person named, only in the ways that cannot hurt:
///
/// - a regular file, or a name that does not exist yet: written whole to a new temporary file beside it
///   (`mkstemp`: a random name, `O_EXCL`, never following a planted link), then renamed over it, so a reader
///   sees the old file or the new one, never half of one;
/// - standard output or error (`/dev/stdout`, `/dev/fd/1`, `/proc/self/fd/2`): the descriptor itself;
/// - a character device or a FIFO (`/dev/null`, a named pipe): written in place, never replaced;
/// - anything else (a directory, a symbolic link to a regular file, a socket): refused, one line, exit 2.
enum OutputFile {
    enum Kind { case replaceable, inPlace(Int32?), refused(String) }

    static func kind(of path: String, atomicOnly: Bool) -> Kind {
        switch path {
        case "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1": return atomicOnly ? .refused("is standard output, not a file") : .inPlace(1)
        case "/dev/stderr", "/dev/fd/2", "/proc/self/fd/2": return atomicOnly ? .refused("is standard error, not a file") : .inPlace(2)
        default: break
        }
        var info = stat()
        guard lstat(path, &info) == 0 else {
            return errno == ENOENT ? .replaceable : .refused(String(cString: strerror(errno)))
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .replaceable
        case S_IFCHR, S_IFIFO: return atomicOnly ? .refused("is a device or a FIFO, not a regular file") : .inPlace(nil)
        case S_IFDIR: return .refused("is a directory")
        case S_IFLNK: return .refused("is a symbolic link; name the file it points to")
        default: return .refused("is not a regular file, a device or a FIFO")
        }
    }

    /// Writes `bytes` to `path`; with `atomicOnly` (a textfile a collector reads), only a regular file is
    /// accepted. Throws an ``InputError`` naming the path and the reason.
    static func write(_ bytes: [UInt8], to path: String, atomicOnly: Bool = false) throws {
        switch kind(of: path, atomicOnly: atomicOnly) {
        case .refused(let reason):
            throw InputError("cannot write \(path): it \(reason)")
        case .inPlace(let descriptor?):
            try writeAll(bytes, to: descriptor, path: path)
        case .inPlace(nil):
            let fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW)
            guard fd >= 0 else { throw InputError("cannot write \(path): \(String(cString: strerror(errno)))") }
            defer { close(fd) }
            try writeAll(bytes, to: fd, path: path)
        case .replaceable:
            try replace(path, with: bytes)
        }
    }

    /// The longest file name Linux file systems take, in bytes.
    static let nameMax = 255

    private static func replace(_ path: String, with bytes: [UInt8]) throws {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        // ".NAME.XXXXXX" must fit NAME_MAX (255 bytes): a long name keeps its first bytes, cut on a scalar.
        var stem = ""
        for scalar in name.unicodeScalars {
            guard stem.utf8.count + String(scalar).utf8.count <= Self.nameMax - 8 else { break }
            stem.unicodeScalars.append(scalar)
        }
        var template = Array("\(directory.isEmpty ? "" : directory)/.\(stem).XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw InputError("cannot write \(path): \(String(cString: strerror(errno)))") }
        let temporary = String(cString: template.withUnsafeBufferPointer { $0.baseAddress! })
        do {
            // The mode a new file would get (mkstemp makes 0600): 0644 less the umask, or the old file's.
            var old = stat()
            if stat(path, &old) == 0 { fchmod(fd, old.st_mode & 0o7777) } else {
                let mask = umask(0)
                umask(mask)
                fchmod(fd, 0o644 & ~mask)
            }
            try writeAll(bytes, to: fd, path: path)
            guard fsync(fd) == 0 else { throw InputError("cannot write \(path): \(String(cString: strerror(errno)))") }
            close(fd)
            guard rename(temporary, path) == 0 else { throw InputError("cannot write \(path): \(String(cString: strerror(errno)))") }
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
    }

    private static func writeAll(_ bytes: [UInt8], to fd: Int32, path: String) throws {
        try bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw InputError("cannot write \(path): \(String(cString: strerror(errno)))")
                }
                offset += n
            }
        }
    }
}
