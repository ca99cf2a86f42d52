import Foundation
import Glibc
import Testing
import TWAdviseFacts
@testable import TWAdviseHistory
import TWAdviseTestSupport

/// A sosreport-like tree captured on 2026-12-07 12:00:00 UTC, up 1 day 2 hours (booted 2026-12-06 10:00:00 UTC).
func sosTree(_ files: [String: String], date: String = "Mon Dec  7 12:00:00 UTC 2026") throws -> TemporaryTree {
    var all = files
    all["sos_commands/date/date_--utc"] = date + "\n"
    all["sos_commands/host/uptime"] = " 12:00:00 up 1 day,  2:00,  1 user,  load average: 0.00, 0.00, 0.00\n"
    all["sos_commands/systemd/timedatectl"] = "                Time zone: Etc/UTC (UTC, +0000)       \n"
    return try TemporaryTree(all)
}

func read(_ tree: TemporaryTree, window: ClosedRange<Date>? = nil, bootTime: Date? = nil) -> History {
    KernelLogReader(source: FactSource(root: tree.root), bootTime: bootTime).read(window: window)
}

extension History {
    func event(_ kind: KernelMessageKind) -> KernelLogEvent? { kernelEvents.first { $0.kind == kind } }
    func gap(_ source: String) -> HistoryGap? { notRead.first { $0.source == source } }
}

/// `setfsuid(2)` (per thread; Glibc's module does not declare it): root's file capabilities go with fsuid 0.
private let setfsuid: (@convention(c) (UInt32) -> Int32)? = {
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "setfsuid") else { return nil }
    return unsafeBitCast(symbol, to: (@convention(c) (UInt32) -> Int32).self)
}()

@Suite("Kernel log reader")
struct KernelLogReaderTests {
    @Test("each form in its file, each dated: syslog, RFC 3339, dmesg by the boot time, dmesg -T, journal short and short-iso")
    func everyForm() throws {
        let tree = try sosTree([
            "var/log/kern.log": "Dec  7 03:12:40 web-1 kernel: [61960.000000] TCP: time wait bucket table overflow\n",
            "var/log/messages": "2026-12-07T04:00:00.500000+01:00 web-1 kernel: nf_conntrack: nf_conntrack: table full, dropping packet\n",
            "sos_commands/kernel/dmesg": "[ 3600.000000] TCP: request_sock_TCP: Possible SYN flooding on port [::]:443. Sending cookies.\n",
            "sos_commands/kernel/dmesg_-T": "[Sun Dec  6 12:30:00 2026] TCP: too many orphaned sockets\n",
            "sos_commands/logs/journalctl_--no-pager": "-- Logs begin at Sun 2026-12-06 10:00:00 UTC. --\nDec 07 05:00:00 web-1 kernel: TCP: out of memory -- consider tuning tcp_mem\n",
            "sos_commands/logs/journalctl_--no-pager_-o_short-iso": "2026-12-07T06:00:00+0000 web-1 kernel: VFS: file-max limit 1048576 reached\n",
        ])
        let history = read(tree)
        #expect(history.notRead == [])
        let expected: [(KernelMessageKind, String, String)] = [
            (.timeWaitBucketOverflow, "2026-12-07T03:12:40Z", "var/log/kern.log"),
            (.conntrackTableFull, "2026-12-07T03:00:00.5Z", "var/log/messages"),
            (.synFlooding, "2026-12-06T11:00:00Z", "sos_commands/kernel/dmesg"),
            (.tooManyOrphans, "2026-12-06T12:30:00Z", "sos_commands/kernel/dmesg_-T"),
            (.tcpOutOfMemory, "2026-12-07T05:00:00Z", "sos_commands/logs/journalctl_--no-pager"),
            (.fileMaxReached, "2026-12-07T06:00:00Z", "sos_commands/logs/journalctl_--no-pager_-o_short-iso"),
        ]
        #expect(history.kernelEvents.map(\.kind) == expected.map(\.0))
        for (kind, time, source) in expected {
            let event = try #require(history.event(kind))
            #expect(event.count == 1 && event.source == source, "\(kind)")
            #expect(abs(event.first.timeIntervalSince1970 - epoch(time)) < 0.001, "\(kind)")
            #expect(event.times.map(\.timeIntervalSince1970) == [event.first.timeIntervalSince1970])
        }
        #expect(history.event(.synFlooding)?.details == ["[::]:443"])
        #expect(history.event(.fileMaxReached)?.details == ["1048576"])
        #expect(history.event(.synFlooding)?.example == "[ 3600.000000] TCP: request_sock_TCP: Possible SYN flooding on port [::]:443. Sending cookies.")
    }

