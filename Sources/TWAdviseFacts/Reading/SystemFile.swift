#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a file could not be read. Every case becomes a ``FactWarning`` and an unknown fact.
package enum FileReadError: Error, Equatable, Sendable, CustomStringConvertible {
    case missing
    case permissionDenied
    case isDirectory
    case symlinkLoop
    case tooLarge(limit: Int)
    case outsideRoot
    case notRegular
    case system(errno: Int32)

    package var description: String {
        switch self {
        case .missing: return "no such file"
        case .permissionDenied: return "permission denied"
        case .isDirectory: return "is a directory, expected a file"
        case .symlinkLoop: return "too many levels of symbolic links"
        case .tooLarge(let limit): return "larger than the \(limit)-byte limit for this file"
        case .outsideRoot: return "a symbolic link leads outside the directory read, or is absolute; not read"
        case .notRegular: return "not a regular file (a FIFO, device or socket); not read"
        case .system(let code): return "read failed: \(String(cString: strerror(code)))"
        }
    }

    static func from(errno code: Int32) -> FileReadError {
        switch code {
        case ENOENT, ENOTDIR: return .missing
        case EACCES, EPERM: return .permissionDenied
        case EISDIR: return .isDirectory
        case ELOOP: return .symlinkLoop
        default: return .system(errno: code)
        }
    }
}

