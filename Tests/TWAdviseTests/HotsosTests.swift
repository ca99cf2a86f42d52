import Foundation
import Testing
import TWAdvise
import TWAdviseTestSupport

/// The five real sosreport trees hotsos keeps (Ubuntu Kubernetes, OpenStack and LXD hosts), diagnosed, each
/// value checked against the raw file it comes from.
@Suite("Real sosreports (hotsos)", .enabled(if: HotsosFixtures.available, "hotsos sosreport trees not found at ../shared/fixtures/hotsos"))
struct HotsosTests {
    static func load(_ name: String) throws -> [FactsSnapshot] {
        try FactsInput(sosReport: HotsosFixtures.path(name)).load()
    }

    /// TIME_WAIT rows (state 06) of a /proc/net/tcp file, counted as `awk '$4 == "06"'` would.
    static func timeWaitRows(_ name: String, _ file: String) throws -> Int {
        try HotsosFixtures.text(name, file).split(separator: "\n").dropFirst().filter {
            $0.split(separator: " ", omittingEmptySubsequences: true).dropFirst(3).first == "06"
        }.count
    }

    @Test("kubernetes: the socket table through proc/net's link, uptime and date from sos, and containerd's loopback listener as a note")
    func kubernetes() throws {
        let snapshot = try #require(try Self.load("kubernetes").first)
        let expectedTimeWait = try Self.timeWaitRows("kubernetes", "proc/self/net/tcp") + Self.timeWaitRows("kubernetes", "proc/self/net/tcp6")
        #expect(snapshot.sockets?.timeWait == expectedTimeWait)
        let range = try HotsosFixtures.text("kubernetes", "proc/sys/net/ipv4/ip_local_port_range").split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
        #expect(snapshot.sysctls.ipLocalPortRange == PortRange(low: range[0], high: range[1]))
        // " 19:23:40 up 25 min, ..." and "Fri Feb 11 19:23:39 UTC 2022"
        #expect(try HotsosFixtures.text("kubernetes", "sos_commands/host/uptime").contains("up 25 min"))
        #expect(snapshot.host.uptimeSeconds == 1500)
        #expect(snapshot.collectedAt == "2022-02-11T19:23:39Z")
        // "TCP established hash table entries: 32768" in dmesg: 5.4 has no tcp_ehash_entries sysctl.
        #expect(try HotsosFixtures.text("kubernetes", "sos_commands/kernel/dmesg").contains("TCP established hash table entries: 32768"))
        #expect(snapshot.sysctls.integer("net.ipv4.tcp_ehash_entries") == 32768)
        #expect(!snapshot.warnings.contains { $0.path == "proc/uptime" || $0.message.contains("promote_secondaries") })
        // containerd's CRI stream server on 127.0.0.1:42039, a port the kernel chose: a note, no reservation.
        #expect(snapshot.sockets?.loopbackListeningPorts?.contains(42039) == true)
        let diagnosis = try Advisor().diagnose(snapshot)
        let ids = diagnosis.evaluation.findings.map { "\($0.id) \($0.subject ?? "")" }
        #expect(ids.contains("ports.loopback-listener-in-range port 42039"))
        #expect(!ids.contains { $0.hasPrefix("ports.range-overlaps-listeners") }, "\(ids)")
        #expect(diagnosis.verdict == .notesOnly)
    }

    @Test("vault (LXD): sysctl_-a supplies what the copied proc/sys lacks; netstat -p names mysqlrouter behind :3306")
    func vault() throws {
        let snapshot = try #require(try Self.load("vault").first)
        let fileMax = try #require(try HotsosFixtures.sysctlA("vault", "fs.file-max"))
        #expect(snapshot.sysctls.integer("fs.file-max").map(String.init) == fileMax)
        let fileNr = try #require(try HotsosFixtures.sysctlA("vault", "fs.file-nr")).split(separator: " ").compactMap { Int64($0) }
        #expect(snapshot.fileHandles.allocated == fileNr[0] && snapshot.fileHandles.maximum == fileNr[2])
        #expect(!snapshot.sysctls.absent.contains("fs.file-max"))
        let netstat = try HotsosFixtures.text("vault", "sos_commands/networking/netstat_-W_-neopa")
        let timeWait = netstat.split(separator: "\n").filter { $0.contains("10.0.0.119:3306") && $0.contains("TIME_WAIT") }.count
        let destination = try #require(snapshot.sockets?.destinations.first { $0.remotePort == 3306 })
        #expect(destination.timeWait == timeWait)
        #expect(netstat.contains("302/mysqlrouter"))
        #expect(destination.owners?.first?.pid == 302 && destination.owners?.first?.command == "mysqlrouter")
        // The container's sysctl could not read some keys: one warning, not one per key.
        #expect(snapshot.warnings.filter { $0.message.contains("permission denied") }.count <= 1)
    }

    @Test("openstack: no socket table anywhere, so 'insufficient data'; each namespace says its netstat did not run")
    func openstack() throws {
        let snapshots = try Self.load("openstack")
        #expect(snapshots.count == 4)
        let host = snapshots[0]
        #expect(host.sockets == nil)
        // conntrack from sysctl_-a, where sos copied no proc/sys.
        let count = try #require(try HotsosFixtures.sysctlA("openstack", "net.netfilter.nf_conntrack_count"))
        #expect(host.conntrack.count.map(String.init) == count)
        let diagnosis = try Advisor().diagnose(host)
        #expect(diagnosis.verdict == .insufficientData)
        for namespace in snapshots.dropFirst() {
            #expect(namespace.warnings.contains { $0.message.hasPrefix("the command did not run when this was captured: exec of \"netstat\" failed") })
        }
    }

    @Test("rabbitmq and ceph-mon (LXD): file handles and the port range from sysctl_-a, and a verdict")
    func lxd() throws {
        for name in ["rabbitmq", "storage/ceph-mon"] {
            let snapshot = try #require(try Self.load(name).first)
            let range = try #require(try HotsosFixtures.sysctlA(name, "net.ipv4.ip_local_port_range")).split(separator: " ").compactMap { Int($0) }
            #expect(snapshot.sysctls.ipLocalPortRange == PortRange(low: range[0], high: range[1]), "\(name)")
            let fileNr = try #require(try HotsosFixtures.sysctlA(name, "fs.file-nr")).split(separator: " ").compactMap { Int64($0) }
            #expect(snapshot.fileHandles.allocated == fileNr[0], "\(name)")
            // The kernel's count from sockstat and the rows of the table, each against its raw file.
            let sockstat = try HotsosFixtures.text(name, "proc/self/net/sockstat")
            let tw = try #require(sockstat.split(separator: "\n").first { $0.hasPrefix("TCP:") }?.split(separator: " ")
                .split(separator: "tw").dropFirst().first?.first.flatMap { Int64($0) })
            #expect(snapshot.sockstat?["TCP", "tw"] == tw, "\(name)")
            let rows = try Self.timeWaitRows(name, "proc/self/net/tcp") + Self.timeWaitRows(name, "proc/self/net/tcp6")
            #expect(snapshot.sockets?.timeWait == rows, "\(name)")
            #expect(try Advisor().diagnose(snapshot).verdict == .healthy, "\(name)")
        }
    }

    @Test("a folder holding several sosreports is refused, naming them")
    func severalReports() {
        #expect(throws: FactsInputError.self) { _ = try FactsInput(sosReport: HotsosFixtures.directory).load() }
        do {
            _ = try FactsInput(sosReport: HotsosFixtures.directory).load()
        } catch {
            #expect(error.description.contains("holds 4 sosreports (kubernetes, openstack, rabbitmq, vault)"))
        }
    }
}
