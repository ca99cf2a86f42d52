import Testing
@testable import TWAdviseFacts
import TWAdviseTestSupport

/// Parsers against data captured by other projects, checked against the values those projects assert
/// (`expected.json`) and, where marked, the collector's own reading (`observed.json`).
@Suite("Peer fixtures", .enabled(if: PeerFixtures.available, Comment(rawValue: PeerFixtures.skipReason)))
struct PeerFixtureTests {
    static let sockstatFiles = [
        "prometheus-procfs/proc/net/sockstat", "prometheus-procfs/proc/net/sockstat6",
        "prometheus-procfs/inline/sockstat.ipv4", "prometheus-procfs/inline/sockstat6.ipv6",
        "prometheus-node_exporter/proc/net/sockstat", "prometheus-node_exporter/proc/net/sockstat6",
        "insights-core/proc/net/sockstat.SOCK_STATS", "insights-core/proc/net/sockstat.SOCK_STATS_DOC",
    ]

    @Test("sockstat values match what the peers assert", arguments: sockstatFiles)
    func sockstat(file: String) throws {
        let expected = try #require(try PeerFixtures.expected()[file])
        var warnings: [FactWarning] = []
        let parsed = SockstatParser.parse(try PeerFixtures.bytes(file), path: file, warnings: &warnings)
        #expect(warnings.isEmpty, "\(warnings)")
        for (field, value) in expected where field != "TCP.mem_bytes_at_4k_pages" {
            let parts = field.split(separator: ".").map(String.init)
            let actual = parsed[parts[0], parts[1]]
            switch value {
            case .null: #expect(actual == nil, "\(file) \(field) should be absent")
            case .number(let n): #expect(actual == n, "\(file) \(field)")
            default: Issue.record("unexpected expectation \(value) for \(field)")
            }
        }
    }

    @Test("the sockstat lines the peers reject give a warning and unknown values",
          arguments: ["prometheus-procfs/inline/sockstat.malformed_bad_line", "prometheus-procfs/inline/sockstat.malformed_bad_kv"])
    func sockstatMalformed(file: String) throws {
        #expect(try PeerFixtures.expected()[file]?["parse_error"] == .bool(true))
        var warnings: [FactWarning] = []
        let parsed = SockstatParser.parse(try PeerFixtures.bytes(file), path: file, warnings: &warnings)
        #expect(warnings.count == 1)
        #expect(warnings.first?.path == file && warnings.first?.line == 1)
        #expect(parsed["TCP", "inuse"] == nil && parsed["sockets", "used"] == nil)
    }

    static let counterFiles = [
        "prometheus-procfs/proc/26231/net/netstat", "prometheus-procfs/proc/26231/net/snmp",
        "prometheus-node_exporter/proc/net/netstat", "prometheus-node_exporter/proc/net/snmp",
        "datadog-integrations-core/network/tests/fixtures/net/netstat",
        "datadog-integrations-core/network/tests/fixtures/net/snmp",
        "insights-core/proc/net/netstat.PROC_NETSTAT", "insights-core/proc/net/netstat.PROC_NETSTAT_2.shifted",
    ]

    @Test("netstat and snmp counters match by name", arguments: counterFiles)
    func counters(file: String) throws {
        var warnings: [FactWarning] = []
        let parsed = CounterTableParser.parse(try PeerFixtures.bytes(file), path: file, warnings: &warnings)
        #expect(warnings.isEmpty, "\(warnings)")
        let expected = (try PeerFixtures.expected()[file] ?? [:]).merging(try PeerFixtures.observed()[file] ?? [:]) { e, _ in e }
        #expect(!expected.isEmpty)
        for (field, value) in expected {
            if field == "total_keys" {
                #expect(Int64(parsed.sections.values.reduce(0) { $0 + $1.count }) == value.number)
                continue
            }
            let parts = field.split(separator: ".", maxSplits: 1).map(String.init)
            #expect(parsed[parts[0], parts[1]] == value.number, "\(file) \(field)")
        }
    }

    @Test("a netstat whose header and values disagree in count is rejected section by section")
    func countersMalformed() throws {
        let file = "insights-core/proc/net/netstat.PROC_NETSTAT_4.malformed"
        #expect(try PeerFixtures.expected()[file]?["parse_error"] == .bool(true))
        var warnings: [FactWarning] = []
        let parsed = CounterTableParser.parse(try PeerFixtures.bytes(file), path: file, warnings: &warnings)
        #expect(parsed.sections["TcpExt"] == nil)
        #expect(parsed.sections["IpExt"] == nil)
        #expect(warnings.count == 2)
        #expect(warnings.allSatisfy { $0.path == file && $0.line != nil && $0.message.contains("names but") })
    }

