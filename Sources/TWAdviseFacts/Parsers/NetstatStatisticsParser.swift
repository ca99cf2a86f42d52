/// Parses `netstat -s` (net-tools) into counters by section. net-tools prints known counters as phrases
/// (`1239 TCP sockets finished time wait in fast timer`) and the rest as `Name: value`; both are read for the
/// sections TWAdvise uses (Tcp, TcpExt, Ip, Udp, IpExt). Lines that are neither are skipped.
package enum NetstatStatisticsParser {
    /// net-tools' phrases (statistics.c), without the number, for the counters rules use.
    static let phrases: [String: (String, String)] = [
        "active connections openings": ("Tcp", "ActiveOpens"), "active connection openings": ("Tcp", "ActiveOpens"),
        "passive connection openings": ("Tcp", "PassiveOpens"), "failed connection attempts": ("Tcp", "AttemptFails"),
        "connection resets received": ("Tcp", "EstabResets"), "connections established": ("Tcp", "CurrEstab"),
        "segments received": ("Tcp", "InSegs"), "resets sent": ("Tcp", "OutRsts"),
        "TCP sockets finished time wait in fast timer": ("TcpExt", "TW"),
        "TCP sockets finished time wait in slow timer": ("TcpExt", "TWKilled"),
        "time wait sockets recycled by time stamp": ("TcpExt", "TWRecycled"),
        "passive connections rejected because of time stamp": ("TcpExt", "PAWSPassive"),
        "active connections rejected because of time stamp": ("TcpExt", "PAWSActive"),
        "packets rejects in established connections because of timestamp": ("TcpExt", "PAWSEstab"),
        "packetes rejected in established connections because of timestamp": ("TcpExt", "PAWSEstab"),
        "times the listen queue of a socket overflowed": ("TcpExt", "ListenOverflows"),
        "SYNs to LISTEN sockets dropped": ("TcpExt", "ListenDrops"),
        "connections reset due to unexpected data": ("TcpExt", "TCPAbortOnData"),
        "connections reset due to early user close": ("TcpExt", "TCPAbortOnClose"),
    ]

    package static func parse(_ bytes: [UInt8], path: String, warnings: inout [FactWarning]) -> KeyedCounters {
        var counters = KeyedCounters()
        var section: String?
        for (number, raw) in splitLines(bytes) {
            guard raw.isValidUTF8 else {
                warnings.append(FactWarning(path: path, line: number, message: "line is not valid UTF-8, ignored"))
                continue
            }
            let line = String(decoding: raw, as: UTF8.self)
            guard let first = line.first else { continue }
            if !first.isWhitespace {
                // "Tcp:" starts a section; anything else at column 0 ("error parsing ...") ends it.
                section = line.hasSuffix(":") && !line.contains(" ") ? String(line.dropLast()) : nil
                if section == nil { warnings.append(FactWarning(path: path, line: number, message: "skipped '\(Numbers.token(raw))'")) }
                continue
            }
            guard let section else { continue }
            let text = line.trimmingASCIIWhitespace()
            if let colon = text.firstIndex(of: ":"), !text[..<colon].contains(" ") {
                // "Name: value"
                let name = String(text[..<colon])
                if case .success(let v) = Numbers.decimal(Array(text[text.index(after: colon)...].utf8).dropFirst().filter { $0 != 0x20 }) {
                    counters.sections[section, default: [:]][name] = v
                }
                continue
            }
            let fields = text.split(separator: " ", maxSplits: 1)
            guard fields.count == 2, case .success(let v) = Numbers.decimal(Array(fields[0].utf8)) else { continue }
            if let (s, name) = phrases[String(fields[1])], s == section {
                counters.sections[s, default: [:]][name] = v
            }
        }
        if counters.isEmpty { warnings.append(FactWarning(path: path, message: "no counters found: not netstat -s output")) }
        return counters
    }
}
