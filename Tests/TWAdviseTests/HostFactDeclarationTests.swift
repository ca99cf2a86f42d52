import Testing
import TWAdviseHistory
@testable import TWAdvise
import TWAdviseEngine
import TWAdviseFacts
import TWAdviseTestSupport

/// The declarations are the only place a fact path is named: every path they declare must come out of real
/// snapshots, with the declared type.
@Suite("Host fact declarations")
struct HostFactDeclarationTests {
    /// Every scenario's snapshot, and one of them with rates over an interval (only live reads have those).
    static func snapshots() throws -> [(String, FactsSnapshot)] {
        var result: [(String, FactsSnapshot)] = []
        for scenario in Scenario.allCases {
            let tree = try scenario.tree()
            result.append((scenario.rawValue, SnapshotReader(source: FactSource(root: tree.root)).read()))
        }
        // A host whose persistent configuration sets every declared sysctl and whose kernel has every counter.
        var files = Scenario.clientExhaustion.files
        files["etc/sysctl.d/90-all.conf"] = HostFactSchema.integerSysctls.map { "\($0.key) = 1" }.joined(separator: "\n") + "\n"
        let tcpext = HostFactSchema.tcpExtCounters.map(\.name)
        files["proc/net/netstat"] = "TcpExt: " + tcpext.joined(separator: " ") + "\nTcpExt: " + tcpext.map { _ in "1" }.joined(separator: " ") + "\n"
        let tcp = HostFactSchema.tcpCounters.map(\.name)
        files["proc/net/snmp"] = "Tcp: " + tcp.joined(separator: " ") + "\nTcp: " + tcp.map { _ in "1" }.joined(separator: " ") + "\n"
        files["proc/net/stat/nf_conntrack"] = Scenario.conntrackNearFull.files["proc/net/stat/nf_conntrack"]
        let full = try TemporaryTree(files)
        result.append(("every key and counter", SnapshotReader(source: FactSource(root: full.root)).read()))
        var withRates = result[result.count - 1].1  // the host with every counter
        var later = withRates.rateBasis
        for (section, names) in later.sections { for name in names.keys { later.sections[section]?[name]? += 5 } }
        withRates.rates = CounterRates(first: withRates.rateBasis, second: later, intervalSeconds: 5)
        // Owners, bound sockets, listener queues and the kernel's key list come from a live host only.
        withRates.sockets?.destinations[0].owners = [SocketOwner(pid: 4242, command: "client", sockets: 100, openDescriptors: 120, descriptorLimit: 1024)]
        withRates.sockets?.destinations[0].closeWait = 3
        withRates.sockets?.processes = [SocketOwner(pid: 77, command: "server", sockets: 60, openDescriptors: 64, descriptorLimit: 64)]
        withRates.sockets?.sources = ["netlink sock_diag"]
        // A postmortem's kernel log (--history): every kind logged once.
        withRates.kernelLog = KernelLogFacts(messages: Dictionary(uniqueKeysWithValues: KernelMessageKind.allCases.map {
            ($0.rawValue, KernelLogFacts.Messages(count: 1, suppressed: 0, first: "2026-12-07T03:12:40Z", last: "2026-12-07T03:12:40Z"))
        }), sources: ["var/log/kern.log"])
        var listener = ListeningPortLoad(port: 8125, established: 1)
        listener.acceptQueue = 2
        listener.backlog = 4096
        listener.closeWait = 0
        withRates.sockets?.listeners.append(listener)
        withRates.persistentSysctls.missingKeys = []
        result.append(("with an interval", withRates))
        return result
    }

    /// Whether `value` has type `type`, all the way down.
    static func conforms(_ value: FactValue, _ type: FactType) -> Bool {
        switch (value, type) {
        case (.unknown, _): return true
        case (.int, .int), (.float, .float), (.bool, .bool), (.string, .string), (.duration, .duration), (.version, .version):
            return true
        case (.list(let items), .list(let element)): return items.allSatisfy { conforms($0, element) }
        case (.table(let table), .list(.record(let record))):
            return table.columns.allSatisfy { name, column in record.fields[name].map { $0.type == column.type } ?? false }
        case (.record(let fields), .record(let record)):
            return fields.allSatisfy { name, v in record.fields[name].map { conforms(v, $0.type) } ?? false }
        default: return false
        }
    }

    static func lookup(_ tree: FactValue, _ path: String) -> [FactValue] {
        var values = [tree]
        for step in path.split(separator: ".") {
            if step.hasSuffix("[]") {
                values = values.map { $0[String(step.dropLast(2))] }.flatMap { $0.listItems.map(Array.init) ?? [] }
            } else {
                values = values.map { $0[String(step)] }
            }
        }
        return values.filter { !$0.isUnknown }
    }

