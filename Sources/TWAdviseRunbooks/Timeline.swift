#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The `## Timeline` of a report read from history (kernel log, sysstat, Prometheus, a recording): per
/// series, when pressure began, its peak and when it ended; the kernel messages of the window with their
/// counts; and the moment the rules were evaluated at.
public struct Timeline: Sendable, Hashable, Codable {
    /// One quantity over the window, as one source kept it.
    public struct Series: Sendable, Hashable, Codable {
        /// How its values read.
        public enum Unit: String, Sendable, Hashable, Codable {
            /// A count (sockets, entries, handles).
            case count
            /// A rate per second.
            case perSecond = "per_second"
            /// A share (0 to 1), shown as a percentage.
            case share

            /// `value` as a person reads it: a whole count, a rate with `/s`, a share as a percentage.
            public func formatted(_ value: Double) -> String {
                switch self {
                case .count: Presentation.number(value.rounded())
                case .perSecond: Presentation.number(value) + "/s"
                case .share: Presentation.percent(value)
                }
            }
        }
        /// Where it was read (`var/log/sysstat/sa07`, `prometheus http://…`, `recording /var/lib/twadvise`).
        public var source: String
        /// What it measures, for a person (`TIME_WAIT sockets`).
        public var measure: String
        /// The labels that tell it apart (`namespace blue, 10.0.0.5 → 10.0.0.9:443`), empty when none.
        public var labels: String
        /// How its values read.
        public var unit: Unit
        /// When it first rose to half-way between its usual level and its peak, in the run that holds the
        /// peak; `nil` when it did not rise (a flat series).
        public var began: Date?
        /// Its highest value in the window.
        public var peak: Double
        /// When it was highest (the first time, if several).
        public var peakAt: Date
        /// When it fell back below half-way; `nil` when it had not by the end of the window (or never rose).
        public var ended: Date?
        /// Its usual level: the 10th percentile of the window.
        public var baseline: Double
        /// Up to 30 values over the window, evenly spaced, for a sparkline drawn from zero.
        public var shape: [Double]

        /// A series row.
        public init(source: String, measure: String, labels: String, unit: Unit, began: Date?, peak: Double, peakAt: Date,
                    ended: Date?, baseline: Double, shape: [Double]) {
            self.source = source
            self.measure = measure
            self.labels = labels
            self.unit = unit
            self.began = began
            self.peak = peak
            self.peakAt = peakAt
            self.ended = ended
            self.baseline = baseline
            self.shape = shape
        }
    }

    /// A kind of kernel message logged in the window.
    public struct Event: Sendable, Hashable, Codable {
        /// The message as the kernel prints it (`nf_conntrack: table full, dropping packet`).
        public var message: String
        /// Lines read.
        public var count: Int
        /// Lines `net_ratelimit: N callbacks suppressed` hid around them (a lower bound).
        public var suppressed: Int
        /// First and last time logged.
        public var first: Date
        /// Last time logged.
        public var last: Date
        /// The files it was read from.
        public var source: String

        /// An event row.
        public init(message: String, count: Int, suppressed: Int, first: Date, last: Date, source: String) {
            self.message = message
            self.count = count
            self.suppressed = suppressed
            self.first = first
            self.last = last
            self.source = source
        }
    }

    /// The window read.
    public var from: Date
    /// The end of the window.
    public var to: Date
    /// When the rules were evaluated; `nil` when no series or event gave a moment.
    public var evaluatedAt: Date?
    /// Why that moment (`the peak of TIME_WAIT sockets in var/log/sysstat/sa07`, `--at`).
    public var evaluatedBecause: String
    /// The series, most telling first.
    public var series: [Series]
    /// The kernel messages, most frequent first.
    public var events: [Event]
    /// Inputs read.
    public var read: [String]
    /// Inputs looked for and not read, with why (`var/log/sa/sa07: binary sysstat file; install sysstat`).
    public var notRead: [String]
    /// The other moment the rules were evaluated at, and what they found there, when the input was read inside
    /// the window (`The input as read, at …, was evaluated too: no finding`); `nil` otherwise.
    public var alsoEvaluated: String?

    /// A timeline of the window `from`...`to`.
    public init(from: Date, to: Date, evaluatedAt: Date?, evaluatedBecause: String, series: [Series], events: [Event],
                read: [String], notRead: [String]) {
        self.from = from
        self.to = to
        self.evaluatedAt = evaluatedAt
        self.evaluatedBecause = evaluatedBecause
        self.series = series
        self.events = events
        self.read = read
        self.notRead = notRead
    }
}

/// Times as reports write them: UTC, to the second, RFC 3339 (`2026-12-07T03:12:40Z`), or the time of day
/// alone (`03:12:40Z`) where the date is the window's.
public enum ReportTime {
    /// `2026-12-07T03:12:40Z`.
    public static func full(_ date: Date) -> String {
        let (day, time) = parts(date)
        return day + "T" + time + "Z"
    }

    /// `03:12:40Z` when `date` falls on the same UTC day as `reference`, else the full form.
    public static func short(_ date: Date, sameDayAs reference: Date) -> String {
        let (day, time) = parts(date)
        return day == parts(reference).day ? time + "Z" : day + "T" + time + "Z"
    }

    private static func parts(_ date: Date) -> (day: String, time: String) {
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm): no time zone database needed.
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let y = year >= 0 && year < 10_000 ? String(repeating: "0", count: max(0, 4 - String(year).count)) + String(year) : String(year)
        return ("\(y)-\(two(month))-\(two(day))",
                "\(two(secondOfDay / 3600)):\(two(secondOfDay % 3600 / 60)):\(two(secondOfDay % 60))")
    }
}
