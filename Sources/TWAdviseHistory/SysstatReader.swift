#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
public import TWAdviseFacts
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Reads the sysstat files a host kept: the `sar -n SOCK,TCP,ETCP` quantities (TIME_WAIT sockets, sockets in
/// use, opens, resets, retransmissions) of every day file, as ``HistorySeries``.
///
/// Files are looked for in `var/log/sysstat/` (Debian, Ubuntu), `var/log/sa/` (RHEL, SUSE) and
/// `sos_commands/sar/` (a sosreport's conversions), under the source's root (`/` for the live host):
///
/// - binary `saDD` or `saYYYYMMDD` (made by `sadc`), read through `sadf -d` of the installed sysstat, which
///   reads format 0x2175 (sysstat 11.7.1 and later; 12.6.1 measured here). A file `sadf` refuses (an older
///   format: 0x2171 of sysstat 9.1.6–10.2.x, 0x2173 of 10.3.1–11.6.x) is a ``HistoryGap`` naming its format and
///   the line sadf gave; without `sadf`, every binary file is a gap that says to install sysstat;
/// - text `sarDD` (`sar -A` as `sa2` or sosreport wrote it), read directly (``timeZone``), but only for a day
///   whose binary file was not read: both hold the same samples;
/// - `saDD.xml` (sosreport's `sadf -x`) is a gap; gzip'd text files are read, other compressed files are gaps
///   that say how to decompress them.
///
/// `sadf` is given the file as `/proc/PID/fd/N` of a descriptor this process opened: the file is opened once,
/// confined to the tree as ``FactSource`` opens files (no link out of it, never a FIFO or a device, `O_NONBLOCK`),
/// checked on that descriptor to be a regular file, and then named through it, so that a file swapped between
/// the check and sadf's own open cannot redirect sadf. (`/proc/self/fd/N` would name sadf's own table, which
/// does not inherit the descriptor.)
public struct SysstatReader: Sendable {
    /// The tree or live host read.
    public var source: FactSource
    /// The zone of the local times in text files (`sar` prints the recording host's local time and never says
    /// which): the tree's own when `nil` and the tree tells (``recordedTimeZone(in:)``), the host's zone on the
    /// live root, UTC otherwise. Binary files carry UTC and need none.
    public var timeZone: TimeZone?
    /// The `sadf` executable, `nil` when there is none: binary files are then gaps.
    public var sadf: String?
    /// Files read per directory at most.
    public var maxFilesPerDirectory = 400
    /// Bytes read of a text file at most.
    public var textLimit = 64 << 20
    /// Text bytes read (after decompression) over every file of one reading, and binary files given to sadf:
    /// a small tree of hard links to one large file must not cost hours.
    public var totalTextBytes = 256 << 20
    /// Binary files read through sadf at most in one reading (two months of daily files).
    public var maxBinaryFiles = 62

    /// The directories looked in, relative to the root.
    public static let directories = ["var/log/sysstat", "var/log/sa", "sos_commands/sar"]

    /// A reader of `source`'s sysstat files.
    ///
    /// - Parameters:
    ///   - source: the tree, sosreport or live host (`FactSource(root: "/")`).
    ///   - timeZone: the zone of text files' local times; see ``timeZone``.
    ///   - sadf: the `sadf` to run; the first on `PATH` by default.
    public init(source: FactSource, timeZone: TimeZone? = nil, sadf: String? = SysstatReader.installedSadf) {
        self.source = source
        self.timeZone = timeZone
        self.sadf = sadf
    }

    /// The first `sadf` on `PATH` (or in `/usr/bin`), `nil` when sysstat is not installed.
    public static var installedSadf: String? { SadfRunner.find() }

    /// The series of every sysstat file found, with their points inside `window` (all when `nil`); files not
    /// read are in ``History/notRead``, files read in ``History/read``. Never throws: what cannot be read is a gap.
    public func read(window: ClosedRange<Date>? = nil) -> History {
        var history = History()
        let found = files()
        history.notRead += found.gaps
        let zone = timeZone ?? Self.recordedTimeZone(in: source) ?? (source.isLiveRoot ? TimeZone.current : TimeZone.gmt)
        var daysRead: [String: String] = [:]
        var sadfVersion: String??
        var binaries = 0
        for file in found.files where file.kind == .binary {
            binaries += 1
            guard binaries <= maxBinaryFiles else {
                history.notRead.append(HistoryGap(source: file.path, reason: "more than \(maxBinaryFiles) binary sysstat files: this one and those after it are not read"))
                break
            }
            switch readBinary(file.path) {
            case .success(let samples):
                history.read.append(file.path)
                history.series += samples.series(source: file.path, window: window)
                if samples.problemCount > 0 {
                    history.notRead.append(HistoryGap(source: file.path, reason: "\(samples.problemCount) lines of sadf's output not understood (\(samples.problems[0]))"))
                }
                if let day = file.day { daysRead[day] = file.path }
            case .failure(let failure):
                let gap = failure.gap
                if gap.reason.hasPrefix("sadf refused") {
                    if sadfVersion == nil { sadfVersion = .some(sadf.flatMap { SadfRunner(path: $0).version() }) }
                    let version = (sadfVersion ?? nil).map { " \($0)" } ?? ""
                    history.notRead.append(HistoryGap(source: gap.source, reason: gap.reason.replacing("sadf refused", with: "sadf\(version) refused")))
                } else {
                    history.notRead.append(gap)
                }
            }
        }
        var spent = 0
        for file in found.files where file.kind == .text || file.kind == .compressed {
            if let day = file.day, let binary = daysRead[day] {
                history.notRead.append(HistoryGap(source: file.path, reason: "same day as \(binary), read instead"))
                continue
            }
            guard spent < totalTextBytes else {
                history.notRead.append(HistoryGap(source: file.path, reason: "the budget of \(totalTextBytes >> 20) MiB of sar text is spent: this file and those after it are not read"))
                continue
            }
            let samples: SysstatSamples
            do {
                let opened = try open(file.path)
                var bytes = try opened.readAll(limit: textLimit)
                if file.kind == .compressed {
                    // A gzip'd `sar` text file is read through the kernel log's decoder; a compressed binary file
                    // would need sadf on a decompressed copy, and xz/bzip2 need a decoder this build lacks.
                    guard bytes.starts(with: [0x1F, 0x8B]) else {
                        history.notRead.append(HistoryGap(source: file.path, reason: "xz or bzip2 compressed; decompress it (xz -dk) to read it"))
                        continue
                    }
                    do {
                        bytes = try Gzip.decompress(bytes, limit: textLimit)
                    } catch {
                        history.notRead.append(HistoryGap(source: file.path, reason: "gzip: \(error)"))
                        continue
                    }
                    if SysstatBinaryHeader(Array(bytes.prefix(64))) != nil {
                        history.notRead.append(HistoryGap(source: file.path, reason: "gzip-compressed binary sysstat file; decompress it (gunzip -k) for sadf to read it"))
                        continue
                    }
                }
                spent += bytes.count
                samples = SysstatTextParser.parse(bytes, timeZone: zone, fileDay: file.day.flatMap { Int($0.suffix(2)) })
            } catch {
                history.notRead.append(HistoryGap(source: file.path, reason: error.description))
                continue
            }
            if let failure = samples.failure {
                history.notRead.append(HistoryGap(source: file.path, reason: failure))
                continue
            }
            history.read.append(file.path)
            history.series += samples.series(source: file.path, window: window)
            if samples.problemCount > 0 {
                history.notRead.append(HistoryGap(source: file.path, reason: "\(samples.problemCount) lines not understood (\(samples.problems[0]))"))
            }
        }
        return history
    }

    /// One sysstat file found.
    public struct File: Sendable, Hashable {
        /// What a file holds, from its first bytes.
        public enum Kind: String, Sendable, Hashable {
            /// Binary `sadc` output.
            case binary
            /// `sar` text.
            case text
            /// `sadf -x` XML.
            case xml
            /// gzip, xz or bzip2.
            case compressed
        }
        /// The path, relative to the root.
        public var path: String
        /// What it holds.
        public var kind: Kind
        /// For a binary file: its format (`format 0x2175 (sysstat 12.6.1)`).
        public var format: String?
        /// The day its name gives (`07` of `sa07`, `20261207` of `sa20261207`).
        public var day: String?
    }

    /// The sysstat files under the root, by directory then name, and the files that could not be opened
    /// or told apart. Reads only the first bytes of each.
    public func files() -> (files: [File], gaps: [HistoryGap]) {
        var files: [File] = []
        var gaps: [HistoryGap] = []
        for directory in Self.directories {
            guard let names = try? source.list(directory) else { continue }
            let candidates = names.filter { Self.day(ofName: $0) != nil }
            if candidates.count > maxFilesPerDirectory {
                gaps.append(HistoryGap(source: directory, reason: "\(candidates.count) sysstat files; the first \(maxFilesPerDirectory) read"))
            }
            for name in candidates.prefix(maxFilesPerDirectory) {
                let path = directory + "/" + name
                do {
                    let fd = try openDescriptor(path)
                    defer { close(fd) }
                    files.append(Self.classify(path: path, name: name, head: Self.head(fd)))
                } catch {
                    gaps.append(HistoryGap(source: path, reason: error.description))
                }
            }
        }
        var kept: [File] = []
        for file in files {
            switch file.kind {
            case .binary, .text: kept.append(file)
            case .xml: gaps.append(HistoryGap(source: file.path, reason: "XML from sadf -x; not read (the binary and text files are)"))
            case .compressed: kept.append(file)
            }
        }
        return (kept, gaps)
    }

    /// The kind of a file from its first bytes.
    static func classify(path: String, name: String, head: [UInt8]) -> File {
        let day = day(ofName: name)
        if let header = SysstatBinaryHeader(head) { return File(path: path, kind: .binary, format: header.description, day: day) }
        if head.starts(with: [0x1F, 0x8B]) || head.starts(with: [0xFD, 0x37, 0x7A, 0x58, 0x5A]) || head.starts(with: Array("BZh".utf8)) {
            return File(path: path, kind: .compressed, day: day)
        }
        if head.drop(while: { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }).starts(with: Array("<".utf8)) {
            return File(path: path, kind: .xml, day: day)
        }
        return File(path: path, kind: .text, day: day)
    }

    /// The day a sysstat file's name gives: `sa07`, `sar07`, `sa20261207` (`sadc -D`), with `.gz`, `.xz`,
    /// `.bz2` or `.xml` after; `nil` for any other name.
    static func day(ofName name: String) -> String? {
        var stem = Substring(name)
        for suffix in [".gz", ".xz", ".bz2", ".xml"] where stem.hasSuffix(suffix) { stem = stem.dropLast(suffix.count) }
        if stem.hasPrefix("sar") { stem = stem.dropFirst(3) } else if stem.hasPrefix("sa") { stem = stem.dropFirst(2) } else { return nil }
        guard stem.count == 2 || stem.count == 8, stem.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return String(stem)
    }

    /// Opens `relative` as ``FactSource/open(_:)`` does, keeping the descriptor: in a tree without leaving it,
    /// on the live host as named; without waiting (`O_NONBLOCK`), and only a regular file.
    func openDescriptor(_ relative: String) throws(FileReadError) -> Int32 {
        let flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK
        let fd: Int32
        if source.isLiveRoot {
            fd = Glibc.open(source.absolutePath(relative), flags)
            guard fd >= 0 else { throw Self.error(errno) }
        } else {
            fd = try ConfinedOpen.open(source.absolutePath(source.following(relative)), within: source.root, flags: flags)
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            close(fd)
            throw Self.error(code)
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw (info.st_mode & S_IFMT) == S_IFDIR ? FileReadError.isDirectory : FileReadError.notRegular
        }
        return fd
    }

    /// The error of `code` in FactSource's words.
    static func error(_ code: Int32) -> FileReadError {
        switch code {
        case ENOENT, ENOTDIR: .missing
        case EACCES, EPERM: .permissionDenied
        case EISDIR: .isDirectory
        case ELOOP: .symlinkLoop
        default: .system(errno: code)
        }
    }

    /// The first 16 bytes of the open file (fewer when it is shorter, none when it cannot be read).
    static func head(_ fd: Int32) -> [UInt8] {
        var head = [UInt8](repeating: 0, count: 16)
        let count = head.withUnsafeMutableBytes { Glibc.pread(fd, $0.baseAddress, $0.count, 0) }
        return Array(head.prefix(max(0, count)))
    }

    /// `relative` opened (``openDescriptor(_:)``) as a file to read.
    func open(_ relative: String) throws(FileReadError) -> SystemFile {
        try SystemFile(descriptor: openDescriptor(relative), requireRegular: true)
    }

    /// A binary file's samples through `sadf -d`, or the gap that says why not.
    func readBinary(_ relative: String) -> Result<SysstatSamples, SysstatGap> {
        let fd: Int32
        do {
            fd = try openDescriptor(relative)
        } catch {
            return .failure(SysstatGap(source: relative, reason: error.description))
        }
        defer { close(fd) }
        guard let header = SysstatBinaryHeader(Self.head(fd)) else {
            return .failure(SysstatGap(source: relative, reason: "no longer a sysstat binary file"))
        }
        guard let sadf else {
            return .failure(SysstatGap(source: relative, reason: "binary sysstat file, \(header); install sysstat to read it"))
        }
        let named = "/proc/\(getpid())/fd/\(fd)"
        switch SadfRunner(path: sadf).csv(of: named) {
        case .failure(let failure):
            return .failure(SysstatGap(source: relative, reason: failure.description))
        case .success(let outcome):
            if let stopped = outcome.stopped { return .failure(SysstatGap(source: relative, reason: stopped)) }
            guard outcome.status == 0 else {
                let said = (outcome.message ?? "exit status \(outcome.status)").replacing(named, with: relative)
                return .failure(SysstatGap(source: relative, reason: "sadf refused it (\(header)): \(said)"))
            }
            return .success(SysstatCSVParser.parse(outcome.output))
        }
    }
}

/// A file not read, as an error.
struct SysstatGap: Error {
    var gap: HistoryGap
    init(source: String, reason: String) { gap = HistoryGap(source: source, reason: reason) }
}
