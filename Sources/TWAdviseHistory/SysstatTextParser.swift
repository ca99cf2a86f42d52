#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

/// Parses the text `sar` prints (`sar -A`, as `sa2` writes `sarDD` and sosreport writes
/// `sos_commands/sar/sarDD`; or `sar -n SOCK,TCP,ETCP -f FILE`).
///
/// The file opens with `Linux 6.1.0 (host) \t12/07/2026 \t_x86_64_\t(2 CPU)`; its date is written in the
/// recording locale's `%x`: `12/07/2026` or `12/07/26` (C, en_US: month first), `2026-12-07`
/// (`S_TIME_FORMAT=ISO`), `07.12.2026` (day first). A slashed date whose order cannot be told from its
/// values (both ≤ 12) is read month first unless the file's name gives the day (`sar07`) and only the day-first
/// reading agrees with it. Then sections: a header row (a time, then column names), data rows (a time, then
/// values), an `Average:` row (ignored); times are `03:12:40` or `03:12:40 AM`. A `LINUX RESTART` row marks a
/// boot. Each section starts again at the file's first time, so a time that goes back by more than 12 hours
/// *within a section* is the next day (the file crossed midnight); a smaller step back (a daylight-saving
/// change in local time) is not.
///
/// Times are local times of the host that recorded the file, and nothing in the file says its zone: they are
/// read in `timeZone`. A local time that a daylight-saving change makes ambiguous gets the earlier of its two
/// instants, one it skips the later.
package enum SysstatTextParser {
    /// The samples of `bytes`. `fileDay` is the day of month the file's name gives (`sar07` → 7), if any.
    package static func parse(_ bytes: [UInt8], timeZone: TimeZone, fileDay: Int? = nil) -> SysstatSamples {
        var samples = SysstatSamples()
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        var base: DateComponents?
        // Per section (its header's names): the last time of day seen and the days added for midnight.
        var lastSeconds: [String: Int] = [:]
        var dayOffset: [String: Int] = [:]
        var section: (key: String, names: [Substring], wanted: [(index: Int, column: SysstatColumns.Column)])?

        for (number, line) in sysstatLines(bytes).enumerated().lazy.map({ ($0 + 1, $1) }) {
            let tokens = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let first = tokens.first else {
                section = nil
                continue
            }
            if first == "Linux" || (base == nil && line.contains("(") && line.contains(")")) {
                if let header = header(line, fileDay: fileDay) {
                    base = header.date
                    samples.host = header.host
                    lastSeconds = [:]
                    dayOffset = [:]
                } else if base == nil {
                    samples.failure = "the header's date is not understood: \(String(line.prefix(120)))"
                    return samples
                }
                section = nil
                continue
            }
            guard let (seconds, tail) = time(tokens) else { continue }
            let rest = Array(tail)  // Average:, Summary, text of other tools
            guard let base else {
                samples.failure = "no `Linux ... (host) DATE` header before the first row"
                return samples
            }
            if rest.count >= 2, rest[0] == "LINUX", rest[1] == "RESTART" {
                if let key = section?.key, let date = instant(base, seconds, key, &lastSeconds, &dayOffset, calendar) {
                    samples.restarts.append(date)
                } else if let date = instant(base, seconds, "", &lastSeconds, &dayOffset, calendar) {
                    samples.restarts.append(date)
                }
                continue
            }
            guard !rest.isEmpty else { continue }
            if !rest.contains(where: { SysstatColumns.value($0) != nil }) {
                // A header row: names, none of them a number (a row of values has a number, even with a label
                // column such as IFACE, or a value that is garbage).
                let key = rest.joined(separator: " ")
                section = (key, rest, SysstatColumns.wanted(in: rest))
                _ = instant(base, seconds, key, &lastSeconds, &dayOffset, calendar)
                continue
            }
            guard let current = section else {
                samples.problem(number, "a row of values outside any section")
                continue
            }
            guard !current.wanted.isEmpty else {
                _ = instant(base, seconds, current.key, &lastSeconds, &dayOffset, calendar)
                continue
            }
            guard rest.count == current.names.count else {
                samples.problem(number, "\(rest.count) fields where the header has \(current.names.count)")
                continue
            }
            guard let date = instant(base, seconds, current.key, &lastSeconds, &dayOffset, calendar) else {
                samples.problem(number, "a time that is no date")
                continue
            }
            for (index, column) in current.wanted {
                if let value = SysstatColumns.value(rest[index]) {
                    samples.add(column.name, date, value)
                } else {
                    samples.problem(number, "`\(String(rest[index].prefix(40)))` is not a count for \(column.name)")
                }
            }
        }
        if base == nil { samples.failure = "no `Linux ... (host) DATE` header: not sar text" }
        return samples
    }

    /// The instant of `seconds` after midnight in section `key`, advancing its day when the time went back
    /// by more than 12 hours.
    private static func instant(_ base: DateComponents, _ seconds: Int, _ key: String, _ lastSeconds: inout [String: Int],
                                _ dayOffset: inout [String: Int], _ calendar: Calendar) -> Date? {
        if let last = lastSeconds[key], seconds < last - 12 * 3600 { dayOffset[key, default: 0] += 1 }
        lastSeconds[key] = seconds
        var components = base
        components.day = (base.day ?? 1) + dayOffset[key, default: 0]
        components.hour = seconds / 3600
        components.minute = seconds / 60 % 60
        components.second = seconds % 60
        return calendar.date(from: components)
    }

    /// The time of day a row opens with (`03:12:40`, `03:12:40 AM`, `15:12:40`) in seconds, and the tokens after it.
    static func time(_ tokens: [Substring]) -> (Int, ArraySlice<Substring>)? {
        let parts = tokens[0].split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ $0.count == 2 && $0.utf8.allSatisfy { $0 >= 48 && $0 <= 57 } }),
              var hour = Int(parts[0]), let minute = Int(parts[1]), let second = Int(parts[2]),
              minute < 60, second < 61 else { return nil }
        var rest = tokens[1...]
        if let marker = rest.first, marker == "AM" || marker == "PM" {
            guard hour >= 1 && hour <= 12 else { return nil }
            hour = hour % 12 + (marker == "PM" ? 12 : 0)
            rest = rest.dropFirst()
        }
        guard hour < 24 else { return nil }
        return (hour * 3600 + minute * 60 + min(second, 59), rest)
    }

    /// The date and host of a header line `Linux REL (HOST) \tDATE \t_ARCH_\t(N CPU)`.
    static func header(_ line: Substring, fileDay: Int?) -> (date: DateComponents, host: String?)? {
        var host: String?
        if let open = line.firstIndex(of: "("), let close = line[open...].firstIndex(of: ")") {
            host = String(line[line.index(after: open)..<close])
        }
        // The date is the field after the host: after the first tab, else the token after `(HOST)`.
        let fields = line.split(separator: "\t").map { String($0.split(separator: " ").joined(separator: " ")) }
        var candidate: String?
        if fields.count >= 2 {
            candidate = fields[1]
        } else {
            let tokens = line.split(separator: " ")
            if let at = tokens.firstIndex(where: { $0.hasSuffix(")") }), at + 1 < tokens.count { candidate = String(tokens[at + 1]) }
        }
        guard let candidate, let date = date(candidate, fileDay: fileDay) else { return nil }
        return (date, host)
    }

    /// `2026-12-07`, `12/07/2026`, `12/07/26`, `07/12/2026` (day first when the values or `fileDay` say so),
    /// `07.12.2026`.
    static func date(_ text: String, fileDay: Int?) -> DateComponents? {
        func numbers(_ separator: Character) -> [Int]? {
            let parts = text.split(separator: separator, omittingEmptySubsequences: false)
            guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty && $0.count <= 4 && $0.allSatisfy(\.isASCII) }) else { return nil }
            let values = parts.compactMap { Int($0) }
            return values.count == 3 ? values : nil
        }
        func year(_ value: Int, digits: Int) -> Int? {
            digits == 4 ? value : digits == 2 ? 2000 + value : nil
        }
        var y: Int?, m = 0, d = 0
        if let v = numbers("-"), text.split(separator: "-")[0].count == 4 {
            (y, m, d) = (v[0], v[1], v[2])
        } else if let v = numbers("."), let yy = year(v[2], digits: text.split(separator: ".")[2].count) {
            (y, m, d) = (yy, v[1], v[0])
        } else if let v = numbers("/"), let yy = year(v[2], digits: text.split(separator: "/")[2].count) {
            let dayFirst = v[0] > 12 || (v[1] <= 12 && fileDay != nil && v[0] == fileDay && v[1] != fileDay)
            (y, m, d) = dayFirst ? (yy, v[1], v[0]) : (yy, v[0], v[1])
        }
        guard let y, (1...12).contains(m), (1...31).contains(d) else { return nil }
        return DateComponents(year: y, month: m, day: d)
    }
}