/// The one place TWAdviseFacts calls `open`/`read`/`close`: a read-only file descriptor.
///
/// /proc files report a size of 0, so everything is read until end of file rather than by `stat` size.
package struct SystemFile: ~Copyable {
    private let fd: Int32

    /// Opens `path` read-only. Never creates or writes anything.
    ///
    /// With `requireRegular` (every file found inside a captured tree, a sosreport or a rules directory), the
    /// open does not wait (`O_NONBLOCK`: a FIFO's open would block until a writer comes) and anything but a
    /// regular file is refused, so a FIFO or a device planted in a tree can neither hang nor flood the reader.
    /// Files named on the command line may be pipes (`--ss /dev/stdin`, `--sysctl <(...)`) and are read as they are.
    package init(path: String, requireRegular: Bool = false) throws(FileReadError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC | (requireRegular ? O_NONBLOCK : 0))
        guard fd >= 0 else { throw FileReadError.from(errno: errno) }
        try self.init(descriptor: fd, requireRegular: requireRegular)
    }

    /// Takes `fd`, already open; with `requireRegular`, closes it and fails unless it is a regular file.
    package init(descriptor fd: Int32, requireRegular: Bool) throws(FileReadError) {
        if requireRegular {
            var info = stat()
            guard fstat(fd, &info) == 0 else {
                let code = errno
                close(fd)
                throw FileReadError.from(errno: code)
            }
            switch info.st_mode & S_IFMT {
            case S_IFREG: break
            case S_IFDIR:
                close(fd)
                throw FileReadError.isDirectory
            default:
                close(fd)
                throw FileReadError.notRegular
            }
        }
        self.fd = fd
    }

    deinit { close(fd) }

    /// Reads up to `buffer.count` bytes; 0 at end of file. Retries on `EINTR`.
    package func read(into buffer: UnsafeMutableRawBufferPointer) throws(FileReadError) -> Int {
        while true {
            #if canImport(Glibc) || canImport(Musl)
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            #else
            let n = Darwin.read(fd, buffer.baseAddress, buffer.count)
            #endif
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw FileReadError.from(errno: errno)
        }
    }

    /// Reads the whole file, failing with ``FileReadError/tooLarge(limit:)`` past `limit` bytes.
    package func readAll(limit: Int) throws(FileReadError) -> [UInt8] {
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n: Int
            do {
                n = try chunk.withUnsafeMutableBytes { raw in try read(into: raw) }
            } catch let error as FileReadError {
                throw error
            } catch {
                throw FileReadError.system(errno: EIO)
            }
            if n == 0 { return result }
            guard result.count + n <= limit else { throw FileReadError.tooLarge(limit: limit) }
            result.append(contentsOf: chunk[0..<n])
        }
    }

    /// Streams the file in chunks of `chunkSize` bytes to `body`, which sees each chunk once.
    ///
    /// Files are read, never mapped: a mapped file that another process truncates would stop the process
    /// with `SIGBUS`, and reading costs only the copy.
    package func forEachChunk(
        chunkSize: Int = 1 << 18,
        _ body: (UnsafeRawBufferPointer) throws(FileReadError) -> Void
    ) throws(FileReadError) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = try read(into: buffer)
            if n == 0 { return }
            try body(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
    }

    /// The size of a regular file, `nil` for anything else. /proc files are regular but report 0.
    /// Whether the open file is a directory.
    package var isDirectory: Bool {
        var info = stat()
        return fstat(fd, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    package var regularFileSize: Int? {
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int(info.st_size)
    }

    /// Streams the bytes at `range` of a regular file to `body` in chunks of `chunkSize` bytes, read with
    /// `pread`, so several threads may stream different ranges of one file, each through its own `SystemFile`.
    /// Stops early at end of file.
    package func forEachChunk(in range: Range<Int>, chunkSize: Int = 1 << 18,
                              _ body: (UnsafeRawBufferPointer) throws(FileReadError) -> Void) throws(FileReadError) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        var offset = range.lowerBound
        while offset < range.upperBound {
            let n = try pread(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<min(buffer.count, range.upperBound - offset)]), at: offset)
            if n == 0 { return }
            try body(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            offset += n
        }
    }

    /// Reads up to `buffer.count` bytes at `offset`; 0 at end of file. Retries on `EINTR`.
    package func pread(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(FileReadError) -> Int {
        while true {
            #if canImport(Glibc) || canImport(Musl)
            let n = Glibc.pread(fd, buffer.baseAddress, buffer.count, off_t(offset))
            #else
            let n = Darwin.pread(fd, buffer.baseAddress, buffer.count, off_t(offset))
            #endif
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw FileReadError.from(errno: errno)
        }
    }

    /// Offsets that cut the first `size` bytes into about `parts` pieces, each cut just after a newline:
    /// `[0, ..., size]`, strictly increasing (fewer pieces when lines are long or the file is small).
    package func lineBoundaries(parts: Int, size: Int) throws(FileReadError) -> [Int] {
        var bounds = [0]
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { buffer.deallocate() }
        for k in 1..<max(parts, 1) {
            var offset = max(size * k / parts, bounds[bounds.count - 1])
            var cut: Int?
            while cut == nil && offset < size {
                let n = try pread(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<min(buffer.count, size - offset)]), at: offset)
                if n == 0 { break }
                if let newline = newlineOffset(buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), n) { cut = offset + newline + 1 }
                offset += n
            }
            if let cut, cut < size, cut > bounds[bounds.count - 1] { bounds.append(cut) }
        }
        bounds.append(size)
        return bounds
    }
}

/// Directory listing (names only, sorted bytewise), the one place `opendir` is called.
package func listDirectory(_ path: String) throws(FileReadError) -> [String] {
    guard let dir = opendir(path) else { throw FileReadError.from(errno: errno) }
    defer { closedir(dir) }
    return entryNames(dir)
}

/// The names in an open directory but `.` and `..`, sorted bytewise.
private func entryNames(_ dir: OpaquePointer) -> [String] {
    var names: [String] = []
    while let entry = readdir(dir) {
        let name = withUnsafePointer(to: entry.pointee.d_name) { ptr in
            ptr.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
        }
        if name != "." && name != ".." { names.append(name) }
    }
    return names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
}