    @Test("year-less syslog across the new year: December before a January capture is the previous year")
    func newYear() throws {
        let tree = try sosTree([
            "var/log/kern.log": """
                Dec 31 23:59:59 h kernel: TCP: time wait bucket table overflow
                Jan  1 00:00:01 h kernel: TCP: time wait bucket table overflow

                """,
        ], date: "Sat Jan  2 00:00:00 UTC 2027")
        let event = try #require(read(tree).event(.timeWaitBucketOverflow))
        #expect(event.times.map(\.timeIntervalSince1970) == [epoch("2026-12-31T23:59:59Z"), epoch("2027-01-01T00:00:01Z")])
    }

    @Test("a host in UTC+1: syslog's local times shifted by timedatectl's offset")
    func timeZone() throws {
        let tree = try sosTree(["var/log/syslog": "Dec  7 03:12:40 h kernel: TCP: too many orphaned sockets\n"])
        try tree.write("sos_commands/systemd/timedatectl", "       Time zone: Europe/Paris (CET, +0100)\n")
        #expect(read(tree).event(.tooManyOrphans)?.first.timeIntervalSince1970 == epoch("2026-12-07T02:12:40Z"))
    }

    @Test("dmesg without a boot time is a gap, not a made-up time; with one it is dated")
    func dmesgBootTime() throws {
        let files = ["sos_commands/kernel/dmesg": "[  100.500000] TCP: too many orphaned sockets\n[  101.000000] usb 1-1: new device\n"]
        let undated = read(try TemporaryTree(files))
        #expect(undated.kernelEvents == [])
        #expect(undated.gap("sos_commands/kernel/dmesg")?.reason == "1 too_many_orphans not dated: no boot time to date dmesg")
        let boot = Date(timeIntervalSince1970: epoch("2026-12-06T10:00:00Z"))
        let dated = read(try TemporaryTree(files), bootTime: boot)
        #expect(dated.event(.tooManyOrphans)?.first == boot.addingTimeInterval(100.5))
        #expect(dated.notRead == [])
        // var/log/dmesg.0 holds an earlier boot: its times since boot are not this boot's.
        let earlier = read(try sosTree(["var/log/dmesg.0": "[    1.000000] kernel: TCP: too many orphaned sockets\n"]))
        #expect(earlier.kernelEvents == [])
        #expect(earlier.gap("var/log/dmesg.0")?.reason == "1 too_many_orphans not dated: dmesg of an earlier boot, no boot time to date it")
    }

    static let conntrackBurst = """
        Dec  7 03:00:00 h kernel: [100.000000] nf_conntrack: nf_conntrack: table full, dropping packet
        Dec  7 03:00:05 h kernel: [105.000000] net_ratelimit: 3939 callbacks suppressed
        Dec  7 03:00:05 h kernel: [105.000001] nf_conntrack: nf_conntrack: table full, dropping packet
        Dec  7 03:00:09 h kernel: [109.000000] kauditd_printk_skb: 23 callbacks suppressed
        Dec  7 03:00:10 h kernel: [110.000000] net_ratelimit: 12 callbacks suppressed
        Dec  7 03:00:10 h kernel: [110.000001] TCP: request_sock_TCP: Possible SYN flooding on port 80. Sending cookies.  Check SNMP counters.
        Dec  7 03:00:11 h sshd[9]: net_ratelimit: 5000 callbacks suppressed

        """

