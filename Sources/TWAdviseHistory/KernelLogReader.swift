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

/// The bounds a ``KernelLogReader`` keeps to; each cut is reported as a ``HistoryGap``.
public struct KernelLogLimits: Sendable, Hashable {
    /// Bytes read of one file, after decompression (default 64 MiB). A larger plain file is read from its end
    /// (its latest lines); a compressed file that would decompress to more is not read.
    public var bytesPerFile: Int = 64 << 20
    /// Files read of one log (`kern.log`, `kern.log.1`, ...; default 32), the newest first.
    public var filesPerLog: Int = 32
    /// Lines of this domain handled in all (default 1,000,000); the files after are not read.
    public var matchedLines: Int = 1_000_000
    /// Times kept per kind of message (default 10,000, the latest); `count` counts them all.
    public var timesPerKind: Int = 10_000
    /// Distinct details kept per kind (default 64).
    public var detailsPerKind: Int = 64
    /// Bytes read from the live ring buffer (default 16 MiB; the kernel's is at most 32 MiB).
    public var ringBufferBytes: Int = 16 << 20
    /// Bytes read (after decompression) over every file of one reading: a small tree of hard links to one
    /// compressed file must not cost hours.
    public var totalBytes: Int = 256 << 20
    /// The default bounds.
    public init() {}
}

/// Reads the kernel messages of this domain (``KernelMessageKind``) from a host's logs: a captured tree or
/// sosreport (`var/log/kern.log*`, `syslog*`, `messages*`, `dmesg*`, `sos_commands/kernel/dmesg*`,
/// `sos_commands/logs/journalctl_*`, rotated and gzip-compressed), or the live host (the same files under `/`, and
/// the ring buffer through `/dev/kmsg`).
///
/// Every line is dated or left out: syslog's year-less times against the reference date (a month after the
/// reference month is the previous year), local times shifted by the host's UTC offset (the tree's
/// `sos_commands/systemd/timedatectl`, the live host's zone), `dmesg` times since boot from the boot time
/// (reference date − uptime; the sosreport's `uptime` has minute precision). A line that cannot be dated is
/// counted in a ``HistoryGap``, never given a made-up time. One message seen in several files (`kern.log` and
/// `syslog`, `dmesg` and `kern.log`) counts once: per kind, distinct pairs of time and text, the time being the
/// kernel's own microsecond stamp where the line has one, else the logged second.
///
/// The live journal (`journalctl -k`) is not read: `/dev/kmsg` and the files hold the same messages for the
/// current boot, and running a program is left to the caller.
public struct KernelLogReader: Sendable {
    /// Where the files are read.
    public var source: FactSource
    /// When the tree was captured (`nil`: its `sos_commands/date`, else now on the live host).
    public var referenceDate: Date?
    /// When the host booted (`nil`: reference date − uptime, when both are known).
    public var bootTime: Date?
    /// The bounds.
    public var limits = KernelLogLimits()
    /// The ring buffer's device (tests name a regular file holding records).
    package var ringBufferPath = "/dev/kmsg"
    /// Whether the live ring buffer is read (on a live root only).
    package var readsRingBuffer = true

    /// A reader of `source`'s kernel logs; `referenceDate` and `bootTime` override what the tree says.
    public init(source: FactSource, referenceDate: Date? = nil, bootTime: Date? = nil) {
        self.source = source
        self.referenceDate = referenceDate
        self.bootTime = bootTime
    }