/// Opening a file of a captured tree, a sosreport or a rules directory so that it cannot leave it, with no
/// window between a check and the open: `openat2(2)` from a descriptor of the directory with
/// `RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS` (a link, `..` or an absolute path that leads out fails in the
/// kernel), else, where the kernel has no `openat2` (before 5.6), a walk component by component with
/// `O_NOFOLLOW`, which refuses every symbolic link.
package enum ConfinedOpen {
    /// `SYS_openat2`: 437 on every architecture (the unified system call table since Linux 5.6).
    static let sysOpenat2 = 437
    static let resolveNoMagiclinks: UInt64 = 0x02
    static let resolveBeneath: UInt64 = 0x08

    /// `syscall(2)` from the C library (variadic in C, called here with three pointer-sized arguments).
    static let syscall: (@convention(c) (Int, Int32, UnsafePointer<CChar>, UnsafeRawPointer, Int) -> Int)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "syscall") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int, Int32, UnsafePointer<CChar>, UnsafeRawPointer, Int) -> Int).self)
    }()

    /// Opens `path`, which names a file under `directory`, with `flags`, never leaving `directory`.
    package static func open(_ path: String, within directory: String, flags: Int32) throws(FileReadError) -> Int32 {
        let top = directory.count > 1 && directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        var relative: Substring
        if path == top {
            relative = "."
        } else if path.hasPrefix(top == "/" ? "/" : top + "/") {
            relative = path.dropFirst(top == "/" ? 1 : top.count + 1)
        } else {
            throw FileReadError.outsideRoot
        }
        while relative.hasPrefix("/") { relative = relative.dropFirst() }
        if relative.isEmpty { relative = "." }
        let root = Glibc.open(top, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard root >= 0 else { throw FileReadError.from(errno: errno) }
        defer { close(root) }
        return try open(String(relative), beneath: root, flags: flags)
    }

    /// Opens `name`, a path relative to the directory open as `root`, with `flags`, never leaving it: a
    /// directory listed once is read through the same descriptor, so swapping it for another while it is
    /// read cannot mix the two.
    package static func open(_ name: String, beneath root: Int32, flags: Int32) throws(FileReadError) -> Int32 {
        if let fd = try openat2(root, name, flags: flags) { return fd }
        return try walk(root, name, flags: flags)
    }

    /// `openat2` beneath `root`; `nil` when the kernel has none.
    static func openat2(_ root: Int32, _ relative: String, flags: Int32) throws(FileReadError) -> Int32? {
        guard let syscall else { return nil }
        // struct open_how { u64 flags; u64 mode; u64 resolve; }
        var how: (UInt64, UInt64, UInt64) = (UInt64(UInt32(bitPattern: flags)), 0, resolveBeneath | resolveNoMagiclinks)
        while true {
            let result = relative.withCString { name in
                withUnsafePointer(to: &how) { syscall(sysOpenat2, root, name, UnsafeRawPointer($0), 24) }
            }
            if result >= 0 { return Int32(result) }
            switch errno {
            case EINTR, EAGAIN: continue
            case ENOSYS: return nil
            case EXDEV: throw FileReadError.outsideRoot
            default: throw FileReadError.from(errno: errno)
            }
        }
    }

    /// Component by component from `root`, refusing `..` and every symbolic link.
    static func walk(_ root: Int32, _ relative: String, flags: Int32) throws(FileReadError) -> Int32 {
        let parts = relative.split(separator: "/").filter { $0 != "." }
        guard !parts.contains("..") else { throw FileReadError.outsideRoot }
        var current = dup(root)
        guard current >= 0 else { throw FileReadError.from(errno: errno) }
        for (index, part) in parts.enumerated() {
            let last = index == parts.count - 1
            let next = Glibc.openat(current, String(part), last ? flags | O_NOFOLLOW : O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            let code = errno
            close(current)
            guard next >= 0 else { throw code == ELOOP ? FileReadError.outsideRoot : FileReadError.from(errno: code) }
            current = next
        }
        if parts.isEmpty {
            let fd = Glibc.openat(current, ".", flags)
            close(current)
            guard fd >= 0 else { throw FileReadError.from(errno: errno) }
            return fd
        }
        return current
    }
}

extension SystemFile {
    /// Opens `path`, a file under `directory`, without following a link out of it (``ConfinedOpen``), without
    /// waiting, and only when the opened descriptor is a regular file.
    package init(confined path: String, within directory: String) throws(FileReadError) {
        let fd = try ConfinedOpen.open(path, within: directory, flags: O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        try self.init(descriptor: fd, requireRegular: true)
    }

    /// Opens `name` of the directory open as `directory` as ``init(confined:within:)`` opens a path under one.
    package init(confined name: String, beneath directory: Int32) throws(FileReadError) {
        let fd = try ConfinedOpen.open(name, beneath: directory, flags: O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        try self.init(descriptor: fd, requireRegular: true)
    }
}

/// The names in `path`, a directory under `directory`, opened without following a link out of it.
package func listDirectory(confined path: String, within directory: String) throws(FileReadError) -> [String] {
    let fd = try ConfinedOpen.open(path, within: directory, flags: O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK)
    guard let dir = fdopendir(fd) else {
        let code = errno
        close(fd)
        throw FileReadError.from(errno: code)
    }
    defer { closedir(dir) }
    return entryNames(dir)
}

/// `path` with its symbolic links resolved, when it stays inside `directory` (itself resolved); a link that
/// leads out of it is ``FileReadError/outsideRoot``. For names in messages and checks only: files are opened
/// with ``ConfinedOpen``, never by the path this returns.
package func confinedPath(_ path: String, within directory: String) throws(FileReadError) -> String {
    guard let real = realPath(path) else { throw FileReadError.from(errno: errno) }
    guard let top = realPath(directory), real == top || real.hasPrefix(top == "/" ? "/" : top + "/") else {
        throw FileReadError.outsideRoot
    }
    return real
}

/// The canonical path (symlinks resolved), or `nil` with `errno` set.
package func realPath(_ path: String) -> String? {
    guard let resolved = realpath(path, nil) else { return nil }
    defer { free(resolved) }
    return String(cString: resolved)
}

/// Whether `path` names an existing directory (following symlinks).
package func isDirectory(_ path: String) -> Bool {
    var info = stat()
    guard stat(path, &info) == 0 else { return false }
    return (info.st_mode & S_IFMT) == S_IFDIR
}

/// The target of a symbolic link, or `nil` when `path` is not one.
package func symlinkTarget(_ path: String) -> String? {
    var buffer = [CChar](repeating: 0, count: 4096)
    let n = readlink(path, &buffer, buffer.count - 1)
    guard n > 0 else { return nil }
    return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Reads whole input files named on the command line (facts, rules, overlays) with the same
/// error vocabulary as the fact readers. Only ``Failure`` is public: ``FactsInputError`` carries it.
public enum InputFile {
    /// A file that could not be read, with a one-line reason (`no such file`, `permission denied`, ...).
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// The file.
        public var path: String
        /// Why it could not be read.
        public var reason: String
        /// `PATH: REASON`.
        public var description: String { "\(path): \(reason)" }
    }

    /// Fails when `path` cannot be opened for reading (missing, a directory, permission denied, ...). Reads
    /// nothing, so a pipe (`<(...)`, `/dev/stdin`) keeps every byte for the real read.
    static func checkReadable(_ path: String) throws(Failure) {
        let directory: Bool
        do {
            directory = try SystemFile(path: path).isDirectory
        } catch {
            throw Failure(path: path, reason: error.description)
        }
        if directory { throw Failure(path: path, reason: FileReadError.isDirectory.description) }
    }

    /// The device and inode of `path` (following links), to tell two names of one file apart from two files.
    package static func identity(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return "\(info.st_dev):\(info.st_ino)"
    }

    /// Reads standard input to its end, refusing more than `limit` bytes.
    static func readStandardInput(limit: Int) throws(Failure) -> [UInt8] {
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(0, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw Failure(path: "standard input", reason: String(cString: strerror(errno))) }
            if n == 0 { return result }
            guard result.count + n <= limit else {
                throw Failure(path: "standard input", reason: "larger than the limit of \(limit >> 20) MiB")
            }
            result.append(contentsOf: buffer[0..<n])
        }
    }

    /// Reads `path` whole, refusing files larger than `limit` bytes; with `requireRegular`, anything but a
    /// regular file is refused without waiting.
    package static func read(_ path: String, limit: Int = 64 << 20, requireRegular: Bool = false) throws(Failure) -> [UInt8] {
        do {
            let file = try SystemFile(path: path, requireRegular: requireRegular)
            return try file.readAll(limit: limit)
        } catch {
            throw Failure(path: path, reason: error.description)
        }
    }
}