    @Test("net_ratelimit's suppressed counts go to the kind last seen in the file; other limiters are not counted")
    func suppressed() throws {
        let history = read(try sosTree(["var/log/kern.log": Self.conntrackBurst]))
        #expect(history.event(.conntrackTableFull)?.count == 2)
        #expect(history.event(.conntrackTableFull)?.suppressed == 3951)
        #expect(history.event(.synFlooding)?.suppressed == 0)
        #expect(history.event(.synFlooding)?.details == ["80"])
        // Before any message of the domain, the count waits for the next one.
        let first = read(try sosTree(["var/log/kern.log": """
            Dec  7 03:00:05 h kernel: [105.000000] net_ratelimit: 7 callbacks suppressed
            Dec  7 03:00:05 h kernel: [105.000001] TCP: too many orphaned sockets

            """]))
        #expect(first.event(.tooManyOrphans)?.suppressed == 7)
    }

    @Test("one message in kern.log, syslog and dmesg counts once; its suppressed count too")
    func deduplication() throws {
        let dmesg = Self.conntrackBurst.split(separator: "\n").map { line -> String in
            let start = line.firstIndex(of: "[")!
            return String(line[start...])
        }.joined(separator: "\n") + "\n"
        let history = read(try sosTree([
            "var/log/kern.log": Self.conntrackBurst, "var/log/syslog": Self.conntrackBurst,
            "sos_commands/kernel/dmesg": dmesg,
        ]))
        #expect(history.event(.conntrackTableFull)?.count == 2)
        #expect(history.event(.conntrackTableFull)?.suppressed == 3951)
        #expect(history.event(.synFlooding)?.count == 1)
        #expect(history.event(.conntrackTableFull)?.source == "var/log/kern.log")
        #expect(history.read == ["var/log/kern.log", "var/log/syslog", "sos_commands/kernel/dmesg"])
        // Two lines with the same text at two times are two messages.
        let twice = read(try sosTree(["var/log/kern.log": """
            Dec  7 03:00:00 h kernel: TCP: too many orphaned sockets
            Dec  7 03:00:01 h kernel: TCP: too many orphaned sockets
            Dec  7 03:00:01 h kernel: TCP: too many orphaned sockets

            """]))
        #expect(twice.event(.tooManyOrphans)?.count == 2)
    }

    @Test("rotated files: kern.log, kern.log.1 and kern.log.2.gz (gzip -9) merged into one event",
          .enabled(if: GzipTool.path != nil, "gzip not installed"))
    func rotated() throws {
        let tree = try sosTree([
            "var/log/kern.log": "Dec  7 03:00:00 h kernel: TCP: too many orphaned sockets\n",
            "var/log/kern.log.1": "Dec  6 03:00:00 h kernel: TCP: too many orphaned sockets\n",
            "var/log/kern.log.10": "Nov 26 03:00:00 h kernel: TCP: too many orphaned sockets\n",
        ])
        let old = Array("Dec  5 03:00:00 h kernel: TCP: too many orphaned sockets\n".utf8) + sampleLog(lines: 5000)
        try tree.write("var/log/kern.log.2.gz", try GzipTool.compress(old, level: "-9"))
        let history = read(tree)
        let event = try #require(history.event(.tooManyOrphans))
        #expect(event.count == 4)
        #expect(event.first.timeIntervalSince1970 == epoch("2026-11-26T03:00:00Z"))
        #expect(event.last.timeIntervalSince1970 == epoch("2026-12-07T03:00:00Z"))
        #expect(history.read == ["var/log/kern.log", "var/log/kern.log.1", "var/log/kern.log.2.gz", "var/log/kern.log.10"])
        #expect(event.source == history.read.joined(separator: ", "))
        #expect(history.notRead == [])
    }

    @Test("a window keeps only the messages logged in it")
    func window() throws {
        let tree = try sosTree(["var/log/kern.log": Self.conntrackBurst])
        let window = Date(timeIntervalSince1970: epoch("2026-12-07T03:00:04Z"))...Date(timeIntervalSince1970: epoch("2026-12-07T03:00:06Z"))
        let history = read(tree, window: window)
        #expect(history.event(.conntrackTableFull)?.count == 1)
        #expect(history.event(.conntrackTableFull)?.suppressed == 3939)
        #expect(history.event(.synFlooding) == nil)
    }

    @Test("confinement: a kern.log linking to /etc/shadow is refused")
    func symlinkOut() throws {
        let tree = try sosTree([:])
        try tree.symlink("var/log/kern.log", to: "/etc/shadow")
        let history = read(tree)
        #expect(history.read == [])
        #expect(history.gap("var/log/kern.log")?.reason.contains("outside the directory read") == true)
    }