    /// The messages logged within `window` (all of them when `nil`), one ``KernelLogEvent`` per kind, in the order
    /// of ``KernelMessageKind/allCases``; the files read, and what could not be read or dated.
    public func read(window: ClosedRange<Date>? = nil) -> History {
        var gaps: [HistoryGap] = []
        var read: [String] = []
        let dating = resolveDating(gaps: &gaps)
        var tally = Tally(limits: limits,
                          window: window.map { $0.lowerBound.timeIntervalSince1970...$0.upperBound.timeIntervalSince1970 })
        var spent = 0
        for file in logFiles(gaps: &gaps) {
            guard !tally.cut else { break }
            guard spent < limits.totalBytes else {
                gaps.append(HistoryGap(source: file.relative, reason: "the budget of \(Self.size(limits.totalBytes)) read from the kernel logs is spent: this file and those after it are not read"))
                break
            }
            guard let bytes = contents(file.relative, gaps: &gaps) else { continue }
            spent += bytes.count
            read.append(file.relative)
            tally.scan(bytes, name: file.relative, currentBoot: file.currentBoot, dating: dating, gaps: &gaps)
        }
        if source.isLiveRoot && readsRingBuffer && !tally.cut, let bytes = ringBuffer(gaps: &gaps) {
            read.append(ringBufferPath)
            tally.scan(bytes, name: ringBufferPath, currentBoot: true, dating: dating, gaps: &gaps)
        }
        if tally.cut {
            gaps.append(HistoryGap(source: "kernel log", reason: "more than \(limits.matchedLines) lines of this domain: the files after were not read"))
        }
        if tally.usedYearless && !dating.referenceKnown {
            gaps.append(HistoryGap(source: "sos_commands/date", reason: "no capture date: year-less log times dated against today"))
        }
        if tally.usedLocalTime && !dating.offsetKnown {
            gaps.append(HistoryGap(source: "sos_commands/systemd/timedatectl",
                                   reason: "host time zone unknown: local log times taken as UTC"))
        }
        let (events, cuts) = tally.events()
        return History(kernelEvents: events, notRead: gaps + cuts, read: read)
    }

    /// The live ring buffer alone (``ringBufferPath``), dated by the boot time: what `read` adds on a live root.
    package func readRingBuffer(window: ClosedRange<Date>? = nil) -> History {
        var gaps: [HistoryGap] = []
        let dating = resolveDating(gaps: &gaps)
        var tally = Tally(limits: limits,
                          window: window.map { $0.lowerBound.timeIntervalSince1970...$0.upperBound.timeIntervalSince1970 })
        guard let bytes = ringBuffer(gaps: &gaps) else { return History(notRead: gaps) }
        tally.scan(bytes, name: ringBufferPath, currentBoot: true, dating: dating, gaps: &gaps)
        let (events, cuts) = tally.events()
        return History(kernelEvents: events, notRead: gaps + cuts, read: [ringBufferPath])
    }

    // MARK: - Dating

    /// What dates the lines: the reference instant and its month, the boot time, the host's UTC offset.
    struct Dating {
        var reference: Double
        var referenceYear: Int
        var referenceMonth: Int
        var boot: Double?
        var utcOffset: Int
        var offsetKnown: Bool
        /// Whether the reference date is the capture's (else it is today, and a year-less time may be a year off).
        var referenceKnown = true

        init(reference: Double, boot: Double?, utcOffset: Int?) {
            self.reference = reference
            (referenceYear, referenceMonth) = CivilTime.yearMonth(reference + Double(utcOffset ?? 0))
            self.boot = boot
            self.utcOffset = utcOffset ?? 0
            offsetKnown = utcOffset != nil
        }

        /// Seconds since 1970 for `time`; `nil` when it cannot be known (`sinceBoot` without a boot time, or of
        /// an earlier boot).
        func seconds(_ time: KernelLogLine.Time?, currentBoot: Bool) -> Double? {
            switch time {
            case .absolute(let t): return t
            case .local(let t): return t - Double(utcOffset)
            case .yearless(let month, let day, let secondOfDay):
                let year = month > referenceMonth ? referenceYear - 1 : referenceYear
                guard let days = CivilTime.days(year: year, month: month, day: day) else { return nil }
                return Double(days * 86_400) + secondOfDay - Double(utcOffset)
            case .sinceBoot(let s): return currentBoot ? boot.map { $0 + s } : nil
            case nil: return nil
            }
        }
    }

