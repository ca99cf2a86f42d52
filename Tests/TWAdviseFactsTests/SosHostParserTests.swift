import Testing
@testable import TWAdviseFacts

/// The small readers this round added for sosreports and `sysctl -a`, against real lines and broken ones:
/// anything they cannot read is unknown (`nil`, or a warning), never a wrong number.
@Suite("sos host captures and multi-value sysctls")
struct SosHostParserTests {
    static let uptimes: [(String, Double?)] = [
        (" 19:23:40 up 25 min,  1 user,  load average: 0.83, 0.73, 0.76", 1500),
        (" 16:19:19 up 17:41,  2 users,  load average: 3.58, 3.27, 2.58", 63660),
        (" 10:13:01 up 5 days,  3:05,  1 user,  load average: 0.00", 443_100),
        (" 10:13:01 up 1 day, 10 min,  0 users,  load average: 0.00", 87000),
        ("", nil), ("up", nil), (" 10:13:01 up ", nil), (" 10:13:01 up 99:99,  1 user", nil),
        (" 10:13:01 up 999999999999 days,  1 user", nil), ("\u{1B}[31m up banana, 1 user", nil),
    ]

    @Test("uptime: every form uptime prints, and garbage, truncation and huge numbers give nothing", arguments: uptimes)
    func uptime(text: String, seconds: Double?) {
        #expect(SosHostParsers.uptimeSeconds(text) == seconds)
    }

    @Test("date --utc: only a complete UTC date is a capture time",
          arguments: [
              ("Fri Feb 11 19:23:39 UTC 2022\n", "2022-02-11T19:23:39Z" as String?),
              ("Fri Feb 11 19:23:39 CET 2022", nil), ("Fri Feb 11 19:23 UTC 2022", nil), ("Fri Feb 32 19:23:39 UTC 2022", nil),
              ("Fri Foo 11 19:23:39 UTC 2022", nil), ("Fri Feb 11 25:23:39 UTC 2022", nil), ("", nil),
          ])
    func utcDate(text: String, iso: String?) {
        #expect(SosHostParsers.utcDate(text) == iso)
    }

    @Test("dmesg: the established hash size from the boot line; none, a truncated line or a huge number give nothing usable")
    func establishedHash() {
        #expect(SosHostParsers.establishedHashEntries(Array("[    0.559770] TCP established hash table entries: 32768 (order: 6, 262144 bytes, linear)\n".utf8)) == 32768)
        #expect(SosHostParsers.establishedHashEntries(Array("[    0.5] TCP established hash table entries: ".utf8)) == nil)
        #expect(SosHostParsers.establishedHashEntries(Array("no such line\n".utf8)) == nil)
        #expect(SosHostParsers.establishedHashEntries([]) == nil)
        // At most 12 digits are read: a flood of digits cannot overflow.
        let huge = SosHostParsers.establishedHashEntries(Array(("TCP established hash table entries: " + String(repeating: "9", count: 40)).utf8))
        #expect(huge == 999_999_999_999)
    }

    @Test("tcp_mem: three integers; garbage, too many fields or an empty value is a parse failure")
    func integersKind() {
        let parsed = try? SysctlValueParser.parse(Array("45588\t60787\t91176\n".utf8)[...], kind: .integers).get()
        #expect(parsed == .integers([45588, 60787, 91176]))
        for bad in ["", "45588 x 91176", "99999999999999999999999 1 2", String(repeating: "1 ", count: 17)] {
            #expect((try? SysctlValueParser.parse(Array(bad.utf8)[...], kind: .integers).get()) == nil, "\(bad)")
        }
    }

    @Test("netstat -p's PID/Program column: read after the state; '-' and garbage give no owner")
    func netstatProgram() {
        func program(_ line: String) -> [String] {
            var bytes = Array(line.utf8)
            return bytes.withUnsafeMutableBufferPointer { b in
                SocketTextParser.netstatProgram(in: UnsafeBufferPointer(b)).map { "\($0.command):\($0.pid)" }
            }
        }
        #expect(program("tcp 0 0 10.0.0.121:35878 10.0.0.119:3306 ESTABLISHED 997 10709129 302/mysqlrouter keepalive (7199.75/0/0)") == ["mysqlrouter:302"])
        #expect(program("tcp 0 0 10.0.0.121:35100 10.0.0.119:3306 TIME_WAIT 0 0 - timewait (10.04/0/0)") == [])
        #expect(program("tcp 0 0 10.0.0.121:35100 10.0.0.119:3306 ESTABLISHED 0 0 /x 0/y 99999999999/z") == [])
        #expect(program("tcp 0 0") == [])
    }
}
