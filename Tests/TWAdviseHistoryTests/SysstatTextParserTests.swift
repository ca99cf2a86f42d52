import Foundation
import Testing
@testable import TWAdviseHistory

@Suite struct SysstatTextParserTests {
    static let utc = TimeZone(identifier: "UTC")!

    static func date(_ text: String) -> Date {
        SysstatCSVParser.timestamp(Substring(text))!
    }

    static func values(_ samples: SysstatSamples, _ column: String) -> [Double] {
        samples.points[column, default: []].map(\.value)
    }

    static let twentyFourHour = """
        Linux 6.1.0-13-amd64 (web-1) \t12/07/2026 \t_x86_64_\t(2 CPU)

        23:50:01          CPU     %user     %nice   %system   %iowait    %steal     %idle
        00:00:01          all      1.00      0.00      1.00      0.00      0.00     98.00
        Average:          all      1.00      0.00      1.00      0.00      0.00     98.00

        23:50:01       totsck    tcpsck    udpsck    rawsck   ip-frag    tcp-tw
        00:00:01          120        40         3         0         0     17000
        00:10:01          121        41         3         0         0     18000
        Average:          120        40         3         0         0     17500

        23:50:01     active/s passive/s    iseg/s    oseg/s
        00:00:01       250.00      1.00    900.00    950.00
        00:10:01       260.00      1.00    910.00    960.00
        Average:       255.00      1.00    905.00    955.00

        23:50:01        call/s retrans/s    read/s   write/s  access/s  getatt/s
        00:00:01          0.00     99.00      0.00      0.00      0.00      0.00

        23:50:01     atmptf/s  estres/s retrans/s isegerr/s   orsts/s
        00:00:01         0.50      0.10      2.00      0.00      3.00
        Average:         0.50      0.10      2.00      0.00      3.00

        """