    func resolveDating(gaps: inout [HistoryGap]) -> Dating {
        let now = Date().timeIntervalSince1970
        if source.isLiveRoot {
            let uptime = source.smallText("proc/uptime").flatMap { Double($0.split(separator: " ").first ?? "") }
            let reference = referenceDate?.timeIntervalSince1970 ?? now
            let boot = bootTime?.timeIntervalSince1970 ?? uptime.map { reference - $0 }
            return Dating(reference: reference, boot: boot, utcOffset: TimeZone.current.secondsFromGMT())
        }
        var reference = referenceDate?.timeIntervalSince1970
        if reference == nil {
            for file in ["sos_commands/date/date_--utc", "sos_commands/date/date", "date"] {
                if let text = source.smallText(file), let iso = SosHostParsers.utcDate(text),
                   case .absolute(let t)? = KernelLogLine(Substring(iso + " - -")).time {
                    reference = t
                    break
                }
            }
        }
        var boot = bootTime?.timeIntervalSince1970
        if boot == nil, let reference {
            let uptime = source.smallText("proc/uptime").flatMap { Double($0.split(separator: " ").first ?? "") }
                ?? source.smallText("sos_commands/host/uptime").flatMap(SosHostParsers.uptimeSeconds)
            boot = uptime.map { reference - $0 }
        }
        var dating = Dating(reference: reference ?? now, boot: boot,
                            utcOffset: source.smallText("sos_commands/systemd/timedatectl").flatMap(Self.timedatectlOffset))
        dating.referenceKnown = reference != nil
        return dating
    }

    /// `Time zone: Europe/Paris (CET, +0100)` in `timedatectl` output, as seconds east of UTC.
    static func timedatectlOffset(_ text: String) -> Int? {
        guard let line = text.split(separator: "\n").first(where: { $0.contains("Time zone:") }),
              let open = line.lastIndex(of: ","), let close = line.lastIndex(of: ")"), open < close else { return nil }
        let value = line[line.index(after: open)..<close].filter { $0 != " " }
        guard value.count == 5, let sign = value.first, sign == "+" || sign == "-",
              let h = Int(value.dropFirst().prefix(2)), let m = Int(value.suffix(2)), h < 24, m < 60 else { return nil }
        return (sign == "-" ? -1 : 1) * (h * 3600 + m * 60)
    }

    // MARK: - Files

    struct LogFile {
        var relative: String
        /// Whether `dmesg` times since boot in it belong to the boot the boot time is of.
        var currentBoot: Bool
    }

    /// The logs present, each log's files newest first.
    func logFiles(gaps: inout [HistoryGap]) -> [LogFile] {
        var files: [LogFile] = []
        if let names = list("var/log", gaps: &gaps) {
            for base in ["kern.log", "syslog", "messages", "dmesg"] {
                var ranked: [(name: String, rank: Int)] = []
                for name in names {
                    if let rank = Self.rotation(name, of: base) { ranked.append((name, rank)) }
                }
                let rotated: [String] = ranked.sorted { a, b in a.rank != b.rank ? a.rank < b.rank : a.name < b.name }.map(\.name)
                for (index, name) in rotated.enumerated() {
                    guard index < limits.filesPerLog else {
                        gaps.append(HistoryGap(source: "var/log/\(base)*", reason: "\(rotated.count) files: the oldest \(rotated.count - limits.filesPerLog) not read"))
                        break
                    }
                    files.append(LogFile(relative: "var/log/" + name, currentBoot: name == "dmesg"))
                }
            }
        }
        guard !source.isLiveRoot else { return files }
        if let names = list("sos_commands/kernel", gaps: &gaps) {
            for name in names where name.hasPrefix("dmesg") {
                files.append(LogFile(relative: "sos_commands/kernel/" + name, currentBoot: true))
            }
        }
        if let names = list("sos_commands/logs", gaps: &gaps) {
            let notMessages = ["disk-usage", "list-boots", "json", "verbose", "export", "_cat"]
            for name in names where name.hasPrefix("journalctl_") && !notMessages.contains(where: { name.contains($0) }) {
                files.append(LogFile(relative: "sos_commands/logs/" + name, currentBoot: false))
            }
        }
        return Array(files.prefix(limits.filesPerLog * 8))
    }

    /// The rotation rank of `name` as a file of log `base`: 0 for `base`, N for `base.N` and `base.N.gz`, a date
    /// rank for `base-YYYYMMDD[.gz]` (logrotate's `dateext`, newest first); `nil` for another file.
    static func rotation(_ name: String, of base: String) -> Int? {
        if name == base { return 0 }
        guard name.hasPrefix(base), name.count > base.count + 1 else { return nil }
        var rest = name.dropFirst(base.count)
        let separator = rest.removeFirst()
        if rest.hasSuffix(".gz") { rest = rest.dropLast(3) }
        guard !rest.isEmpty, rest.count <= 8, rest.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(rest) else { return nil }
        switch separator {
        case ".": return n
        case "-": return rest.count == 8 ? 100_000_000 - n : nil
        default: return nil
        }
    }

