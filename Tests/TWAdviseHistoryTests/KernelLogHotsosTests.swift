import Foundation
import Testing
import TWAdviseFacts
@testable import TWAdviseHistory
import TWAdviseTestSupport

/// The five real sosreport trees (hotsos), read in place.
@Suite("Kernel log of real sosreports (hotsos)", .enabled(if: HotsosFixtures.available, "hotsos sosreport trees not found at ../shared/fixtures/hotsos"))
struct KernelLogHotsosTests {
    /// Lines holding a message of the domain, counted as `grep -c -E` with the catalogue's texts would.
    static func grepCount(_ tree: String, _ file: String) throws -> Int {
        let pattern = ["time wait bucket table overflow", "table full, dropping packet", "SYN flooding on port",
                       "orphaned sockets", "Out of socket memory", "consider tuning tcp_mem", "file-max limit"]
        return try HotsosFixtures.text(tree, file).split(separator: "\n").filter { line in pattern.contains { line.contains($0) } }.count
    }

    @Test("each tree: every kernel log read, nothing left undated, and as many events as grep finds (none)", arguments: [
        ("kubernetes", ["var/log/kern.log", "var/log/dmesg", "sos_commands/kernel/dmesg"], 10),
        ("openstack", ["var/log/kern.log", "var/log/dmesg", "sos_commands/kernel/dmesg"], 15),
        ("rabbitmq", ["var/log/dmesg", "sos_commands/kernel/dmesg"], 5),
        ("vault", ["var/log/dmesg", "sos_commands/kernel/dmesg"], 6),
        ("storage/ceph-mon", ["sos_commands/kernel/dmesg"], 5),
    ])
    func tree(name: String, files: [String], suppressedLines: Int) throws {
        let history = KernelLogReader(source: FactSource(root: HotsosFixtures.path(name))).read()
        #expect(history.read == files)
        #expect(history.notRead == [])
        let found = try files.reduce(0) { $0 + (try Self.grepCount(name, $1)) }
        #expect(found == 0)
        #expect(history.kernelEvents.reduce(0) { $0 + $1.count } == found)
        // Their "callbacks suppressed" lines (grep -c) are all kauditd's, none net_ratelimit's: nothing to attribute.
        let texts = try files.map { try HotsosFixtures.text(name, $0) }
        let suppressed = texts.flatMap { $0.split(separator: "\n") }.filter { $0.contains("callbacks suppressed") }
        #expect(suppressed.count == suppressedLines)
        #expect(suppressed.allSatisfy { $0.contains("kauditd_printk_skb: ") })
    }

    @Test("kubernetes' real kern.log and dmesg with one SYN flood added to both: dated from the tree, counted once")
    func kubernetesWithFlood() throws {
        let name = "kubernetes"
        // Captured "Fri Feb 11 19:23:39 UTC 2022", up 25 min: booted 18:58:39, so [600.000000] is 19:08:39.
        let flood = "TCP: request_sock_TCP: Possible SYN flooding on port 6443. Sending cookies.  Check SNMP counters."
        let tree = try TemporaryTree([
            "sos_commands/date/date_--utc": try HotsosFixtures.text(name, "sos_commands/date/date_--utc"),
            "sos_commands/host/uptime": try HotsosFixtures.text(name, "sos_commands/host/uptime"),
            "sos_commands/systemd/timedatectl": try HotsosFixtures.text(name, "sos_commands/systemd/timedatectl"),
            "var/log/kern.log": try HotsosFixtures.text(name, "var/log/kern.log")
                + "Feb 11 19:08:40 juju-110cc2-k8stest-4 kernel: [  600.000000] \(flood)\n",
            "sos_commands/kernel/dmesg": try HotsosFixtures.text(name, "sos_commands/kernel/dmesg") + "[  600.000000] \(flood)\n",
        ])
        let history = KernelLogReader(source: FactSource(root: tree.root)).read()
        #expect(history.notRead == [])
        let event = try #require(history.event(.synFlooding))
        #expect(event.count == 1)
        #expect(event.details == ["6443"])
        #expect(event.first.timeIntervalSince1970 == epoch("2022-02-11T19:08:40Z"))
        #expect(event.source == "var/log/kern.log")
        #expect(history.kernelEvents.count == 1)
    }
}
