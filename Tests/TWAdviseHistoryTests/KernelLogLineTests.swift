import Foundation
import Testing
@testable import TWAdviseHistory

/// Seconds since 1970 of an RFC 3339 time written in the test.
func epoch(_ iso: String) -> Double {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    if let date = formatter.date(from: iso) { return date.timeIntervalSince1970 }
    formatter.formatOptions = [.withInternetDateTime]
    return formatter.date(from: iso)!.timeIntervalSince1970
}

@Suite("Kernel log line forms")
struct KernelLogLineTests {
    @Test("syslog: year-less local time, host, kernel tag, the kernel's own stamp")
    func syslog() {
        let line = KernelLogLine("Dec  7 03:12:40 web-1 kernel: [12345.678901] TCP: time wait bucket table overflow")
        #expect(line.time == .yearless(month: 12, day: 7, secondOfDay: 11_560))
        #expect(line.monotonicMicroseconds == 12_345_678_901)
        #expect(line.text == "TCP: time wait bucket table overflow")
        #expect(line.isKernel)
    }

    @Test("journalctl short (zero-padded day) and short-precise (microseconds)")
    func journalShort() {
        let short = KernelLogLine("Dec 07 03:12:40 web-1 kernel: TCP: too many orphaned sockets")
        #expect(short.time == .yearless(month: 12, day: 7, secondOfDay: 11_560))
        #expect(short.monotonicMicroseconds == nil && short.isKernel && short.text == "TCP: too many orphaned sockets")
        let precise = KernelLogLine("Dec  7 03:12:40.250000 web-1 kernel: TCP: too many orphaned sockets")
        #expect(precise.time == .yearless(month: 12, day: 7, secondOfDay: 11_560.25))
    }

    @Test("another program's line quoting a kernel message is not the kernel's")
    func otherTag() {
        #expect(!KernelLogLine("Dec  7 03:12:40 web-1 myscript[42]: TCP: time wait bucket table overflow").isKernel)
        #expect(!KernelLogLine("2026-12-07T03:12:40+00:00 web-1 kernel-helper: TCP: too many orphaned sockets").isKernel)
    }

    @Test("RFC 3339 (rsyslog high precision, journalctl short-iso old and new, short-iso-precise)", arguments: [
        ("2026-12-07T03:12:40.123456+01:00 web-1 kernel: X", "2026-12-07T02:12:40.123456Z"),
        ("2026-12-07T03:12:40+0000 web-1 kernel: X", "2026-12-07T03:12:40Z"),
        ("2026-12-07T03:12:40-05:30 web-1 kernel: X", "2026-12-07T08:42:40Z"),
        ("2026-12-07T03:12:40Z web-1 kernel: X", "2026-12-07T03:12:40Z"),
    ])
    func rfc3339(line: String, utc: String) {
        let parsed = KernelLogLine(Substring(line))
        guard case .absolute(let t)? = parsed.time else {
            Issue.record("no absolute time in \(line)")
            return
        }
        // The test's ISO8601DateFormatter keeps milliseconds only.
        #expect(abs(t - epoch(utc)) < 0.001)
        #expect(parsed.isKernel && parsed.text == "X")
    }

    @Test("dmesg: seconds since boot; var/log/dmesg's kernel: tag; CONFIG_PRINTK_CALLER's [C1]")
    func dmesg() {
        let plain = KernelLogLine("[ 12345.678901] TCP: too many orphaned sockets")
        #expect(plain.time == .sinceBoot(12_345.678901) && plain.text == "TCP: too many orphaned sockets" && plain.isKernel)
        let tagged = KernelLogLine("[    5.000000] kernel: VFS: file-max limit 65536 reached")
        #expect(tagged.text == "VFS: file-max limit 65536 reached" && tagged.monotonicMicroseconds == 5_000_000)
        let caller = KernelLogLine("[  601.749973][    C1] TCP: request_sock_TCP: Possible SYN flooding on port 127.0.0.1:23456. Sending cookies.")
        #expect(caller.text.hasPrefix("TCP: request_sock_TCP") && caller.monotonicMicroseconds == 601_749_973)
    }

    @Test("dmesg -T: local wall-clock time with a year")
    func dmesgT() {
        let line = KernelLogLine("[Mon Dec  7 03:12:40 2026] TCP: too many orphaned sockets")
        #expect(line.time == .local(epoch("2026-12-07T03:12:40Z")))
        #expect(line.text == "TCP: too many orphaned sockets" && line.isKernel)
    }

    @Test("/dev/kmsg record: microseconds since boot; only facility 0 is the kernel")
    func kmsg() {
        let kernel = KernelLogLine("6,1234,12345678,-;TCP: too many orphaned sockets")
        #expect(kernel.time == .sinceBoot(12.345678) && kernel.isKernel && kernel.text == "TCP: too many orphaned sockets")
        #expect(!KernelLogLine("14,1235,12345679,-;TCP: too many orphaned sockets").isKernel)
    }

