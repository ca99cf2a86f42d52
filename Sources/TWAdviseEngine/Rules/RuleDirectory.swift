#if canImport(Glibc)
internal import Glibc
#elseif canImport(Musl)
internal import Musl
#endif

/// The rule files of one directory, for an embedder of the engine alone: `*.yaml` and `*.yml` (not hidden
/// ones, whose names start with a dot), sorted by
/// name, each read as hostile input. A symbolic link is never followed, a FIFO or device never opened for
/// reading (opened without blocking, then refused: only a regular file is read), every file is bounded by
/// ``YAMLLimits/maxBytes``, the directory by ``maxFiles`` and ``maxTotalBytes``, a name that is not UTF-8 or
/// holds a control character is refused, and a file that cannot be read fails the whole load with its path
/// and reason: nothing is skipped in silence. Links among the entries are never followed; the directory's
/// own path is the caller's, opened as given.
///
/// ```swift
/// let (rules, diagnostics) = try RuleSet.load(directory: "/etc/queue-rules", schema: schema)
/// ```
public enum RuleDirectory {
    /// Most rule files read from one directory.
    public static let maxFiles = 1_000
    /// Most directory entries looked at (rule files or not).
    public static let maxEntries = 100_000
    /// Most bytes of rule files read from one directory, all files together.
    public static let maxTotalBytes = 64 << 20

    /// The rule files of `directory`, sorted by name.
    ///
    /// - Throws: ``RuleFileError`` when the directory or one of its rule files cannot be read, or it holds none.
    public static func sources(_ directory: String) throws(RuleFileError) -> [RuleSource] {
        try sources(directory) { name, directoryFD, path throws(RuleFileError) in try read(name, in: directoryFD, path: path) }
    }

    /// The rule files of `directory` as ``sources(_:)`` lists, bounds and names them, each read by `reading`
    /// (its name, the open directory and its path): TWAdvise's `--rules` reader follows a link that stays
    /// inside the directory, where this engine's own never follows one. One listing, two link policies.
    package static func sources(
        _ directory: String, reading: (_ name: String, _ directory: Int32, _ path: String) throws(RuleFileError) -> String
    ) throws(RuleFileError) -> [RuleSource] {
        try withFiles(in: directory, endingWith: [".yaml", ".yml"], maxFiles: maxFiles, kind: "rule file") { directoryFD, names throws(RuleFileError) in
            guard !names.isEmpty else { throw RuleFileError(path: directory, reason: "no *.yaml or *.yml rule file in the directory") }
            let prefix = directory.hasSuffix("/") ? directory : directory + "/"
            var total = 0
            return try names.map { name throws(RuleFileError) in
                let text = try reading(name, directoryFD, prefix + name)
                total += text.utf8.count
                guard total <= maxTotalBytes else {
                    throw RuleFileError(path: directory, reason: "rule files larger than \(maxTotalBytes >> 20) MiB together")
                }
                return RuleSource(path: prefix + name, text: text)
            }
        }
    }

    /// Calls `body` with `directory` open and the names of its entries that end with one of `suffixes`,
    /// sorted: hidden names (a leading dot) left out, a name that is not UTF-8 or holds a control character
    /// refused (names are shown in errors and reports), at most `maxFiles` of them and ``maxEntries`` entries
    /// looked at. `kind` names a file in messages ("rule file", "template file").
    package static func withFiles<T>(
        in directory: String, endingWith suffixes: [String], maxFiles: Int, kind: String,
        _ body: (_ directory: Int32, _ names: [String]) throws(RuleFileError) -> T
    ) throws(RuleFileError) -> T {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw RuleFileError(path: directory, reason: reason(errno)) }
        guard let stream = fdopendir(fd) else {
            let error = errno
            close(fd)
            throw RuleFileError(path: directory, reason: reason(error))
        }
        defer { closedir(stream) }
        let endings = suffixes.map { Array($0.utf8) }
        var names: [String] = []
        var seen = 0
        while true {
            errno = 0  // readdir returns nil at the end and on an error alike: errno tells them apart
            guard let entry = readdir(stream) else {
                if errno != 0 { throw RuleFileError(path: directory, reason: reason(errno)) }
                break
            }
            seen += 1
            guard seen <= maxEntries else { throw RuleFileError(path: directory, reason: "more than \(maxEntries) entries") }
            let bytes = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix { $0 != 0 }) }
            guard endings.contains(where: { bytes.count > $0.count && bytes.suffix($0.count).elementsEqual($0) }),
                  bytes.first != UInt8(ascii: ".") else { continue }
            guard let name = String(validating: bytes, as: UTF8.self),
                  !name.unicodeScalars.contains(where: \.isControlCharacter) else {
                let shown = bytes.map { (0x20..<0x7F).contains($0) && $0 != UInt8(ascii: "\\") ? String(UnicodeScalar($0)) : "\\x" + String($0, radix: 16) }.joined()
                throw RuleFileError(path: directory, reason: "a \(kind) named '\(shown)': not UTF-8 or holding a control character")
            }
            names.append(name)
            guard names.count <= maxFiles else { throw RuleFileError(path: directory, reason: "more than \(maxFiles) \(kind)s") }
        }
        return try body(dirfd(stream), names.sorted())
    }

    /// Reads `name` of the directory open as `directory`: a regular file, not through a link, bounded, UTF-8.
    static func read(_ name: String, in directory: Int32, path: String) throws(RuleFileError) -> String {
        let fd = openat(directory, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else {
            let error = errno
            throw RuleFileError(path: path, reason: error == ELOOP ? "a symbolic link: not followed" : reason(error))
        }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw RuleFileError(path: path, reason: reason(errno)) }
        guard status.st_mode & S_IFMT == S_IFREG else { throw RuleFileError(path: path, reason: "not a regular file") }
        let limit = YAMLLimits.maxBytes
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw RuleFileError(path: path, reason: reason(errno))
            }
            if n == 0 { break }
            bytes += chunk[0..<n]
            guard bytes.count <= limit else {
                throw RuleFileError(path: path, reason: "larger than the limit of \(limit >> 20) MiB")
            }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw RuleFileError(path: path, reason: "not valid UTF-8") }
        return text
    }

    static func reason(_ code: Int32) -> String {
        switch code {
        case ENOENT: return "no such file or directory"
        case EACCES, EPERM: return "permission denied"
        case ENOTDIR: return "not a directory"
        default: return String(cString: strerror(code)).lowercased()
        }
    }
}

extension RuleSet {
    /// Loads and type-checks every rule file of `directory` (``RuleDirectory``) against `schema`, as
    /// ``load(_:schema:)`` does for sources already read.
    ///
    /// - Throws: ``RuleFileError`` when a file cannot be read; rule errors are in the diagnostics.
    public static func load(directory: String, schema: FactSchema) throws(RuleFileError) -> (ruleSet: RuleSet, diagnostics: [Diagnostic]) {
        load(try RuleDirectory.sources(directory), schema: schema)
    }
}

/// A rule file or directory that could not be read.
public struct RuleFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file or directory.
    public var path: String
    /// Why (`no such file or directory`, `a symbolic link: not followed`, `not valid UTF-8`).
    public var reason: String

    /// An error about `path`.
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    /// `PATH: REASON`.
    public var description: String { "\(path): \(reason)" }
}