    @Test("every declared path is produced by some scenario, always with its declared type")
    func everyPathProducedWithItsType() throws {
        let snapshots = try Self.snapshots()
        var produced: Set<String> = []
        for (name, snapshot) in snapshots {
            let tree = snapshot.factValue
            #expect(Self.conforms(tree, .record(HostFactSchema.schema.root)), "\(name): the tree does not conform to the schema")
            for (path, spec) in HostFactSchema.schema.allPaths {
                let values = Self.lookup(tree, path)
                for value in values {
                    #expect(Self.conforms(value, spec.type), "\(name): \(path) is \(value), declared \(spec.type)")
                }
                if !values.isEmpty { produced.insert(path) }
            }
        }
        let never = HostFactSchema.schema.allPaths.map(\.path).filter { !produced.contains($0) }
        #expect(never.isEmpty, "never produced: \(never.sorted())")
    }

    @Test("each path is declared once, and every schema path comes from a declaration")
    func declaredOnce() {
        let paths = HostFactSchema.facts.map(\.path)
        #expect(Set(paths).count == paths.count)
        #expect(Set(HostFactSchema.schema.allPaths.map(\.path)) == Set(paths))
    }

    @Test("a derived fact names declared facts as its inputs, and its sources are theirs, in the schema too")
    func derivedSources() throws {
        let byPath = Dictionary(uniqueKeysWithValues: HostFactSchema.facts.map { ($0.path, $0) })
        for fact in HostFactSchema.facts {
            guard case .derived(let inputs) = fact.origin, !inputs.isEmpty else { continue }
            for input in inputs { #expect(byPath[input] != nil, "\(fact.path) is derived from '\(input)', which is not declared") }
            var expected: [String] = []
            for input in inputs { for source in byPath[input]?.sources ?? [] where !expected.contains(source) { expected.append(source) } }
            #expect(fact.sources == expected, "\(fact.path)")
        }
        // pressure is computed from the timestamps setting too, and the schema a missing fact is named from says so.
        let pressure = try #require(byPath["sockets.destinations[].pressure"])
        #expect(pressure.sources.contains("proc/sys/net/ipv4/tcp_timestamps"))
        guard case .list(.record(let destination))? = HostFactSchema.schema.root.fields["sockets"].flatMap({ field -> FactType? in
            if case .record(let sockets) = field.type { return sockets.fields["destinations"]?.type }
            return nil
        }) else {
            Issue.record("no sockets.destinations list in the schema")
            return
        }
        #expect(destination.fields["pressure"]?.sources == pressure.sources)
        #expect(destination.fields["port_hold_seconds"]?.sources.contains("proc/sys/net/ipv4/tcp_tw_reuse_delay") == true)
    }

    @Test("the share of R is computed once, in the model, and read the same way by the tree and watch")
    func portShare() throws {
        let tree = try Scenario.clientExhaustion.tree()
        let snapshot = SnapshotReader(source: FactSource(root: tree.root)).read()
        let budget = try #require(snapshot.derived.portBudget)
        #expect(budget.usable == 28232)
        let top = try #require(snapshot.sockets?.destinations.first)
        let share = try #require(budget.share(of: top))
        #expect(share == 27400.0 / 28232.0)
        let rows = try #require(snapshot.factValue["sockets"]["destinations"].listItems)
        #expect(rows.first?["port_share"] == .float(share))
    }

    @Test("evidence names where each value was read: netlink or /proc live, paths inside a captured tree")
    func provenance() throws {
        let tree = try Scenario.clientExhaustion.tree()
        let snapshot = SnapshotReader(source: FactSource(root: tree.root)).read()
        let provenance = snapshot.provenance
        #expect(provenance.source(of: "sockets.destinations[].time_wait") == "proc/net/tcp, proc/net/tcp6")
        #expect(provenance.source(of: "sysctl.tcp_tw_reuse") == "proc/sys/net/ipv4/tcp_tw_reuse")
        #expect(provenance.source(of: "sockstat.tw") == "proc/net/sockstat")
        var viaNetlink = snapshot
        viaNetlink.readFrom?.sockets = "netlink sock_diag"
        #expect(viaNetlink.provenance.source(of: "sockets.destinations[].in_use") == "netlink sock_diag")
        // A process's descriptors and limit come from /proc/PID, not from the socket dump.
        viaNetlink.sockets?.ownerLookup = .complete
        #expect(viaNetlink.provenance.source(of: "sockets.destinations[].owner_descriptor_limit") == "/proc/PID/fd, /proc/PID/limits")
        #expect(viaNetlink.provenance.source(of: "sockets.destinations[].owner") == "/proc/PID/fd")
        #expect(snapshot.provenance.source(of: "sockets.destinations[].owner_descriptor_limit")
                == "not read here (/proc/PID/fd, /proc/PID/limits on the live host)", "never the socket table's source")
        var fromFile = snapshot
        fromFile.origin.snapshotFile = "s.json"
        #expect(fromFile.provenance.source(of: "sockstat.tw") == "proc/net/sockstat (in snapshot s.json)")
    }
}

/// The `twadvise_` series history is read from are the series `watch --textfile` writes.
@Suite("History series and declared metrics")
struct HistorySeriesDeclarationTests {
    @Test("every series the recorder, the Prometheus reader and the postmortem name is one watch writes")
    func declared() {
        let written = Set(HostFactSchema.metrics.values.compactMap { $0.written?.name })
        for series in TWAdviseSeries.allCases {
            #expect(written.contains(series.name), "\(series.name) is read from history but no declared fact writes it")
        }
    }
}