    @Test("garbage, huge numbers and impossible dates give no time", arguments: [
        "", "[", "]", "[]", "[ 99999999999999999.000000] TCP: too many orphaned sockets", "[12.34] x",
        "Feb 30 03:12:40 h kernel: x", "Dec 7 03:12:40 h kernel: x", "Dec  7 25:12:40 h kernel: x",
        "2026-02-30T03:12:40Z h kernel: x", "99999-12-07T03:12:40Z h kernel: x", "2026-12-07T03:12:40 h kernel: x",
        "6,1,99999999999999999999,-;x", "[Mon Dec 32 03:12:40 2026] x", "\u{1F600}\u{301} kernel: x",
    ])
    func garbage(line: String) {
        let parsed = KernelLogLine(Substring(line))
        // Feb 30 parses as a year-less time: the day is checked when the year is known (the reader drops it).
        if case .yearless(2, 30, _)? = parsed.time { return }
        #expect(parsed.time == nil)
    }

    @Test("civil time: leap days, the epoch, round trip of year and month")
    func civil() {
        #expect(CivilTime.days(year: 1970, month: 1, day: 1) == 0)
        #expect(CivilTime.days(year: 2024, month: 2, day: 29) != nil)
        #expect(CivilTime.days(year: 2026, month: 2, day: 29) == nil)
        #expect(CivilTime.days(year: 2000, month: 3, day: 1)! * 86_400 == Int(epoch("2000-03-01T00:00:00Z")))
        #expect(CivilTime.yearMonth(epoch("2026-12-31T23:59:59Z")) == (2026, 12))
        #expect(CivilTime.yearMonth(epoch("2027-01-01T00:00:00Z")) == (2027, 1))
    }
}

@Suite("Kernel message catalogue")
struct KernelLogCatalogueTests {
    @Test("each message in each kernel's form, with its detail", arguments: [
        // tcp_minisocks.c tcp_time_wait(), 2.6 to 3.x
        ("TCP: time wait bucket table overflow", KernelMessageKind.timeWaitBucketOverflow, nil as String?),
        // nf_conntrack_core.c: 2.6 (trailing dot), later through pr_fmt (prefix twice); ip_conntrack before 2.6.22
        ("nf_conntrack: table full, dropping packet.", .conntrackTableFull, nil),
        ("nf_conntrack: nf_conntrack: table full, dropping packet", .conntrackTableFull, nil),
        ("ip_conntrack: table full, dropping packet.", .conntrackTableFull, nil),
        // tcp_syn_flood_action(): 2.6, 3.x-6.1, 6.2+ IPv4 and IPv6
        ("TCP: Possible SYN flooding on port 80. Sending cookies.", .synFlooding, "80"),
        ("possible SYN flooding on port 4671. Sending cookies.", .synFlooding, "4671"),
        ("TCP: TCP: Possible SYN flooding on port 8080. Dropping request.  Check SNMP counters.", .synFlooding, "8080"),
        ("TCP: request_sock_TCP: Possible SYN flooding on port 443. Sending cookies.  Check SNMP counters.", .synFlooding, "443"),
        ("TCP: request_sock_TCPv6: Possible SYN flooding on port 34391. Dropping request.  Check SNMP counters.", .synFlooding, "34391"),
        ("TCP: request_sock_TCP: Possible SYN flooding on port 0.0.0.0:7070. Sending cookies.", .synFlooding, "0.0.0.0:7070"),
        ("TCP: request_sock_TCP: Possible SYN flooding on port [::]:443. Sending cookies.", .synFlooding, "[::]:443"),
        // tcp_check_oom() 3.x+, tcp_close() 2.4, tcp_out_of_resources() 2.6
        ("TCP: too many orphaned sockets", .tooManyOrphans, nil),
        ("TCP: too many of orphaned sockets", .tooManyOrphans, nil),
        ("Out of socket memory", .tooManyOrphans, nil),
        ("TCP: out of memory -- consider tuning tcp_mem", .tcpOutOfMemory, nil),
        // fs/file_table.c
        ("VFS: file-max limit 1048576 reached", .fileMaxReached, "1048576"),
    ])
    func messages(text: String, kind: KernelMessageKind, detail: String?) {
        #expect(KernelLogCatalogue.classify(Substring(text)) == .message(kind, detail: detail))
    }

    @Test("net_ratelimit's suppressed count; other limiters and bad numbers are not counted")
    func suppressed() {
        #expect(KernelLogCatalogue.classify("net_ratelimit: 3939 callbacks suppressed") == .suppressed(3939))
        #expect(KernelLogCatalogue.classify("kauditd_printk_skb: 23 callbacks suppressed") == nil)
        #expect(KernelLogCatalogue.classify("net_ratelimit: 99999999999 callbacks suppressed") == nil)
        #expect(KernelLogCatalogue.classify("net_ratelimit: callbacks suppressed") == nil)
        #expect(KernelLogCatalogue.classify("VFS: file-max limit 123456789012345678901 reached") == nil)
        #expect(KernelLogCatalogue.classify("VFS: file-max limit reached") == nil)
        #expect(KernelLogCatalogue.classify("nfs: server table full, dropping packet") == nil)
        #expect(KernelLogCatalogue.classify("Impossible SYN flooding on port 1. x") == nil)
    }

    @Test("every message text holds one of the anchors the files are searched for")
    func anchors() {
        let texts = ["TCP: time wait bucket table overflow", "ip_conntrack: table full, dropping packet.",
                     "possible SYN flooding on port 4671.", "TCP: too many of orphaned sockets", "Out of socket memory",
                     "TCP: out of memory -- consider tuning tcp_mem", "VFS: file-max limit 1 reached",
                     "net_ratelimit: 1 callbacks suppressed"]
        for text in texts {
            #expect(KernelLogCatalogue.anchors.contains { text.contains($0) }, "\(text)")
        }
    }
}