    func list(_ directory: String, gaps: inout [HistoryGap]) -> [String]? {
        do {
            return try source.list(directory)
        } catch {
            if error != .missing { gaps.append(HistoryGap(source: directory, reason: error.description)) }
            return nil
        }
    }

    /// The bytes of `relative`, decompressed when it is gzip, within ``KernelLogLimits/bytesPerFile``.
    func contents(_ relative: String, gaps: inout [HistoryGap]) -> [UInt8]? {
        let limit = limits.bytesPerFile
        var bytes: [UInt8]
        do {
            // A captured tree: confined to the tree, regular files only. The live host: any path, but still only a
            // regular file, opened without waiting (a FIFO named kern.log must not block the reader).
            let file = source.isLiveRoot ? try SystemFile(path: source.absolutePath(relative), requireRegular: true)
                                         : try source.open(relative)
            if let size = file.regularFileSize, size > limit {
                guard !relative.hasSuffix(".gz") else {
                    gaps.append(HistoryGap(source: relative, reason: "compressed file larger than \(Self.size(limit)); not read"))
                    return nil
                }
                bytes = []
                bytes.reserveCapacity(limit)
                try file.forEachChunk(in: (size - limit)..<size) { chunk in bytes.append(contentsOf: chunk) }
                if let newline = bytes.firstIndex(of: 0x0A) { bytes.removeSubrange(...newline) }
                gaps.append(HistoryGap(source: relative, reason: "larger than \(Self.size(limit)): only its last \(Self.size(limit)) read"))
            } else {
                bytes = try file.readAll(limit: limit)
            }
        } catch {
            gaps.append(HistoryGap(source: relative, reason: error.description))
            return nil
        }
        if relative.hasSuffix(".gz") && !Gzip.looksCompressed(bytes) && !bytes.isEmpty {
            gaps.append(HistoryGap(source: relative, reason: GzipError.notGzip.description))
            return nil
        }
        if Gzip.looksCompressed(bytes) {
            do {
                bytes = try Gzip.decompress(bytes, limit: limit)
            } catch {
                gaps.append(HistoryGap(source: relative, reason: error.description))
                return nil
            }
        }
        return bytes
    }

    /// `64 MiB`, or `1000 bytes` for a bound below a mebibyte.
    static func size(_ bytes: Int) -> String {
        bytes >= 1 << 20 && bytes % (1 << 20) == 0 ? "\(bytes >> 20) MiB" : "\(bytes) bytes"
    }

    // MARK: - The live ring buffer

    /// The records of `/dev/kmsg`, one per line: opened without blocking, read until `EAGAIN` (each `read` returns
    /// one record; `EPIPE` says records were overwritten since the last read, and reading goes on).
    func ringBuffer(gaps: inout [HistoryGap]) -> [UInt8]? {
        let fd = open(ringBufferPath, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            let reason = code == EACCES || code == EPERM
                ? "permission denied (with kernel.dmesg_restrict = 1, reading it needs CAP_SYSLOG)"
                : String(cString: strerror(code))
            gaps.append(HistoryGap(source: ringBufferPath, reason: reason))
            return nil
        }
        defer { close(fd) }
        var records: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 << 10)
        var overwritten = 0
        var reads = 0
        while records.count < limits.ringBufferBytes && reads < 4_000_000 {
            reads += 1
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                records.append(contentsOf: buffer[0..<n])
                if buffer[n - 1] != 0x0A { records.append(0x0A) }
                continue
            }
            if n == 0 { break }
            let code = errno
            if code == EINTR { continue }
            if code == EPIPE {
                overwritten += 1
                continue
            }
            if code != EAGAIN {
                gaps.append(HistoryGap(source: ringBufferPath, reason: "read failed: \(String(cString: strerror(code)))"))
            }
            break
        }
        if records.count >= limits.ringBufferBytes {
            gaps.append(HistoryGap(source: ringBufferPath, reason: "more than \(limits.ringBufferBytes >> 20) MiB of records: the rest not read"))
        }
        if overwritten > 0 {
            gaps.append(HistoryGap(source: ringBufferPath, reason: "records overwritten while reading (\(overwritten) times)"))
        }
        return records
    }
}

