#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Parses what `sadf -d` prints: per activity a header `# hostname;interval;timestamp;COLUMN;...`, then rows
/// `host;1;2026-12-07 03:10:58 UTC;0;...`, their timestamp in UTC (the reader never passes `-t`, which would
/// print local times); a boot is a row `host;-1;TIMESTAMP;LINUX-RESTART\t(2 CPU)`. Columns are found by the
/// header's names.
package enum SysstatCSVParser {
    /// The samples of `bytes`.
    package static func parse(_ bytes: [UInt8]) -> SysstatSamples {
        var samples = SysstatSamples()
        var header: (names: [Substring], timestamp: Int, wanted: [(index: Int, column: SysstatColumns.Column)])?
        // The first header of each activity (by the columns it gives) stands: sadf prints the file's host name
        // raw, and a name holding a newline could print a header of its own that renames the columns after it.
        var firstHeaders: [String: (names: [Substring], timestamp: Int, wanted: [(index: Int, column: SysstatColumns.Column)])] = [:]
        for (offset, line) in sysstatLines(bytes).enumerated() {
            let number = offset + 1
            if line.isEmpty { continue }
            if line.hasPrefix("#") {
                let names = line.dropFirst().drop(while: { $0 == " " }).split(separator: ";", omittingEmptySubsequences: false)
                guard names.count > 3, names[0] == "hostname", names[1] == "interval", names[2] == "timestamp" else {
                    samples.problem(number, "a header that is not sadf's (`# hostname;interval;timestamp;...`): ignored")
                    continue
                }
                let wanted = SysstatColumns.wanted(in: names)
                let activity = wanted.map(\.column.name).sorted().joined(separator: ",")
                if let first = firstHeaders[activity], !activity.isEmpty {
                    if first.names != names { samples.problem(number, "a second, different header for the same columns: ignored") }
                    header = first
                    continue
                }
                header = (names, 2, wanted)
                if !activity.isEmpty { firstHeaders[activity] = header }
                continue
            }
            let fields = line.split(separator: ";", omittingEmptySubsequences: false)
            if fields.count >= 4, fields[3].hasPrefix("LINUX-RESTART") {
                if let date = timestamp(fields[2]) { samples.restarts.append(date) }
                continue
            }
            guard let current = header else {
                samples.problem(number, "a row before any header")
                continue
            }
            if samples.host == nil, current.names.first == "hostname", let host = fields.first { samples.host = String(host) }
            guard !current.wanted.isEmpty else { continue }
            guard fields.count == current.names.count else {
                samples.problem(number, "\(fields.count) fields where the header has \(current.names.count)")
                continue
            }
            guard let date = timestamp(fields[current.timestamp]) else {
                samples.problem(number, "`\(String(fields[current.timestamp].prefix(40)))` is not a timestamp")
                continue
            }
            for (index, column) in current.wanted {
                if let value = SysstatColumns.value(fields[index]) {
                    samples.add(column.name, date, value)
                } else {
                    samples.problem(number, "`\(String(fields[index].prefix(40)))` is not a count for \(column.name)")
                }
            }
        }
        return samples
    }

    /// `2026-12-07 03:10:58 UTC` (or without ` UTC`), read as UTC.
    static func timestamp(_ text: Substring) -> Date? {
        var text = text
        if text.hasSuffix(" UTC") { text = text.dropLast(4) }
        let halves = text.split(separator: " ")
        guard halves.count == 2 else { return nil }
        let day = halves[0].split(separator: "-", omittingEmptySubsequences: false)
        let time = halves[1].split(separator: ":", omittingEmptySubsequences: false)
        guard day.count == 3, time.count == 3, day[0].count == 4,
              (day + time).allSatisfy({ !$0.isEmpty && $0.count <= 4 && $0.utf8.allSatisfy { $0 >= 48 && $0 <= 57 } }),
              let y = Int(day[0]), let m = Int(day[1]), let d = Int(day[2]),
              let hh = Int(time[0]), let mm = Int(time[1]), let ss = Int(time[2]),
              (1...12).contains(m), (1...31).contains(d), hh < 24, mm < 60, ss < 61 else { return nil }
        // Days from 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
        let yy = m <= 2 ? y - 1 : y
        let era = (yy >= 0 ? yy : yy - 399) / 400
        let yoe = yy - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        return Date(timeIntervalSince1970: Double(days * 86_400 + hh * 3600 + mm * 60 + min(ss, 59)))
    }
}
