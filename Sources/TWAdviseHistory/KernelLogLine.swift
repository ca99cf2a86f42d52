/// One line of a kernel log in any of the forms a host or a sosreport keeps, split into its time and text.
///
/// Forms, each recognised by how the line starts:
/// - syslog (rsyslog's default, `journalctl` short and short-precise): `Dec  7 03:12:40 host kernel: [12345.678901] TEXT`,
///   `Dec  7 03:12:40.123456 host kernel: TEXT` — local time, no year;
/// - RFC 3339 (rsyslog's high-precision format, `journalctl -o short-iso`, `short-iso-precise`):
///   `2026-12-07T03:12:40.123456+00:00 host kernel: TEXT`, `2026-12-07T03:12:40+0000 host kernel: TEXT`;
/// - `dmesg`: `[ 12345.678901] TEXT` (seconds since boot; `var/log/dmesg` adds `kernel: `; `CONFIG_PRINTK_CALLER`
///   adds `[    T123]`);
/// - `dmesg -T`: `[Mon Dec  7 03:12:40 2026] TEXT` — local time;
/// - `/dev/kmsg`: `6,1234,12345678,-;TEXT` (microseconds since boot; facility 0 is the kernel's).
///
/// Lines with a host and a tag count only when the tag is `kernel` (syslog and the journal hold every program's
/// messages, any of which may quote a kernel message).
package struct KernelLogLine: Sendable, Hashable {
    /// When the line was logged, as far as the line itself says.
    package enum Time: Sendable, Hashable {
        /// Seconds since 1970 (UTC).
        case absolute(Double)
        /// Local wall-clock time, to be shifted by the host's UTC offset: seconds since 1970 as if it were UTC.
        case local(Double)
        /// Syslog's local time without a year.
        case yearless(month: Int, day: Int, secondOfDay: Double)
        /// Seconds since boot.
        case sinceBoot(Double)
    }

    /// The time, `nil` when the line has none.
    package var time: Time?
    /// The kernel's own timestamp in microseconds since boot (`[12345.678901]`, a `/dev/kmsg` record), which tells
    /// one message logged in two files from two messages with the same text.
    package var monotonicMicroseconds: Int64?
    /// What the kernel printed.
    package var text: Substring
    /// Whether the line is the kernel's: `kernel:` tag, a `dmesg` line, a `/dev/kmsg` record of facility 0.
    package var isKernel: Bool

    static let months: [Substring] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Splits `line` (one line, without its newline).
    package init(_ line: Substring) {
        time = nil
        monotonicMicroseconds = nil
        text = line
        isKernel = false
        guard let first = line.utf8.first else { return }
        if first == UInt8(ascii: "[") {
            parseDmesg(line)
        } else if first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9") {
            if !parseISO(line) { parseKmsg(line) }
        } else {
            parseSyslog(line)
        }
    }

    /// `[ 12345.678901] TEXT`, `[Mon Dec  7 03:12:40 2026] TEXT`.
    private mutating func parseDmesg(_ line: Substring) {
        guard let close = line.firstIndex(of: "]") else { return }
        let inside = line[line.index(after: line.startIndex)..<close]
        var rest = line[line.index(after: close)...]
        if let seconds = Self.stamp(inside) {
            time = .sinceBoot(Double(seconds) / 1_000_000)
            monotonicMicroseconds = seconds
        } else if let local = Self.ctime(inside) {
            time = .local(local)
        } else {
            return
        }
        rest = Self.droppingCaller(rest)
        while rest.first == " " { rest = rest.dropFirst() }
        if rest.hasPrefix("kernel: ") { rest = rest.dropFirst(8) }
        text = rest
        isKernel = true
    }

    /// `6,1234,12345678,-;TEXT` (the record's first line).
    private mutating func parseKmsg(_ line: Substring) {
        guard let semicolon = line.firstIndex(of: ";") else { return }
        let fields = line[..<semicolon].split(separator: ",", omittingEmptySubsequences: false)
        guard fields.count >= 3, fields[0].count <= 4, let priority = Int(fields[0]), fields[2].count <= 18,
              let usec = Int64(fields[2]), usec >= 0 else { return }
        time = .sinceBoot(Double(usec) / 1_000_000)
        monotonicMicroseconds = usec
        text = line[line.index(after: semicolon)...]
        isKernel = priority >> 3 == 0
    }

    /// `2026-12-07T03:12:40.123456+00:00 host kernel: TEXT`.
    private mutating func parseISO(_ line: Substring) -> Bool {
        let utf8 = Array(line.utf8.prefix(40))
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= utf8.count else { return nil }
            var n = 0
            for i in from..<(from + count) {
                guard utf8[i] >= 48 && utf8[i] <= 57 else { return nil }
                n = n * 10 + Int(utf8[i] - 48)
            }
            return n
        }
        guard utf8.count >= 20, let year = number(0, 4), utf8[4] == 45, let month = number(5, 2), utf8[7] == 45,
              let day = number(8, 2), utf8[10] == UInt8(ascii: "T"), let hour = number(11, 2), utf8[13] == 58,
              let minute = number(14, 2), utf8[16] == 58, let second = number(17, 2),
              let days = CivilTime.days(year: year, month: month, day: day), hour < 24, minute < 60, second <= 60 else {
            return false
        }
        var i = 19
        var fraction = 0.0
        if i < utf8.count, utf8[i] == UInt8(ascii: ".") {
            i += 1
            var scale = 0.1
            while i < utf8.count, utf8[i] >= 48, utf8[i] <= 57 {
                fraction += Double(utf8[i] - 48) * scale
                scale /= 10
                i += 1
            }
        }
        var offset = 0
        guard i < utf8.count else { return false }
        if utf8[i] == UInt8(ascii: "Z") {
            i += 1
        } else if utf8[i] == UInt8(ascii: "+") || utf8[i] == UInt8(ascii: "-") {
            let sign = utf8[i] == UInt8(ascii: "-") ? -1 : 1
            guard let h = number(i + 1, 2) else { return false }
            var j = i + 3
            if j < utf8.count, utf8[j] == 58 { j += 1 }
            guard let m = number(j, 2), h < 24, m < 60 else { return false }
            offset = sign * (h * 3600 + m * 60)
            i = j + 2
        } else {
            return false
        }
        let utc = Double(days * 86_400 + hour * 3600 + minute * 60 + second - offset) + fraction
        time = .absolute(utc)
        parseHostAndTag(line[line.utf8.index(line.startIndex, offsetBy: i)...])
        return true
    }

    /// `Dec  7 03:12:40[.123456] host kernel: TEXT`.
    private mutating func parseSyslog(_ line: Substring) {
        let utf8 = Array(line.utf8.prefix(32))
        guard utf8.count >= 16, let month = Self.months.firstIndex(where: { $0.utf8.elementsEqual(utf8[0..<3]) }),
              utf8[3] == 32 else { return }
        func digit(_ i: Int) -> Int? { utf8[i] >= 48 && utf8[i] <= 57 ? Int(utf8[i] - 48) : nil }
        let day: Int
        if utf8[4] == 32, let d = digit(5) {
            day = d
        } else if let tens = digit(4), let units = digit(5) {
            day = tens * 10 + units
        } else {
            return
        }
        guard (1...31).contains(day), utf8[6] == 32, let h1 = digit(7), let h2 = digit(8), utf8[9] == 58,
              let m1 = digit(10), let m2 = digit(11), utf8[12] == 58, let s1 = digit(13), let s2 = digit(14) else { return }
        let hour = h1 * 10 + h2, minute = m1 * 10 + m2, second = s1 * 10 + s2
        guard hour < 24, minute < 60, second <= 60 else { return }
        var i = 15
        var fraction = 0.0
        if utf8[i] == UInt8(ascii: ".") {
            i += 1
            var scale = 0.1
            while i < utf8.count, let d = digit(i) {
                fraction += Double(d) * scale
                scale /= 10
                i += 1
            }
        }
        time = .yearless(month: month + 1, day: day, secondOfDay: Double(hour * 3600 + minute * 60 + second) + fraction)
        parseHostAndTag(line[line.utf8.index(line.startIndex, offsetBy: i)...])
    }

    /// ` host kernel: [12345.678901] TEXT` after a syslog or RFC 3339 time.
    private mutating func parseHostAndTag(_ rest: Substring) {
        var rest = rest
        guard rest.first == " " else { return }
        rest = rest.dropFirst()
        guard let space = rest.firstIndex(of: " ") else { return }
        rest = rest[rest.index(after: space)...]
        guard rest.hasPrefix("kernel: ") else {
            text = rest
            return
        }
        rest = rest.dropFirst(8)
        isKernel = true
        if rest.first == "[", let close = rest.firstIndex(of: "]"),
           let usec = Self.stamp(rest[rest.index(after: rest.startIndex)..<close]) {
            monotonicMicroseconds = usec
            rest = Self.droppingCaller(rest[rest.index(after: close)...])
            while rest.first == " " { rest = rest.dropFirst() }
        }
        text = rest
    }

    /// `[    T123]` or `[    C1]` right after the time (`CONFIG_PRINTK_CALLER`), dropped.
    private static func droppingCaller(_ rest: Substring) -> Substring {
        guard rest.first == "[", let close = rest.firstIndex(of: "]") else { return rest }
        let inside = rest[rest.index(after: rest.startIndex)..<close].drop { $0 == " " }
        guard let kind = inside.first, kind == "T" || kind == "C", inside.count >= 2, inside.count <= 12,
              inside.dropFirst().allSatisfy({ $0.isASCII && $0.isNumber }) else { return rest }
        return rest[rest.index(after: close)...]
    }

    /// ` 12345.678901` as microseconds.
    static func stamp(_ inside: Substring) -> Int64? {
        let trimmed = inside.drop { $0 == " " }
        guard let dot = trimmed.firstIndex(of: "."), trimmed[..<dot].count <= 12, !trimmed[..<dot].isEmpty,
              let whole = Int64(trimmed[..<dot]) else { return nil }
        let fraction = trimmed[trimmed.index(after: dot)...]
        guard fraction.count == 6, let micro = Int64(fraction), micro >= 0 else { return nil }
        return whole * 1_000_000 + micro
    }

    /// `Mon Dec  7 03:12:40 2026` as seconds since 1970 as if UTC.
    static func ctime(_ inside: Substring) -> Double? {
        let words = inside.split(separator: " ")
        guard words.count == 5, words[0].count == 3, let month = months.firstIndex(of: words[1]),
              let day = Int(words[2]), let year = Int(words[4]), words[4].count == 4 else { return nil }
        let clock = words[3].split(separator: ":", omittingEmptySubsequences: false)
        guard clock.count == 3, clock.allSatisfy({ $0.count == 2 }), let h = Int(clock[0]), let m = Int(clock[1]),
              let s = Int(clock[2]), (0..<24).contains(h), (0..<60).contains(m), (0...60).contains(s),
              let days = CivilTime.days(year: year, month: month + 1, day: day) else { return nil }
        return Double(days * 86_400 + h * 3600 + m * 60 + s)
    }
}

/// Calendar arithmetic on the proleptic Gregorian calendar, without Foundation's `Calendar`.
package enum CivilTime {
    /// Days from 1970-01-01 to `year-month-day`; `nil` for a day the month does not have.
    package static func days(year: Int, month: Int, day: Int) -> Int? {
        guard (1...12).contains(month), (1...9999).contains(year), day >= 1 else { return nil }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard day <= lengths[month - 1] else { return nil }
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = y / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The year and month (1-12) of `seconds` since 1970, UTC.
    package static func yearMonth(_ seconds: Double) -> (year: Int, month: Int) {
        let z = Int((seconds / 86_400).rounded(.down)) + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month)
    }
}