extension FactSource {
    /// A small file of the tree as text; `nil` when it cannot be read.
    func smallText(_ relative: String) -> String? {
        guard let bytes = try? bytes(relative) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// `memmem(3)` from the C library (a GNU extension the Glibc module does not declare).
private let memmemFunction: (@convention(c) (UnsafeRawPointer?, Int, UnsafeRawPointer?, Int) -> UnsafeMutableRawPointer?)? = {
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "memmem") else { return nil }
    return unsafeBitCast(symbol, to: (@convention(c) (UnsafeRawPointer?, Int, UnsafeRawPointer?, Int) -> UnsafeMutableRawPointer?).self)
}()

/// The offset of `needle` in `haystack` at or after `from`.
func find(_ needle: UnsafeRawBufferPointer, in haystack: UnsafeRawBufferPointer, from: Int) -> Int? {
    guard from < haystack.count, needle.count > 0, haystack.count - from >= needle.count,
          let base = haystack.baseAddress, let n = needle.baseAddress else { return nil }
    if let memmemFunction {
        guard let hit = memmemFunction(base + from, haystack.count - from, n, needle.count) else { return nil }
        return UnsafeRawPointer(hit) - base
    }
    let first = needle[0]
    var i = from
    while i <= haystack.count - needle.count {
        guard let hit = memchr(base + i, Int32(first), haystack.count - needle.count + 1 - i) else { return nil }
        i = UnsafeRawPointer(hit) - base
        if memcmp(base + i, n, needle.count) == 0 { return i }
        i += 1
    }
    return nil
}

/// The messages counted so far, per kind, and the keys of the lines already counted.
struct Tally {
    struct Kind {
        var count = 0
        var suppressed = 0
        var first = Double.infinity
        var last = -Double.infinity
        var times: [Double] = []
        var details: [String] = []
        var example: String?
        var sources: [String] = []
    }

    let limits: KernelLogLimits
    let window: ClosedRange<Double>?
    var kinds: [KernelMessageKind: Kind] = [:]
    var seen: Set<UInt64> = []
    var matched = 0
    var cut = false
    var usedLocalTime = false
    var usedYearless = false

    init(limits: KernelLogLimits, window: ClosedRange<Double>?) {
        self.limits = limits
        self.window = window
    }

    static let anchors: [[UInt8]] = KernelLogCatalogue.anchors.map { Array($0.utf8) }

    /// The offsets of the lines of `bytes` that hold an anchor, in file order.
    static func candidateLines(_ raw: UnsafeRawBufferPointer) -> [Int] {
        var starts: [Int] = []
        for anchor in anchors {
            anchor.withUnsafeBytes { needle in
                var from = 0
                while let hit = find(needle, in: raw, from: from) {
                    var start = hit
                    while start > 0 && raw[start - 1] != 0x0A { start -= 1 }
                    starts.append(start)
                    guard let base = raw.baseAddress, let end = memchr(base + hit, 0x0A, raw.count - hit) else { break }
                    from = UnsafeRawPointer(end) - base + 1
                }
            }
        }
        starts.sort()
        var unique: [Int] = []
        unique.reserveCapacity(starts.count)
        for s in starts where unique.last != s { unique.append(s) }
        return unique
    }

