#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
public import TWAdviseFacts

extension SysstatReader {
    /// The time zone a tree says its host ran in, for the local times of its `sar` text files; `nil` when it
    /// does not say. In order: `etc/timezone` (Debian: `Europe/Berlin`), `timedatectl`'s `Time zone:` line
    /// (`sos_commands/systemd/timedatectl`: `Etc/UTC (UTC, +0000)`, its name, else its offset), then the
    /// difference between `sos_commands/date/date` and `date_--utc` (a fixed offset, rounded to 15 minutes:
    /// right for the day of the sosreport, not across a daylight-saving change). `etc/localtime` is a binary
    /// zone file and is not read.
    public static func recordedTimeZone(in source: FactSource) -> TimeZone? {
        func text(_ relative: String) -> String? {
            guard let bytes = try? source.bytes(relative), bytes.count < 65536 else { return nil }
            return String(decoding: bytes, as: UTF8.self)
        }
        if let name = text("etc/timezone")?.split(whereSeparator: \.isNewline).first.map({ String($0).filter { !$0.isWhitespace } }),
           !name.isEmpty, let zone = TimeZone(identifier: name) {
            return zone
        }
        if let status = text("sos_commands/systemd/timedatectl"),
           let line = status.split(whereSeparator: \.isNewline).first(where: { $0.contains("Time zone:") }) {
            let words = line.split(separator: " ")
            if let at = words.firstIndex(of: "zone:"), at + 1 < words.count, let zone = TimeZone(identifier: String(words[at + 1])) {
                return zone
            }
            if let offset = words.last.flatMap({ offsetSeconds($0.filter { $0 != ")" }) }), let zone = TimeZone(secondsFromGMT: offset) {
                return zone
            }
        }
        if let local = text("sos_commands/date/date").flatMap(dateOutput), let utc = text("sos_commands/date/date_--utc").flatMap(dateOutput) {
            let offset = Int(((local - utc) / 900).rounded()) * 900
            if abs(offset) <= 14 * 3600 { return TimeZone(secondsFromGMT: offset) }
        }
        return nil
    }

    /// `+0100`, `-0530` in seconds.
    static func offsetSeconds(_ text: String) -> Int? {
        guard text.count == 5, let sign = text.first, sign == "+" || sign == "-", let value = Int(text.dropFirst()) else { return nil }
        let seconds = (value / 100) * 3600 + (value % 100) * 60
        return sign == "-" ? -seconds : seconds
    }

    /// `Mon Dec  7 03:12:40 UTC 2026` (date's C-locale output) as seconds of its wall clock, read as if UTC
    /// (only differences between two such readings are used).
    static func dateOutput(_ text: String) -> Double? {
        let words = text.split(whereSeparator: { $0 == " " || $0.isNewline })
        guard words.count >= 5, let day = Int(words[2]), let year = Int(words[words.count - 1]),
              let month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"].firstIndex(of: String(words[1])) else { return nil }
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let stamp = "\(year)-\(two(month + 1))-\(two(day)) \(words[3])"
        return SysstatCSVParser.timestamp(Substring(stamp))?.timeIntervalSince1970
    }
}