    @Test("TcpExt.TCPTimeWaitOverflow is read where the collector saw it non-zero")
    func overflowCounter() throws {
        var warnings: [FactWarning] = []
        let parsed = CounterTableParser.parse(
            try PeerFixtures.bytes("prometheus-procfs/proc/26231/net/netstat"), path: "x", warnings: &warnings)
        #expect(parsed["TcpExt", "TCPTimeWaitOverflow"] == 3)
        // A kernel without tcp_tw_recycle no longer has PAWSPassive: unknown, not 0.
        #expect(parsed["TcpExt", "PAWSPassive"] == nil)
    }

    @Test("PAWSPassive is read where the kernel has it (RHEL 7 era capture), and stays unknown where it does not")
    func pawsPassive() throws {
        var warnings: [FactWarning] = []
        let rhel7 = CounterTableParser.parse(
            try PeerFixtures.bytes("insights-core/proc/net/netstat.PROC_NETSTAT"), path: "a", warnings: &warnings)
        #expect(rhel7["TcpExt", "PAWSPassive"] == 0)
        let modern = CounterTableParser.parse(
            try PeerFixtures.bytes("datadog-integrations-core/network/tests/fixtures/net/netstat"), path: "b", warnings: &warnings)
        #expect(modern["TcpExt", "PAWSPassive"] == nil)
        #expect(modern["TcpExt", "TW"] == 3959869)
        #expect(warnings.isEmpty)
    }

    static let tcpTables = [
        "prometheus-procfs/proc/net/tcp", "prometheus-procfs/proc/net/tcp6",
        "gravitational-careers/challenges/platform/devops.md.proc_net_tcp",
    ]

    @Test("socket tables: line decoding and state counts", arguments: tcpTables)
    func tcpTable(file: String) throws {
        let expected = try PeerFixtures.expected()[file] ?? [:]
        let bytes = try PeerFixtures.bytes(file)
        var aggregator = SocketAggregator(ephemeralRange: PortRange.kernelDefault)
        var parser = ProcNetTCPParser(path: file)
        parser.parse(bytes, into: &aggregator)
        #expect(parser.malformedLines == 0, "\(parser.warnings)")
        let (table, _) = aggregator.finish(sources: [file], readIPv4: true, readIPv6: true, malformedLines: 0, topDestinations: 10)
        let lines = splitLines(bytes).dropFirst().map { ProcNetTCPParser.decode(Array($0.text)) }
        for (field, value) in expected {
            if field == "entries" {
                #expect(Int64(parser.sockets) == value.number)
            } else if field.hasPrefix("state_counts.") {
                let state = try #require(TCPState(name: String(field.dropFirst("state_counts.".count))))
                #expect(Int64(table.all[state]) == value.number, "\(field)")
            } else if field.hasPrefix("line"), let dot = field.firstIndex(of: ".") {
                let index = try #require(Int(field.dropFirst(4).prefix(upTo: dot)))
                guard case .socket(let socket) = lines[index] else {
                    Issue.record("line \(index) did not decode")
                    continue
                }
                let column = String(field[field.index(after: dot)...])
                func endpoint(_ a: IPAddress, _ p: UInt16) -> String { a.isIPv6 ? "[\(a)]:\(p)" : "\(a):\(p)" }
                switch column {
                case "local": #expect(endpoint(socket.localAddress, socket.localPort) == value.string)
                case "remote": #expect(endpoint(socket.remoteAddress, socket.remotePort) == value.string)
                case "st": #expect(Int64(socket.state.rawValue) == value.number)
                case "sl": #expect(Int64(socket.slot) == value.number)
                default: break  // tx/rx queues, uid, inode: not part of the snapshot
                }
            }
        }
        let observed = try PeerFixtures.observed()[file] ?? [:]
        for (field, value) in observed where field.hasPrefix("state_counts.") {
            let state = try #require(TCPState(name: String(field.dropFirst("state_counts.".count))))
            #expect(Int64(table.all[state]) == value.number, "\(field)")
        }
    }

    @Test("addresses decode as the peer documents (IP little-endian, port big-endian)")
    func decodeExamples() throws {
        let expected = try #require(try PeerFixtures.expected()["gravitational-careers/challenges/platform/devops.md.proc_net_tcp"])
        for (field, value) in expected where field.hasPrefix("decode.") {
            let hex = Array(field.dropFirst("decode.".count).utf8)
            let endpoint = try #require(hex.withUnsafeBufferPointer { ProcNetTCPParser.decodeEndpoint($0) })
            #expect("\(endpoint.address):\(endpoint.port)" == value.string)
        }
    }

