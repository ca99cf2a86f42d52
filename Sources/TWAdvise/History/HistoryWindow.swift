public import Foundation
import TWAdviseRunbooks

/// The stretch of time a postmortem reads (`--from`, `--to`), and the moment to evaluate the rules at when a
/// person names it (`--at`); otherwise the worst moment of the window is found.
public struct HistoryWindow: Sendable, Hashable {
    /// The start of the window.
    public var from: Date
    /// The end of the window.
    public var to: Date
    /// The moment asked for, if any.
    public var at: Date?

    /// A window from `from` to `to`; with `at`, the rules are evaluated at that moment.
    public init(from: Date, to: Date, at: Date? = nil) {
        self.from = from
        self.to = to
        self.at = at
    }

    /// Whether `date` is in the window.
    public func contains(_ date: Date) -> Bool { date >= from && date <= to }

    /// The window `--at`, `--from` and `--to` name, each an RFC 3339 time or a time relative to `now`
    /// (`now`, `-2h`, `-30m`, `-1d`, `-90s`). Without `--from`, the window starts `span` before its end;
    /// without `--to`, it ends now. With `--at` alone, the window is `span` either side of it, and ends now at
    /// the latest.
    ///
    /// - Throws: ``HistoryWindowError`` naming the text that is not a time, or an empty or reversed window.
    package static func parse(at: String?, from: String?, to: String?, now: Date = Date(), span: TimeInterval = 86_400)
        throws(HistoryWindowError) -> HistoryWindow {
        func time(_ text: String?, _ option: HistoryWindowError.Field) throws(HistoryWindowError) -> Date? {
            guard let text else { return nil }
            guard let date = TimeExpression.parse(text, now: now) else { throw .notATime(option, text) }
            return date
        }
        let atDate = try time(at, .at)
        let fromDate = try time(from, .from)
        let toDate = try time(to, .to)
        var window: HistoryWindow
        if let atDate, fromDate == nil, toDate == nil {
            // Never past now: nothing is kept of the future (`--at now` reads the day before it).
            window = HistoryWindow(from: atDate - span, to: atDate <= now ? min(atDate + span, now) : atDate + span, at: atDate)
        } else {
            let end = toDate ?? now
            window = HistoryWindow(from: fromDate ?? end - span, to: end, at: atDate)
        }
        guard window.from < window.to else { throw .reversed(from: window.from, to: window.to) }
        if let atDate, !window.contains(atDate) { throw .atOutside(atDate) }
        return window
    }
}

/// A window that cannot be read.
package enum HistoryWindowError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Which of the three times.
    package enum Field: String, Sendable, Hashable {
        /// The moment to evaluate at.
        case at
        /// The window's start.
        case from
        /// The window's end.
        case to
    }
    /// The text is neither RFC 3339 nor relative.
    case notATime(Field, String)
    /// The window ends before it starts.
    case reversed(from: Date, to: Date)
    /// The moment asked for is outside the window.
    case atOutside(Date)

    /// One line saying what is wrong.
    package var description: String {
        switch self {
        case .notATime(let field, let text):
            "the \(field.rawValue) time '\(text)' is not a time: give RFC 3339 (2026-12-07T03:12:40Z) or a time relative to now (now, -2h, -30m, -1d)"
        case .reversed(let from, let to):
            "the window ends (\(ReportTime.full(to))) before it starts (\(ReportTime.full(from)))"
        case .atOutside(let at):
            "the moment \(ReportTime.full(at)) is outside the window"
        }
    }
}

/// Times as a person writes them on the command line.
package enum TimeExpression {
    /// `now`; a time relative to now (`-2h`, `-30m`, `-1d`, `-90s`, `-1w`, and `+` forms); or RFC 3339
    /// (`2026-12-07T03:12:40Z`, with fractional seconds or an offset, `T` or a space between date and time).
    /// `nil` for anything else, and for a time before 1970 or after 9999.
    package static func parse(_ text: String, now: Date) -> Date? {
        let text = text.trimmingCharacters(in: .whitespaces)
        if text == "now" { return now }
        if let first = text.first, first == "-" || first == "+", text.count >= 3, text.count <= 12 {
            guard let seconds = duration(text.dropFirst()) else { return nil }
            return now + (first == "-" ? -seconds : seconds)
        }
        return rfc3339(text)
    }

    /// A duration as a person writes it, a number and a unit (`90s`, `30m`, `2h`, `7d`, `1w`), in seconds;
    /// `nil` for anything else, a negative or non-finite amount, and more than ten years.
    package static func duration<S: StringProtocol>(_ text: S) -> Double? {
        guard let unit = text.last, let amount = Double(text.dropLast()), amount.isFinite, amount >= 0 else { return nil }
        let seconds: Double
        switch unit {
        case "s": seconds = amount
        case "m": seconds = amount * 60
        case "h": seconds = amount * 3600
        case "d": seconds = amount * 86_400
        case "w": seconds = amount * 604_800
        default: return nil
        }
        return seconds <= 3_650 * 86_400 ? seconds : nil
    }

    /// An RFC 3339 time, parsed by hand: no locale, no time zone database.
    static func rfc3339(_ text: String) -> Date? {
        let b = Array(text.utf8)
        func digits(_ at: Int, _ count: Int) -> Int? {
            guard at + count <= b.count else { return nil }
            var v = 0
            for i in at..<at + count {
                guard b[i] >= 0x30, b[i] <= 0x39 else { return nil }
                v = v * 10 + Int(b[i] - 0x30)
            }
            return v
        }
        guard b.count >= 20, let year = digits(0, 4), b[4] == 0x2D, let month = digits(5, 2), b[7] == 0x2D,
              let day = digits(8, 2), b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t") || b[10] == 0x20,
              let hour = digits(11, 2), b[13] == 0x3A, let minute = digits(14, 2), b[16] == 0x3A, let second = digits(17, 2),
              (1970...9999).contains(year), (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second <= 60
        else { return nil }
        var i = 19
        var fraction = 0.0
        if i < b.count, b[i] == 0x2E {
            i += 1
            var scale = 0.1
            let start = i
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39, i - start < 9 {
                fraction += Double(b[i] - 0x30) * scale
                scale /= 10
                i += 1
            }
            guard i > start else { return nil }
        }
        guard i < b.count else { return nil }
        var offset = 0
        if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
            i += 1
        } else if b[i] == 0x2B || b[i] == 0x2D, let oh = digits(i + 1, 2), i + 3 < b.count, b[i + 3] == 0x3A, let om = digits(i + 4, 2),
                  oh < 24, om < 60 {
            offset = (oh * 3600 + om * 60) * (b[i] == 0x2B ? 1 : -1)
            i += 6
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        // Days from the civil date (Howard Hinnant's algorithm).
        let y = month <= 2 ? year - 1 : year
        let era = y / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        let seconds = Double(days * 86_400 + hour * 3600 + minute * 60 + min(second, 59) - offset) + fraction
        return Date(timeIntervalSince1970: seconds)
    }
}