    @Test func twentyFourHourTimesCrossingMidnightAdvanceTheDay() {
        let samples = SysstatTextParser.parse(Array(Self.twentyFourHour.utf8), timeZone: Self.utc, fileDay: 7)
        #expect(samples.failure == nil)
        #expect(samples.host == "web-1")
        #expect(samples.points["tcp-tw"] == [HistoryPoint(time: Self.date("2026-12-08 00:00:01"), value: 17000),
                                             HistoryPoint(time: Self.date("2026-12-08 00:10:01"), value: 18000)])
        #expect(Self.values(samples, "active/s") == [250, 260])
        #expect(Self.values(samples, "iseg/s") == [900, 910])
        // retrans/s of the NFS section is RPC retransmissions: only ETCP's is taken.
        #expect(Self.values(samples, "retrans/s") == [2])
        #expect(Self.values(samples, "orsts/s") == [3])
        #expect(samples.problemCount == 0)
    }

    @Test func twelveHourTimesAndARestart() {
        let text = """
            Linux 5.14.0-362.el9.x86_64 (db-2) \t12/07/2026 \t_x86_64_\t(4 CPU)

            11:50:01 AM    totsck    tcpsck    udpsck    rawsck   ip-frag    tcp-tw
            12:00:01 PM       100        10         1         0         0       500
            12:10:01 PM       100        10         1         0         0       600

            12:15:07 PM       LINUX RESTART\t(4 CPU)

            12:20:01 PM    totsck    tcpsck    udpsck    rawsck   ip-frag    tcp-tw
            12:30:01 PM        50         5         1         0         0         7
            12:00:01 AM        50         5         1         0         0         8
            Average:           75         7         1         0         0       278
            """
        let samples = SysstatTextParser.parse(Array(text.utf8), timeZone: Self.utc)
        #expect(samples.points["tcp-tw"]?.map(\.time) == [Self.date("2026-12-07 12:00:01"), Self.date("2026-12-07 12:10:01"),
                                                         Self.date("2026-12-07 12:30:01"), Self.date("2026-12-08 00:00:01")])
        #expect(samples.restarts == [Self.date("2026-12-07 12:15:07")])
        #expect(Self.values(samples, "tcpsck") == [10, 10, 5, 5])
    }

    @Test func reorderedAndMissingColumnsAreFoundByName() {
        let text = """
            Linux 6.1.0 (h) \t2026-12-07 \t_x86_64_\t(2 CPU)

            10:00:00       tcp-tw    newcol    tcpsck
            10:00:10          42        9         7

            10:00:00     passive/s active/s
            10:00:10         1.00     5.00
            """
        let samples = SysstatTextParser.parse(Array(text.utf8), timeZone: Self.utc)
        #expect(Self.values(samples, "tcp-tw") == [42])
        #expect(Self.values(samples, "tcpsck") == [7])
        #expect(samples.points["totsck"] == nil)
        #expect(Self.values(samples, "active/s") == [5])
        #expect(Self.values(samples, "passive/s") == [1])
    }

    @Test(arguments: [
        ("12/07/2026", 7, "2026-12-07"), ("12/07/26", nil, "2026-12-07"), ("2026-12-07", nil, "2026-12-07"),
        ("07.12.2026", nil, "2026-12-07"), ("25/12/2026", nil, "2026-12-25"), ("07/12/2026", 7, "2026-12-07"),
    ] as [(String, Int?, String)])
    func headerDatesInEveryLocaleForm(_ text: String, _ fileDay: Int?, _ expected: String) {
        let components = SysstatTextParser.date(text, fileDay: fileDay)
        let got = components.map { String(format: "%04d-%02d-%02d", $0.year!, $0.month!, $0.day!) }
        #expect(got == expected)
    }

    @Test func localTimesAreReadInTheGivenZone() {
        let text = "Linux 6.1.0 (h) \t12/07/2026 \t_x86_64_\t(2 CPU)\n\n10:00:00 tcpsck tcp-tw\n10:00:10 1 2\n"
        let berlin = SysstatTextParser.parse(Array(text.utf8), timeZone: TimeZone(identifier: "Europe/Berlin")!)
        #expect(berlin.points["tcp-tw"]?.first?.time == Self.date("2026-12-07 09:00:10"))
    }

    @Test func garbageTruncatedAndHugeValuesAreProblemsNotPoints() {
        let text = """
            Linux 6.1.0 (h) \t12/07/2026 \t_x86_64_\t(2 CPU)

            10:00:00       totsck    tcpsck    udpsck    rawsck   ip-frag    tcp-tw
            10:00:10          1         2         3         0         0     nan
            10:00:20          1         2         3         0         0     \(String(repeating: "9", count: 400))
            10:00:30          1         2         3
            10:00:40          1         2         3         0         0     -5
            10:00:50          1         2         3         0         0     99999999999999999999
            10:00:60          1         2         3         0         0     1
            1x:00:70          1         2         3         0         0     1
            """
        let samples = SysstatTextParser.parse(Array(text.utf8), timeZone: Self.utc)
        #expect(Self.values(samples, "tcp-tw") == [1e20, 1])
        #expect(samples.problemCount == 4)
        #expect(samples.problems.first == "line 4: `nan` is not a count for tcp-tw")
    }

    @Test(arguments: ["", "\n\n", "not sar at all\n10:00:00 tcpsck tcp-tw\n10:00:10 1 2\n", "Linux 6.1.0 (h) \tsoon \t_x86_64_\n"])
    func textThatIsNotSarFailsWithAReason(_ text: String) {
        let samples = SysstatTextParser.parse(Array(text.utf8), timeZone: Self.utc)
        #expect(samples.failure != nil)
        #expect(samples.points.isEmpty)
    }

    @Test func crlfLinesAreRead() {
        let text = "Linux 6.1.0 (h) \t12/07/2026 \t_x86_64_\t(2 CPU)\r\n\r\n10:00:00 tcpsck tcp-tw\r\n10:00:10 1 2\r\n"
        #expect(Self.values(SysstatTextParser.parse(Array(text.utf8), timeZone: Self.utc), "tcp-tw") == [2])
    }

    @Test func csvFromSadfIsReadByColumnName() {
        let text = """
            # hostname;interval;timestamp;totsck;tcpsck;udpsck;rawsck;ip-frag;tcp-tw
            vm;1;2026-12-07 03:10:58 UTC;5;4;0;0;0;2000
            vm;-1;2026-12-07 03:11:00 UTC;LINUX-RESTART\t(2 CPU)
            vm;1;2026-12-07 03:11:02 UTC;5;4;0;0;0;bad
            # hostname;interval;timestamp;atmptf/s;estres/s;retrans/s;isegerr/s;orsts/s
            vm;1;2026-12-07 03:10:58 UTC;0.00;0.00;1.50;0.00;0.00
            vm;1;2026-12-07 03:10:58 UTC;0.00;0.00
            """
        let samples = SysstatCSVParser.parse(Array(text.utf8))
        #expect(samples.host == "vm")
        #expect(samples.points["tcp-tw"] == [HistoryPoint(time: Self.date("2026-12-07 03:10:58"), value: 2000)])
        #expect(Self.values(samples, "retrans/s") == [1.5])
        #expect(samples.restarts == [Self.date("2026-12-07 03:11:00")])
        #expect(samples.problemCount == 2)
    }

    /// sadf prints the file's host name raw: a name holding a newline and a header of its own cannot rename the
    /// columns of the rows after it (a reviewer had it relabel totsck as TIME_WAIT).
    @Test func aHostNameCannotInjectAHeader() {
        let forged = "\n#;;timestamp;tcp-tw;tcpsck;;;;\nz"
        let forgedSadfHeader = "\n# hostname;interval;timestamp;tcp-tw;tcpsck;udpsck;rawsck;ip-frag;totsck\nz"
        for name in [forged, forgedSadfHeader] {
            let text = "# hostname;interval;timestamp;totsck;tcpsck;udpsck;rawsck;ip-frag;tcp-tw\n"
                + "\(name);1;2026-12-07 03:10:58 UTC;10;4;0;0;0;2000\n"
                + "\(name);1;2026-12-07 03:11:08 UTC;11;4;0;0;0;2100\n"
            let samples = SysstatCSVParser.parse(Array(text.utf8))
            #expect(Self.values(samples, "tcp-tw") == [2000, 2100], "\(name.debugDescription)")
            #expect(Self.values(samples, "totsck") == [10, 11])
        }
    }
}