    @Test("the gravitational capture: TIME_WAIT toward port 80 is outbound, per destination")
    func gravitationalDestinations() throws {
        var aggregator = SocketAggregator(ephemeralRange: PortRange.kernelDefault)
        var parser = ProcNetTCPParser(path: "tcp")
        parser.parse(try PeerFixtures.bytes("gravitational-careers/challenges/platform/devops.md.proc_net_tcp"), into: &aggregator)
        let (table, _) = aggregator.finish(sources: ["tcp"], readIPv4: true, readIPv6: false, malformedLines: 0, topDestinations: 50)
        #expect(table.timeWait == 4)
        #expect(table.outboundTimeWait == 4)
        let hot = try #require(table.destinations.first { $0.remoteAddress.description == "91.189.88.152" && $0.remotePort == 80 })
        #expect(hot.timeWait == 2)
        #expect(hot.localAddress.description == "10.162.15.225")
    }

    @Test("nf_conntrack per-CPU statistics are summed as node_exporter reports them",
          arguments: ["prometheus-node_exporter/proc/net/stat/nf_conntrack", "prometheus-procfs/inline/nf_conntrack_stat.new_format",
                      "prometheus-procfs/inline/nf_conntrack_stat.old_format"])
    func conntrackStats(file: String) throws {
        let expected = try #require(try PeerFixtures.expected()[file])
        var warnings: [FactWarning] = []
        let totals = try #require(ConntrackStatParser.parse(try PeerFixtures.bytes(file), path: file, warnings: &warnings))
        #expect(warnings.isEmpty)
        for (field, value) in expected {
            if field.hasPrefix("sum.") {
                #expect(totals[String(field.dropFirst(4))] == value.number, "\(field)")
            } else if field == "search_restart_column_present" {
                #expect((totals["search_restart"] != nil) == (value == .bool(true)))
            } else if field == "cpu0.entries" {
                #expect(totals["entries"] == value.number)
            }
        }
        // Sums over CPUs of what the peer asserts per CPU.
        var perColumn: [String: Int64] = [:]
        for (field, value) in expected where field.hasPrefix("cpu") && !field.hasSuffix(".entries") {
            if let dot = field.firstIndex(of: "."), let n = value.number {
                perColumn[String(field[field.index(after: dot)...]), default: 0] += n
            }
        }
        if expected["cpus"] == .number(1) || file.contains("new_format") {
            for (column, sum) in perColumn where column == "ignore" || column == "invalid" || column == "search_restart" {
                #expect(totals[column] == sum, "\(column)")
            }
        }
    }

    @Test("a whole captured tree: node_exporter's fixtures read as one snapshot")
    func nodeExporterTree() throws {
        let snapshot = SnapshotReader(source: FactSource(root: PeerFixtures.path("prometheus-node_exporter"))).read()
        #expect(snapshot.sockstat?["TCP", "tw"] == 4)
        #expect(snapshot.sockstat6?["TCP6", "inuse"] == 17)
        #expect(snapshot.fileHandles.allocated == 1024)
        #expect(snapshot.fileHandles.maximum == 1631329)
        #expect(snapshot.conntrack.count == 123)
        #expect(snapshot.sysctls.integer("net.netfilter.nf_conntrack_max") == 65536)
        #expect(snapshot.conntrack.max == 65536)
        #expect(snapshot.counters["Tcp", "ActiveOpens"] == 3556)
        #expect(snapshot.counters["Tcp", "MaxConn"] == -1)
        #expect(snapshot.counters["TcpExt", "TW"] == 388812)
        #expect(snapshot.conntrack.stats?["search_restart"] == 7)
        // No socket table in this capture: unknown, with a warning naming each file, and no TIME_WAIT cross-check.
        #expect(snapshot.sockets == nil)
        #expect(snapshot.warnings.contains { $0.path == "proc/net/tcp" && $0.message == "no such file" })
        #expect(snapshot.sockstat?["TCP", "tw"] == 4 && snapshot.sockets == nil)
        #expect(snapshot.host.kernel == nil)
    }

    @Test("procfs tree: sockstat says 4 TIME_WAIT, the table lists none; both are kept and the difference reported")
    func procfsTreeCrossCheck() throws {
        let snapshot = SnapshotReader(source: FactSource(root: PeerFixtures.path("prometheus-procfs"))).read()
        #expect(snapshot.sockets?.ipv4?[.listen] == 3)
        #expect(snapshot.sockets?.ipv6?[.close] == 2)
        #expect(snapshot.sockets?.listeningPorts == [22])
        #expect(snapshot.sockstat?["TCP", "tw"] == 4)
        #expect(snapshot.sockets?.timeWait == 0)
    }
}