    mutating func scan(_ bytes: [UInt8], name: String, currentBoot: Bool, dating: KernelLogReader.Dating,
                       gaps: inout [HistoryGap]) {
        var undated: [KernelMessageKind: Int] = [:]
        var lastKind: KernelMessageKind?
        var pending = 0
        bytes.withUnsafeBytes { raw in
            for start in Self.candidateLines(raw) {
                guard matched < limits.matchedLines else {
                    cut = true
                    return
                }
                matched += 1
                let end = raw.baseAddress.flatMap { memchr($0 + start, 0x0A, raw.count - start) }
                    .map { UnsafeRawPointer($0) - raw.baseAddress! } ?? raw.count
                var lineBytes = UnsafeRawBufferPointer(rebasing: raw[start..<min(end, start + 4096)])
                if lineBytes.last == 0x0D { lineBytes = UnsafeRawBufferPointer(rebasing: lineBytes.dropLast()) }
                let text = String(decoding: lineBytes, as: UTF8.self)
                let line = KernelLogLine(Substring(text))
                guard line.isKernel, let match = KernelLogCatalogue.classify(line.text) else { continue }
                guard let time = dating.seconds(line.time, currentBoot: currentBoot) else {
                    if case .message(let kind, _) = match { undated[kind, default: 0] += 1 }
                    continue
                }
                if case .yearless? = line.time {
                    usedLocalTime = true
                    usedYearless = true
                }
                if case .local? = line.time { usedLocalTime = true }
                if let window, !window.contains(time) { continue }
                let key = Self.key(match, line: line, time: time)
                let isNew = seen.insert(key).inserted
                switch match {
                case .suppressed(let n):
                    guard isNew else { continue }
                    if let lastKind { kinds[lastKind, default: Kind()].suppressed += n } else { pending += n }
                case .message(let kind, let detail):
                    lastKind = kind
                    if pending > 0 {
                        kinds[kind, default: Kind()].suppressed += pending
                        pending = 0
                    }
                    guard isNew else { continue }
                    count(kind, at: time, detail: detail, line: text, source: name)
                }
            }
        }
        if !undated.isEmpty {
            let what = undated.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.value) \($0.key.rawValue)" }
                .joined(separator: ", ")
            let why = currentBoot ? "no boot time to date dmesg" : "dmesg of an earlier boot, no boot time to date it"
            gaps.append(HistoryGap(source: name, reason: "\(what) not dated: \(why)"))
        }
    }

    mutating func count(_ kind: KernelMessageKind, at time: Double, detail: String?, line: String, source: String) {
        var k = kinds[kind, default: Kind()]
        k.count += 1
        k.first = min(k.first, time)
        k.last = max(k.last, time)
        k.times.append(time)
        if let detail, k.details.count < limits.detailsPerKind, !k.details.contains(detail) { k.details.append(detail) }
        if k.example == nil { k.example = String(line.prefix(512)) }
        if k.sources.last != source, !k.sources.contains(source) { k.sources.append(source) }
        kinds[kind] = k
    }

    /// FNV-1a over the kind, the time (the kernel's microsecond stamp where there is one, else the second) and
    /// the text: one message logged in two files has one key.
    static func key(_ match: KernelLogCatalogue.Match, line: KernelLogLine, time: Double) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        func mix(_ byte: UInt8) {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        func mix(_ value: Int64) {
            for shift in stride(from: 0, to: 64, by: 8) { mix(UInt8(truncatingIfNeeded: value >> Int64(shift))) }
        }
        switch match {
        case .message(let kind, _): for b in kind.rawValue.utf8 { mix(b) }
        case .suppressed: mix(UInt8(ascii: "#"))
        }
        if let stamp = line.monotonicMicroseconds {
            mix(UInt8(ascii: "m"))
            mix(stamp)
        } else {
            mix(UInt8(ascii: "s"))
            mix(Int64(time.rounded(.down)))
        }
        for b in line.text.utf8 { mix(b) }
        return hash
    }

    /// One event per kind, and the gaps of the times not kept.
    func events() -> ([KernelLogEvent], [HistoryGap]) {
        var events: [KernelLogEvent] = []
        var gaps: [HistoryGap] = []
        for kind in KernelMessageKind.allCases {
            guard let k = kinds[kind], k.count > 0 else { continue }
            var times = k.times.sorted()
            if times.count > limits.timesPerKind {
                gaps.append(HistoryGap(source: "kernel log", reason: "\(kind.rawValue): \(times.count) lines, the times of the latest \(limits.timesPerKind) kept"))
                times = Array(times.suffix(limits.timesPerKind))
            }
            events.append(KernelLogEvent(
                kind: kind, first: Date(timeIntervalSince1970: k.first), last: Date(timeIntervalSince1970: k.last),
                count: k.count, suppressed: k.suppressed, times: times.map { Date(timeIntervalSince1970: $0) },
                details: k.details, example: k.example ?? "", source: k.sources.joined(separator: ", ")))
        }
        return (events, gaps)
    }
}
