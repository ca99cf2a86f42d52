/// What a sosreport's command captures say about the host when its copied `/proc` does not: how long it had
/// been up (`sos_commands/host/uptime`), when it was captured (`sos_commands/date/date_--utc`), and the
/// established hash size the kernel logged at boot (`sos_commands/kernel/dmesg`).
package enum SosHostParsers {
    /// Seconds since boot from `uptime` output (` 19:23:40 up 25 min, ...`, `up 17:41,`, `up 5 days,  3:05,`,
    /// `up 1 day, 10 min,`, `up 2 days,`); `nil` for anything else. Minute precision, as `uptime` prints.
    package static func uptimeSeconds(_ text: String) -> Double? {
        guard let up = text.firstRange(of: " up ") else { return nil }
        var rest = text[up.upperBound...]
        if let users = rest.firstRange(of: " user") {
            rest = rest[..<users.lowerBound]
            // "... 3:05,  1" : drop the user count and the comma before it.
            if let comma = rest.lastIndex(of: ",") { rest = rest[..<comma] }
        } else if let load = rest.firstRange(of: "load average") {
            rest = rest[..<load.lowerBound]
        }
        var seconds = 0.0
        var found = false
        for part in rest.split(separator: ",").map({ String($0).trimmingASCIIWhitespace() }) where !part.isEmpty {
            let words = part.split(separator: " ")
            if words.count == 2, let n = Double(words[0]), n >= 0, n < 100_000 {
                switch words[1] {
                case "day", "days": seconds += n * 86_400
                case "min", "mins": seconds += n * 60
                case "sec", "secs": seconds += n
                default: return nil
                }
                found = true
            } else if words.count == 1 {
                let clock = words[0].split(separator: ":")
                guard clock.count == 2, let h = Double(clock[0]), let m = Double(clock[1]), h >= 0, h < 24, m >= 0, m < 60 else { return nil }
                seconds += h * 3600 + m * 60
                found = true
            } else {
                return nil
            }
        }
        return found ? seconds : nil
    }

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `Fri Feb 11 19:23:39 UTC 2022` (`date --utc`) as ISO 8601 (`2022-02-11T19:23:39Z`); `nil` for any other
    /// form or zone.
    package static func utcDate(_ text: String) -> String? {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" })
        guard words.count == 6, words[4] == "UTC", let month = months.firstIndex(of: String(words[1])),
              let day = Int(words[2]), (1...31).contains(day), let year = Int(words[5]), (1970...9999).contains(year) else { return nil }
        let clock = words[3].split(separator: ":").compactMap { Int($0) }
        guard clock.count == 3, (0..<24).contains(clock[0]), (0..<60).contains(clock[1]), (0...60).contains(clock[2]) else { return nil }
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(year)-\(two(month + 1))-\(two(day))T\(two(clock[0])):\(two(clock[1])):\(two(clock[2]))Z"
    }

    /// `TCP established hash table entries: 32768 (order: ...)` in a kernel log: the established hash size,
    /// which kernels before 6.1 have no `tcp_ehash_entries` sysctl for.
    package static func establishedHashEntries(_ log: [UInt8]) -> Int64? {
        let marker = Array("TCP established hash table entries: ".utf8)
        guard log.count >= marker.count else { return nil }
        var i = 0
        while i <= log.count - marker.count {
            if log[i] == marker[0], log[i..<(i + marker.count)].elementsEqual(marker) {
                var value: Int64 = 0
                var j = i + marker.count
                let start = j
                while j < log.count, log[j] >= 0x30, log[j] <= 0x39, j - start < 12 {
                    value = value * 10 + Int64(log[j] - 0x30)
                    j += 1
                }
                return j > start ? value : nil
            }
            i += 1
        }
        return nil
    }
}