    @Test("a FIFO named kern.log neither blocks nor is read", .timeLimit(.minutes(1)))
    func fifo() throws {
        let tree = try sosTree(["var/log/syslog": "Dec  7 03:00:00 h kernel: TCP: too many orphaned sockets\n"])
        #expect(mkfifo(tree.path("var/log/kern.log"), 0o644) == 0)
        let history = read(tree)
        #expect(history.gap("var/log/kern.log")?.reason == "not a regular file (a FIFO, device or socket); not read")
        #expect(history.event(.tooManyOrphans)?.count == 1)
    }

    @Test("bad files: truncated and fake .gz, an empty file, lines of garbage and huge numbers", .enabled(if: GzipTool.path != nil, "gzip not installed"))
    func badFiles() throws {
        let tree = try sosTree([
            "var/log/kern.log": "",
            "var/log/kern.log.2.gz": "not gzip at all\n",
            "var/log/syslog": """
                \u{0}\u{1}garbage line TCP: too many orphaned sockets
                Dec  7 03:00:00 h kernel: [99999999999999999999.000000] TCP: too many orphaned sockets
                Dec  7 03:00:00 h kernel: net_ratelimit: 999999999999999999999999 callbacks suppressed
                Dec  7 03:00:00 h kernel: VFS: file-max limit 99999999999999999999999999 reached
                Dec 99 03:00:00 h kernel: TCP: too many orphaned sockets
                [ 1.0] TCP: too many orphaned sockets
                """,
        ])
        let compressed = try GzipTool.compress(sampleLog(lines: 2000), level: "-1")
        try tree.write("var/log/kern.log.1.gz", Array(compressed.prefix(compressed.count / 2)))
        let history = read(tree)
        #expect(history.gap("var/log/kern.log.1.gz")?.reason == "gzip data truncated")
        #expect(history.gap("var/log/kern.log.2.gz")?.reason == "not a gzip file")
        #expect(history.read == ["var/log/kern.log", "var/log/syslog"])
        // The line with a huge stamp still has its syslog time; it is the only message counted.
        #expect(history.kernelEvents.map(\.kind) == [.tooManyOrphans])
        #expect(history.event(.tooManyOrphans)?.count == 1)
        #expect(history.event(.tooManyOrphans)?.suppressed == 0)
    }

    @Test("a file larger than the bound is read from its end, and says so")
    func bound() throws {
        var text = String(repeating: "Dec  7 02:00:00 h kernel: TCP: too many orphaned sockets\n", count: 100)
        text += "Dec  7 03:00:00 h kernel: TCP: too many orphaned sockets\n"
        let tree = try sosTree(["var/log/kern.log": text])
        var reader = KernelLogReader(source: FactSource(root: tree.root))
        reader.limits.bytesPerFile = 1000
        let history = reader.read()
        #expect(history.gap("var/log/kern.log")?.reason == "larger than 1000 bytes: only its last 1000 bytes read")
        #expect(history.event(.tooManyOrphans)?.last.timeIntervalSince1970 == epoch("2026-12-07T03:00:00Z"))
        #expect(history.event(.tooManyOrphans)?.count == 2)
        reader.limits.bytesPerFile = 64 << 20
        reader.limits.timesPerKind = 1
        let cut = reader.read()
        #expect(cut.event(.tooManyOrphans)?.count == 2)
        #expect(cut.event(.tooManyOrphans)?.times.map(\.timeIntervalSince1970) == [epoch("2026-12-07T03:00:00Z")])
        #expect(cut.gap("kernel log")?.reason == "too_many_orphans: 2 lines, the times of the latest 1 kept")
    }

    @Test("permission denied is a gap, not an error (fsuid nobody drops root's file capabilities on this thread)",
          .enabled(if: geteuid() == 0 && setfsuid != nil, "needs root to take another filesystem uid"))
    func permissionDenied() throws {
        let tree = try sosTree(["var/log/kern.log": "Dec  7 03:00:00 h kernel: TCP: too many orphaned sockets\n",
                                "var/log/syslog": "Dec  7 03:00:01 h kernel: TCP: too many orphaned sockets\n"])
        tree.makeWorldReadable()
        tree.chmod("var/log/kern.log", 0o600)
        _ = setfsuid!(65534)
        defer { _ = setfsuid!(0) }
        let history = read(tree)
        _ = setfsuid!(0)
        #expect(history.gap("var/log/kern.log")?.reason == "permission denied")
        #expect(history.read == ["var/log/syslog"])
        #expect(history.event(.tooManyOrphans)?.count == 1)
    }

