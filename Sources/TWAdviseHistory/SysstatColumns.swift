#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

/// The sysstat columns this module reads, by the names `sar` and `sadf` print, and the quantity each one is.
///
/// A column is taken only from a section that also holds its section's marker column (`tcpsck` for
/// `sar -n SOCK`, `active/s` for `-n TCP`, `atmptf/s` for `-n ETCP`): `retrans/s` is also a column of
/// `sar -n NFS`, which counts RPC retransmissions, not TCP segments. Columns are found by name, never by
/// position: sysstat versions add and reorder them.
package enum SysstatColumns {
    /// One column: its name, the quantity it measures and the marker of its section.
    package struct Column: Sendable, Hashable {
        /// The name in the section's header (`tcp-tw`).
        package var name: String
        /// What it measures.
        package var quantity: HistoryQuantity
        /// A column every header of its section has.
        package var marker: String
    }

    /// `sar -n SOCK`, `-n TCP` and `-n ETCP` (sysstat 12.6: `totsck tcpsck udpsck rawsck ip-frag tcp-tw`,
    /// `active/s passive/s iseg/s oseg/s`, `atmptf/s estres/s retrans/s isegerr/s orsts/s`), each read from
    /// `/proc/net/sockstat` or `/proc/net/snmp` by `sadc`.
    package static let all: [Column] = [
        Column(name: "totsck", quantity: .sockstat("sockets", "used"), marker: "tcpsck"),
        Column(name: "tcpsck", quantity: .sockstat("TCP", "inuse"), marker: "tcpsck"),
        Column(name: "udpsck", quantity: .sockstat("UDP", "inuse"), marker: "tcpsck"),
        Column(name: "rawsck", quantity: .sockstat("RAW", "inuse"), marker: "tcpsck"),
        Column(name: "ip-frag", quantity: .sockstat("FRAG", "inuse"), marker: "tcpsck"),
        Column(name: "tcp-tw", quantity: .sockstat("TCP", "tw"), marker: "tcpsck"),
        Column(name: "active/s", quantity: .counterRate("Tcp", "ActiveOpens"), marker: "active/s"),
        Column(name: "passive/s", quantity: .counterRate("Tcp", "PassiveOpens"), marker: "active/s"),
        Column(name: "iseg/s", quantity: .counterRate("Tcp", "InSegs"), marker: "active/s"),
        Column(name: "oseg/s", quantity: .counterRate("Tcp", "OutSegs"), marker: "active/s"),
        Column(name: "atmptf/s", quantity: .counterRate("Tcp", "AttemptFails"), marker: "atmptf/s"),
        Column(name: "estres/s", quantity: .counterRate("Tcp", "EstabResets"), marker: "atmptf/s"),
        Column(name: "retrans/s", quantity: .counterRate("Tcp", "RetransSegs"), marker: "atmptf/s"),
        Column(name: "isegerr/s", quantity: .counterRate("Tcp", "InErrs"), marker: "atmptf/s"),
        Column(name: "orsts/s", quantity: .counterRate("Tcp", "OutRsts"), marker: "atmptf/s"),
    ]

    /// For a section header's column names: the index of each column read, and the column.
    package static func wanted(in header: [Substring]) -> [(index: Int, column: Column)] {
        let names = Set(header)
        var result: [(index: Int, column: Column)] = []
        for (index, name) in header.enumerated() {
            guard let column = all.first(where: { $0.name == name }), names.contains(Substring(column.marker)) else { continue }
            result.append((index, column))
        }
        return result
    }

    /// A value as sysstat prints it (`0.00`, `1234`, `0,00` in a locale with a decimal comma): finite and not
    /// negative, else `nil` (garbage, `nan`, `inf`, a number too large for a `Double`).
    package static func value(_ text: Substring) -> Double? {
        guard !text.isEmpty, text.utf8.count <= 40 else { return nil }
        var separators = 0
        var digits = 0
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digits += 1
            case UInt8(ascii: "."), UInt8(ascii: ","): separators += 1
            default: return nil
            }
        }
        guard digits > 0, separators <= 1, let value = Double(String(text.replacing(",", with: "."))),
              value.isFinite else { return nil }
        return value
    }
}

/// What one sysstat file (text or `sadf -d` output) held: points by column, and what could not be read.
package struct SysstatSamples: Sendable, Equatable {
    /// The host the header names, when it does.
    package var host: String?
    /// Points by column name (`tcp-tw`), oldest first as the file lists them.
    package var points: [String: [HistoryPoint]] = [:]
    /// `LINUX RESTART` records (the host booted; counters restarted from zero).
    package var restarts: [Date] = []
    /// Lines not understood, with their numbers (the first 20 kept; `problemCount` counts them all).
    package var problems: [String] = []
    /// Lines not understood.
    package var problemCount = 0
    /// Why no point could be read at all (no header, a date not understood), when that is so.
    package var failure: String?

    /// Points kept per column at most (a day at one-second intervals is 86,400).
    package static let maxPointsPerColumn = 200_000

    package init(host: String? = nil) { self.host = host }

    /// Notes a line not understood.
    package mutating func problem(_ line: Int, _ text: String) {
        problemCount += 1
        if problems.count < 20 { problems.append("line \(line): \(text)") }
    }

    /// Adds `value` at `time` to `column`, within the bound.
    package mutating func add(_ column: String, _ time: Date, _ value: Double) {
        guard points[column, default: []].count < Self.maxPointsPerColumn else { return }
        points[column, default: []].append(HistoryPoint(time: time, value: value))
    }

    /// The series of these samples, as read from `source`, within `window` (all points when `nil`),
    /// in the order of ``SysstatColumns/all``; columns without a point in the window are left out.
    package func series(source: String, window: ClosedRange<Date>?) -> [HistorySeries] {
        SysstatColumns.all.compactMap { column in
            guard var kept = points[column.name] else { return nil }
            if let window { kept = kept.filter { window.contains($0.time) } }
            guard !kept.isEmpty else { return nil }
            return HistorySeries(quantity: column.quantity, source: source, points: kept)
        }
    }
}

/// Splits `bytes` into lines (without `\n` or a trailing `\r`), as text decoded leniently.
package func sysstatLines(_ bytes: [UInt8]) -> [Substring] {
    // Split on bytes: as `Character`s, "\r\n" is one grapheme and would not split on "\n".
    let text = String(decoding: bytes, as: UTF8.self)
    return text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { slice in
        let line = Substring(slice)
        return line.utf8.last == UInt8(ascii: "\r") ? Substring(line.utf8.dropLast()) : line
    }
}