    @Test("the ring buffer: kernel records dated by the boot time, user records (facility 1) left out")
    func ringBufferRecords() throws {
        let tree = try TemporaryTree(["kmsg": """
            6,100,3600000000,-;TCP: request_sock_TCP: Possible SYN flooding on port 0.0.0.0:7070. Sending cookies.
             SUBSYSTEM=net
            14,101,3600000001,-;TCP: request_sock_TCP: Possible SYN flooding on port 0.0.0.0:7070. Sending cookies.
            4,102,3700000000,-;nf_conntrack: nf_conntrack: table full, dropping packet

            """])
        let boot = Date(timeIntervalSince1970: epoch("2026-12-06T10:00:00Z"))
        var reader = KernelLogReader(source: FactSource(root: "/"), referenceDate: boot.addingTimeInterval(7200), bootTime: boot)
        reader.ringBufferPath = tree.path("kmsg")
        let history = reader.readRingBuffer()
        #expect(history.read == [tree.path("kmsg")])
        #expect(history.event(.synFlooding)?.count == 1)
        #expect(history.event(.synFlooding)?.first == boot.addingTimeInterval(3600))
        #expect(history.event(.synFlooding)?.details == ["0.0.0.0:7070"])
        #expect(history.event(.conntrackTableFull)?.first == boot.addingTimeInterval(3700))
    }

    @Test("the live /dev/kmsg is read to its end without blocking, or says why not", .timeLimit(.minutes(1)))
    func liveRingBuffer() {
        let history = KernelLogReader(source: FactSource(root: "/")).readRingBuffer()
        #expect(history.read == ["/dev/kmsg"] || history.gap("/dev/kmsg") != nil)
        let missing = {
            var reader = KernelLogReader(source: FactSource(root: "/"))
            reader.ringBufferPath = "/nonexistent/kmsg"
            return reader.readRingBuffer()
        }()
        #expect(missing.gap("/nonexistent/kmsg")?.reason == "No such file or directory")
    }
}

/// One reading of a tree's logs has a budget of bytes over all its files, and sysstat one of text bytes and
/// of binary files: a small tree of hard links to one large file is cut, and says so.
@Suite("History budgets")
struct HistoryBudgetTests {
    @Test("the kernel logs stop at the byte budget, naming the first file not read")
    func kernelLogBudget() throws {
        let line = "2026-12-07T03:19:50.000001+00:00 web1 kernel: [12345.678901] TCP: time wait bucket table overflow\n"
        let tree = try TemporaryTree(["var/log/kern.log": String(repeating: line, count: 100), "var/log/syslog": String(repeating: line, count: 100)])
        var reader = KernelLogReader(source: FactSource(root: tree.root))
        reader.limits.totalBytes = line.utf8.count * 100
        let history = reader.read()
        #expect(history.read.count == 1)
        #expect(history.notRead.contains { $0.reason.contains("the budget of") && $0.reason.contains("is spent") })
    }

    @Test("sysstat stops at its text budget and its count of binary files")
    func sysstatBudget() throws {
        let text = "Linux 6.1.0 (h) \t12/07/2026 \t_x86_64_\t(2 CPU)\n\n10:00:00 tcpsck tcp-tw\n10:00:10 1 2\n"
        let tree = try TemporaryTree(["var/log/sysstat/sar05": text, "var/log/sysstat/sar06": text, "var/log/sysstat/sar07": text])
        var reader = SysstatReader(source: FactSource(root: tree.root), timeZone: .gmt, sadf: nil)
        reader.totalTextBytes = text.utf8.count * 2
        let history = reader.read()
        #expect(history.read.count == 2)
        #expect(history.notRead.map(\.description) == ["var/log/sysstat/sar07: the budget of 0 MiB of sar text is spent: this file and those after it are not read"])
    }
}
