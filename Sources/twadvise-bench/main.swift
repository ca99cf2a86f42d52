// twadvise-bench: measures TWAdvise against the tools it replaces, on this machine, in one run.
//
//   swift run -c release twadvise-bench all               # everything below, in one run
//   swift run -c release twadvise-bench engine            # 1,000 rules x 10,000 destinations
//   swift run -c release twadvise-bench render            # built-in rules: load, evaluate, Markdown and JSON
//   swift run -c release twadvise-bench parse [LINES]     # a generated proc/net/tcp vs wc -l and awk|sort|uniq -c
//   swift run -c release twadvise-bench live [SOCKETS...] # loopback TIME_WAIT at each total: snapshot/diagnose vs ss, netstat
//   swift run -c release twadvise-bench namespaces        # 100 namespaces x 1,000 + 25,000 vs the host alone; owner lookup
//
// Prints medians of several runs and ratios. Loopback only; the load is bounded and expires by itself (60 s).
import Foundation
import TWAdvise
import TWAdviseEngine
import TWAdviseFacts
import TWAdviseRunbooks
import TWAdviseTestSupport

let clock = ContinuousClock()

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

func median(_ values: [Double]) -> Double {
    let s = values.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

func time(runs: Int, _ body: () throws -> Void) rethrows -> Double {
    var samples: [Double] = []
    for _ in 0..<runs {
        let start = clock.now
        try body()
        samples.append(seconds(clock.now - start))
    }
    return median(samples)
}

/// Spawns `argv` directly (no shell) and waits; wall time in seconds.
func spawn(_ argv: [String], stdout: String = "/dev/null") -> Double {
    var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    var cargs = argv.map { strdup($0) } + [nil]
    defer { cargs.forEach { free($0) } }
    var pid: pid_t = 0
    let start = clock.now
    guard posix_spawnp(&pid, argv[0], &actions, nil, &cargs, environ) == 0 else { return .nan }
    var status: Int32 = 0
    waitpid(pid, &status, 0)
    return seconds(clock.now - start)
}

/// Median wall time of a command over `runs`, with what a bare `sh -c true` costs subtracted when it runs
/// through the shell (pipelines); the peak RSS (KiB) of its largest process, from one run under /usr/bin/time;
/// and its output.
func shell(_ command: String, runs: Int) -> (seconds: Double, maxRSSKiB: Int, output: String) {
    let direct = !command.contains("|") && !command.contains(">") && !command.contains("<")
    let argv = direct ? command.split(separator: " ").map(String.init) : ["/bin/sh", "-c", command]
    let baseline = direct ? 0 : median((0..<runs).map { _ in spawn(["/bin/sh", "-c", "true"]) })
    _ = spawn(argv)  // warm the page cache
    let samples = (0..<runs).map { _ in spawn(argv) }
    _ = spawn(argv, stdout: "/tmp/twadvise-bench.out")
    let output = ((try? String(contentsOfFile: "/tmp/twadvise-bench.out", encoding: .utf8)) ?? "")
        .trimmingCharacters(in: .whitespacesAndNewlines)
    var rss = 0
    if FileManager.default.isExecutableFile(atPath: "/usr/bin/time") {
        _ = spawn(["/usr/bin/time", "-f", "%M", "-o", "/tmp/twadvise-bench.rss", "/bin/sh", "-c", command])
        rss = Int(((try? String(contentsOfFile: "/tmp/twadvise-bench.rss", encoding: .utf8)) ?? "")
            .split(separator: "\n").last?.trimmingCharacters(in: .whitespaces) ?? "") ?? 0
    }
    return (max(0, median(samples) - baseline), rss, output)
}

func fmt(_ s: Double) -> String { String(format: "%9.2f ms", s * 1000) }

/// Prints one of the issue's goals with the measured value and whether it is met.
func goal(_ text: String, measured: String, met: Bool) {
    print("goal: \(text): \(measured): \(met ? "met" : "MISSED")")
}

func describeHost() {
    let kernel = (try? String(contentsOfFile: "/proc/sys/kernel/osrelease", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
    let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?.split(separator: "\n").first { $0.hasPrefix("model name") }?
        .split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "?"
    print("host: Linux \(kernel), \(ProcessInfo.processInfo.activeProcessorCount) CPUs (\(cpu)), \(ProcessInfo.processInfo.physicalMemory >> 30) GiB")
}

// MARK: - engine

func engineBenchmark() throws {
    let templates = [
        ("d.in_use / ports.usable >= 0.5 and d.time_wait > 10", true),
        ("d.established > 100 or (d.syn_sent > 5 and not d.remote_is_loopback)", true),
        ("sockstat.tw > 20000 or sockstat.tw > 0.7 * ports.usable", false),
        ("sysctl.tcp_tw_reuse == 0 and sysctl.tcp_timestamps == 1 and kernel.version >= \"4.12\"", false),
        ("count(x in sockets.destinations: x.time_wait > 100) > 10", false),
        ("max(x in sockets.destinations: x.in_use) > 0.8 * ports.usable", false),
    ]
    var yaml = "rules:\n"
    for i in 0..<1000 {
        let (condition, iterates) = templates[i % templates.count]
        yaml += "  - id: bench.rule-\(i)\n    title: benchmark rule \(i)\n    description: generated\n    severity: low\n"
        if iterates { yaml += "    for_each: d in sockets.destinations\n" }
        yaml += "    params:\n      limit: {value: \(i), doc: \"a threshold\"}\n"
        yaml += "    condition: '\(condition) and \(i) >= limit'\n    score: \(i % 100)\n"
        yaml += iterates ? "    subject: d.label\n" : ""
    }
    let source = RuleSource(path: "bench.yaml", text: yaml)
    var ruleSet: RuleSet?
    let load = time(runs: 5) {
        let (set, diagnostics) = RuleSet.load([source], schema: HostFactSchema.schema)
        precondition(diagnostics.isEmpty, "\(diagnostics.prefix(3))")
        ruleSet = set
    }
    var destinations: [FactValue] = []
    for i in 0..<10_000 {
        destinations.append(.record([
            "label": .string("10.0.\(i / 250).\(i % 250) → 10.1.0.1:443"), "in_use": .int(Int64(i % 300)), "time_wait": .int(Int64(i % 250)),
            "established": .int(Int64(i % 7)), "syn_sent": .int(Int64(i % 3)), "other": .int(0), "remote_is_loopback": .bool(i % 2 == 0),
        ]))
    }
    let facts = FactValue.record([
        "kernel": .record(["version": .version(Version([6, 18, 44]))]),
        "sysctl": .record(["tcp_tw_reuse": .int(0), "tcp_timestamps": .int(1)]),
        "sockstat": .record(["tw": .int(25_000)]),
        "ports": .record(["usable": .int(28_232)]),
        "sockets": .record(["destinations": .list(destinations)]),
    ])
    var findings = 0
    let evaluate = time(runs: 5) { findings = ruleSet!.evaluate(facts).findings.count }
    // The same destinations as a snapshot hands them over: a FactTable of typed columns.
    let n = destinations.count
    let table = FactTable(count: n, columns: [
        "label": .strings((0..<n).map { "10.0.\($0 / 250).\($0 % 250) → 10.1.0.1:443" }),
        "in_use": .ints((0..<n).map { Int64($0 % 300) }), "time_wait": .ints((0..<n).map { Int64($0 % 250) }),
        "established": .ints((0..<n).map { Int64($0 % 7) }), "syn_sent": .ints((0..<n).map { Int64($0 % 3) }),
        "other": .ints([Int64?](repeating: 0, count: n)), "remote_is_loopback": .bools((0..<n).map { $0 % 2 == 0 }),
    ])
    var tableFacts = facts
    if case .record(var root) = facts { root["sockets"] = .record(["destinations": .table(table)]); tableFacts = .record(root) }
    var tableFindings = 0
    let evaluateTable = time(runs: 5) { tableFindings = ruleSet!.evaluate(tableFacts).findings.count }
    precondition(tableFindings == findings, "the table and the list give different findings")
    var reference = 0
    let rowByRow = time(runs: 1) { reference = ruleSet!.evaluate(facts, profile: false, vectorized: false).findings.count }
    precondition(reference == findings, "the vectorized and row-by-row paths disagree")
    let iterating = ruleSet!.rules.filter { $0.iterationText != nil }.count
    print("engine: load + type-check 1,000 rules: \(fmt(load))")
    print("engine: evaluate 1,000 rules (\(iterating) iterate) against 10,000 destinations: \(fmt(evaluate)) (\(findings) findings)")
    print("engine: the same destinations as a FactTable (how a snapshot hands them over): \(fmt(evaluateTable))")
    print("engine: the same, row by row (the reference path, 1 run): \(fmt(rowByRow)); column-at-a-time is \(String(format: "%.0f", rowByRow / evaluate))x faster")
    print("engine: per rule-subject evaluation: \(String(format: "%.0f", evaluate / Double(iterating * 10_000 + 1000 - iterating) * 1e9)) ns")
    goal("1,000 rules x 10,000 destinations < 100 ms", measured: fmt(evaluate).trimmingCharacters(in: .whitespaces), met: evaluate < 0.1)
}

// MARK: - render

/// Loads the built-in rules, evaluates them against a synthetic snapshot with 60 pressed destinations, and
/// renders the Markdown and JSON reports.
func renderBenchmark() throws {
    // Every advisor made is kept until the end: a run of the CLI loads once and never frees it, so freeing
    // the previous one is no part of a load.
    var advisors: [Advisor] = []
    advisors.reserveCapacity(8)
    let load = try time(runs: 5) { advisors.append(try Advisor()) }
    let advisor: Advisor? = advisors.last
    var destinations: [DestinationLoad] = []
    for i in 0..<60 {
        destinations.append(DestinationLoad(localAddress: IPAddress(ipv4: 0x0A00_0005), remoteAddress: IPAddress(ipv4: 0x0A01_0000 + UInt32(i)),
                                            remotePort: 443, timeWait: 20_000 + i * 100, established: 50))
    }
    let table = SocketTable(sources: ["bench"], ipv4: StateCounts(), ipv6: StateCounts(), ephemeralRange: .kernelDefault,
                            listeningPorts: [22], timeWait: 1_500_000, outboundTimeWait: 1_500_000, destinationCount: 60,
                            destinations: destinations)
    let snapshot = FactsSnapshot(origin: FactsOrigin(kind: .root, location: "bench"), host: HostInfo(hostname: "bench", kernel: KernelVersion(major: 6, minor: 1)),
                                 sysctls: Sysctls(values: ["net.ipv4.ip_local_port_range": .portRange(.kernelDefault),
                                                           "net.ipv4.ip_local_reserved_ports": .portSet(PortSet()),
                                                           "net.ipv4.tcp_tw_reuse": .integer(2), "net.ipv4.tcp_timestamps": .integer(1)]),
                                 sockets: table)
    var diagnosis: Diagnosis?
    let evaluate = time(runs: 5) { diagnosis = advisor!.diagnose(snapshot) }
    var bytes = 0
    let markdown = try time(runs: 5) { bytes = try diagnosis!.markdown().utf8.count }
    let json = try time(runs: 5) { _ = try diagnosis!.json() }
    // A healthy host: a few destinations, nothing fires; the report is the "What was seen" block and the checks.
    var quiet = snapshot
    quiet.sockets?.destinations = Array(destinations.prefix(3)).map { var d = $0; d.timeWait = 12; d.established = 1; return d }
    quiet.sockets?.timeWait = 36
    quiet.sockets?.outboundTimeWait = 36
    let healthy = advisor!.diagnose(quiet)
    let healthyMarkdown = try time(runs: 5) { _ = try healthy.markdown() }
    // The test scenarios' reports (Tests/Support/Scenarios.swift), read from their captured trees: the first
    // report of a fresh advisor (which parses the templates it needs) and the median of the next five.
    var scenarioLines: [String] = []
    var scenarioGoals: [(text: String, measured: String, met: Bool)] = []
    for scenario in [Scenario.healthy, .fiveDestinations] {
        let tree = try scenario.tree()
        let scenarioSnapshot = SnapshotReader(source: FactSource(root: tree.root)).read()
        // The first report of each of five fresh advisors (each parses the templates it needs), median.
        var firsts: [Double] = []
        var scenarioDiagnosis = try Advisor().diagnose(scenarioSnapshot)
        for _ in 0..<5 {
            scenarioDiagnosis = try Advisor().diagnose(scenarioSnapshot)
            firsts.append(try time(runs: 1) { _ = try scenarioDiagnosis.markdown() })
        }
        let first = median(firsts)
        let again = try time(runs: 5) { _ = try scenarioDiagnosis.markdown() }
        scenarioLines.append("render: Markdown runbook of the \(scenario.rawValue) scenario: first \(fmt(first)), then \(fmt(again)) (\(scenarioDiagnosis.findings.count) findings)")
        // A CLI run renders one report: the first of a fresh advisor is the one a person waits for.
        let limit = scenario == .healthy ? 0.003 : 0.010
        scenarioGoals.append(("\(scenario.rawValue) scenario's first Markdown report <= \(Int(limit * 1000)) ms", fmt(first).trimmingCharacters(in: .whitespaces), first <= limit))
    }
    let yaml = time(runs: 5) { for source in KnowledgeBase.ruleSources { _ = YAMLDocument.parse(source.text, file: source.path) } }
    let decode = time(runs: 5) {
        for source in KnowledgeBase.ruleSources { _ = CompiledYAML.decode(source.compiled ?? "", file: source.path) }
    }
    // The load a run of the CLI pays: in a fresh process (the fact schema built, the code and metadata met for
    // the first time), as the difference between this binary loading once and doing nothing, alternating, the
    // median of 15 pairs.
    var cold: [Double] = []
    for _ in 0..<15 {
        let nothing = spawn([CommandLine.arguments[0], "noop"])
        cold.append(spawn([CommandLine.arguments[0], "load-once", "1"]) - nothing)
    }
    let coldLoad = median(cold)
    print("render: load built-in rules and templates \(fmt(load)) (decoding the YAML trees the build parsed \(fmt(decode)); parsing the YAML instead would take \(fmt(yaml)))")
    print("render: the same load in a fresh process   \(fmt(coldLoad)) (what a run of the CLI pays: load-once 1 less noop, median of 15)")
    goal("load the built-in knowledge base <= 2 ms", measured: fmt(load).trimmingCharacters(in: .whitespaces), met: load <= 0.002)
    print("render: Markdown runbook of a healthy host \(fmt(healthyMarkdown)) (\(healthy.findings.count) findings)")
    for line in scenarioLines { print(line) }
    for (text, measured, met) in scenarioGoals { goal(text, measured: measured, met: met) }
    print("render: evaluate against 60 pressed destinations \(fmt(evaluate)) (\(diagnosis!.findings.count) findings)")
    print("render: Markdown runbook \(fmt(markdown)) (\(bytes / 1024) KiB), JSON \(fmt(json))")
}

// MARK: - parse

func parseBenchmark(lines: Int) throws {
    let path = "/tmp/twadvise-bench-tcp"
    var text = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
    text.reserveCapacity(lines * 150)
    for i in 0..<lines {
        let local = String(format: "%08X:%04X", UInt32(0x0500000A), 32768 + i % 28000)
        let remote = String(format: "%08X:%04X", UInt32(0x0900000A &+ UInt32(i / 28000) << 24), 443)
        text += String(format: "%6d: ", i) + local + " " + remote + " 06 00000000:00000000 03:00001234 00000000     0        0 0 3 0000000000000000\n"
    }
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    let bytes = Double(text.utf8.count)
    var table: SocketTable?
    func parse(workers: Int) throws -> Double {
        try time(runs: 5) {
            var aggregator = SocketAggregator(ephemeralRange: .kernelDefault)
            _ = try SocketTableFile.parse(path, name: path, into: &aggregator, workers: workers)
            table = aggregator.finish(sources: [path], readIPv4: true, readIPv6: false, malformedLines: 0, topDestinations: 100).0
        }
    }
    let single = try parse(workers: 1)
    let workers = SocketTableFile.defaultWorkers
    let ours = try parse(workers: workers)
    let wc = shell("wc -l \(path)", runs: 5)
    let awk = shell("awk '{print $4}' \(path) | sort | uniq -c | wc -l", runs: 3)
    let process = shell("\(CommandLine.arguments[0]) parse-only \(path)", runs: 5)
    func rate(_ t: Double) -> String { String(format: "%6.0f MB/s, %3.0f%% of wc", bytes / t / 1e6, wc.seconds / t * 100) }
    print("parse: (times are medians; pipelines have the cost of sh -c true subtracted)")
    print("parse: \(lines) lines, \(Int(bytes / 1e6)) MB; TIME_WAIT counted \(table?.timeWait ?? 0) over \(table?.destinationCount ?? 0) destinations")
    print("parse: twadvise, 1 thread          \(fmt(single))  \(rate(single))")
    print("parse: twadvise, \(workers) threads         \(fmt(ours))  \(rate(ours))  (the default here)")
    print("parse: the same as a process      \(fmt(process.seconds))  \(rate(process.seconds))  peak RSS \(process.maxRSSKiB / 1024) MB (start-up included)")
    print("parse: wc -l                      \(fmt(wc.seconds))  \(String(format: "%6.0f", bytes / wc.seconds / 1e6)) MB/s")
    print("parse: awk | sort | uniq -c       \(fmt(awk.seconds))  ratio twadvise/awk = \(String(format: "%.3f", ours / awk.seconds))  peak RSS \(awk.maxRSSKiB / 1024) MB")
    goal("1,000,000 lines at >= 25% of wc -l's throughput", measured: String(format: "%.0f%% (%d threads; 1 thread: %.0f%%)", wc.seconds / ours * 100, workers, wc.seconds / single * 100),
         met: wc.seconds / ours >= 0.25)
    goal("peak RSS while parsing < 64 MB", measured: "\(process.maxRSSKiB / 1024) MB", met: process.maxRSSKiB < 64 * 1024)
}

func parseOnly(_ path: String) throws {
    var aggregator = SocketAggregator(ephemeralRange: .kernelDefault)
    _ = try SocketTableFile.parse(path, name: path, into: &aggregator)
    _ = aggregator.finish(sources: [path], readIPv4: true, readIPv6: false, malformedLines: 0, topDestinations: 100)
}

// MARK: - live

/// TIME_WAIT on loopback, raised level by level (each level is a total; the sockets of a level stay for the next,
/// as they last 60 s): at each, `twadvise snapshot` and `diagnose` against `ss` and the netstat pipeline, plus
/// the kernel's dump alone in this process (the floor under any reader of the live table) and start-up alone.
func liveBenchmark(levels: [Int]) throws {
    let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("twadvise").path
    guard FileManager.default.isExecutableFile(atPath: binary) else {
        print("live: build twadvise first (swift build -c release)")
        return
    }
    let hasNetstat = FileManager.default.isExecutableFile(atPath: "/usr/bin/netstat") || FileManager.default.isExecutableFile(atPath: "/bin/netstat")
    if !hasNetstat { print("live: netstat not installed (apt-get install net-tools); its column is left out") }
    let startup = shell("\(binary) --version", runs: 21)
    // A Swift process that does nothing (this binary, built the same way): the start-up no Swift tool avoids.
    let bare = shell("\(CommandLine.arguments[0]) noop", runs: 21)
    print("live: twadvise --version (start-up alone) \(fmt(startup.seconds))  peak RSS \(startup.maxRSSKiB / 1024) MB")
    print("live: a Swift process doing nothing      \(fmt(bare.seconds))  (twadvise-bench noop)")
    var made = 0
    for (index, level) in levels.enumerated() {
        let start = clock.now
        // Four listeners a level: 4 x 28,000 ephemeral ports, so a level may add up to 112,000 sockets.
        if level > made {
            _ = try LoopbackLoad.makeTimeWait(count: level - made, family: .ipv4, listeners: 4, deadlineSeconds: 50)
            made = level
        }
        let tw = LoopbackLoad.sockstatTimeWait() ?? -1
        print("live: level \(index + 1): made \(made) loopback TIME_WAIT in \(fmt(seconds(clock.now - start))); sockstat tw \(tw)")
        #if canImport(Glibc)
        var counted = 0
        let kernel = time(runs: 21) { counted = (try? NetlinkSockDiag.countSockets()) ?? -1 }
        let dump = time(runs: 21) {
            var aggregator = SocketAggregator(ephemeralRange: .kernelDefault)
            _ = try? NetlinkSockDiag.read(into: &aggregator)
        }
        print("live:   kernel dump alone, in process     \(fmt(kernel))  (\(counted) sockets)")
        print("live:   dump + aggregation, in process    \(fmt(dump))")
        #endif
        let snapshot = shell("\(binary) snapshot", runs: 11)
        let diagnose = shell("\(binary) diagnose", runs: 11)
        let ss = shell("ss -tan state time-wait | wc -l", runs: 11)
        let netstat = hasNetstat ? shell("netstat -an | grep TIME_WAIT | wc -l", runs: 5) : nil
        func ratio(_ a: Double, _ b: Double) -> String { String(format: "%.2f", a / b) }
        print("live:   twadvise snapshot                 \(fmt(snapshot.seconds))  peak RSS \(snapshot.maxRSSKiB / 1024) MB  /ss \(ratio(snapshot.seconds, ss.seconds))"
              + (netstat.map { "  /netstat \(ratio(snapshot.seconds, $0.seconds))" } ?? ""))
        print("live:   twadvise diagnose                 \(fmt(diagnose.seconds))  peak RSS \(diagnose.maxRSSKiB / 1024) MB  /ss \(ratio(diagnose.seconds, ss.seconds))")
        print("live:   ss -tan state time-wait | wc -l   \(fmt(ss.seconds))  peak RSS \(ss.maxRSSKiB / 1024) MB  (counted \(ss.output))")
        if let netstat {
            print("live:   netstat -an | grep TIME_WAIT | wc \(fmt(netstat.seconds))  peak RSS \(netstat.maxRSSKiB / 1024) MB  (counted \(netstat.output))")
            #if canImport(Glibc)
            print("live:   floor: the kernel's dump alone is \(ratio(kernel, netstat.seconds)) of netstat; with a bare Swift process start, \(ratio(kernel + bare.seconds, netstat.seconds))")
            #endif
        }
        let at = "at \(tw) TIME_WAIT"
        goal("snapshot <= 0.35x ss \(at)", measured: ratio(snapshot.seconds, ss.seconds), met: snapshot.seconds <= 0.35 * ss.seconds)
        goal("diagnose <= 0.5x ss \(at)", measured: ratio(diagnose.seconds, ss.seconds), met: diagnose.seconds <= 0.5 * ss.seconds)
        if let netstat {
            goal("snapshot <= 0.1x netstat \(at)", measured: ratio(snapshot.seconds, netstat.seconds), met: snapshot.seconds <= 0.1 * netstat.seconds)
        }
    }
}

// MARK: - namespaces

/// 100 network namespaces of 1,000 TIME_WAIT each plus the host's 25,000, read in one run against the host's
/// namespace alone; and the owner lookup with 20,000 open descriptors. Needs root and iproute2.
func namespaceBenchmark(count: Int = 100, perNamespace: Int = 1000, hostTimeWait: Int = 25_000) throws {
    guard geteuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip") || FileManager.default.isExecutableFile(atPath: "/sbin/ip") else {
        print("namespaces: needs root and iproute2 (ip netns); skipped")
        return
    }
    _ = try LoopbackLoad.makeTimeWait(count: hostTimeWait)
    let names = (0..<count).map { "twa-bench-\(getpid())-\($0)" }
    defer { for name in names { _ = spawn(["ip", "netns", "del", name]) } }
    let start = clock.now
    for name in names {
        _ = spawn(["ip", "netns", "add", name])
        _ = spawn(["ip", "netns", "exec", name, "ip", "link", "set", "lo", "up"])
        let result = NamespaceThread.run(in: "/run/netns/\(name)") { (try? LoopbackLoad.makeTimeWait(count: perNamespace)) != nil }
        guard case .success(true) = result else { print("namespaces: could not load \(name)"); return }
    }
    print("namespaces: made \(hostTimeWait) TIME_WAIT on the host and \(count) namespaces of \(perNamespace) in \(fmt(seconds(clock.now - start)))")
    var snapshots: [FactsSnapshot] = []
    let single = try time(runs: 5) { snapshots = try FactsInput(hostNamespaceOnly: true).load() }
    let hostTW = snapshots.first?.sockets?.timeWait ?? 0
    let all = try time(runs: 5) { snapshots = try FactsInput().load() }
    let read = snapshots.filter { $0.origin.namespace?.hasPrefix("netns twa-bench-") == true }
    let enter = time(runs: 3) { for name in names { _ = NamespaceThread.run(in: "/run/netns/\(name)") { 0 } } }
    let readInside = time(runs: 3) {
        for name in names.prefix(10) {
            _ = NamespaceThread.run(in: "/run/netns/\(name)") { () -> Int in
                var source = FactSource()
                source.perThreadNet = true
                var options = SnapshotReader.Options()
                options.readPersistent = false
                options.owners = .off
                return SnapshotReader(source: source, options: options).read().warnings.count
            }
        }
    } / 10
    print("namespaces: entering \(count) namespaces on a thread each, doing nothing: \(fmt(enter)); one namespace's reading inside: \(fmt(readInside))")
    let ss = shell("ss -Htan state time-wait | wc -l", runs: 5)
    let ssAll = shell("ip -all netns exec ss -Htan state time-wait | wc -l", runs: 3)
    func ratio(_ a: Double, _ b: Double) -> String { String(format: "%.2f", a / b) }
    print("namespaces: host namespace only (\(hostTW) TIME_WAIT)        \(fmt(single))")
    print("namespaces: every namespace (\(snapshots.count), \(read.count) of the benchmark's)  \(fmt(all))  /host only \(ratio(all, single))")
    print("namespaces: ss -Htan state time-wait | wc -l, host        \(fmt(ss.seconds))")
    print("namespaces: ip -all netns exec ss ... | wc -l             \(fmt(ssAll.seconds))  twadvise/ss \(ratio(all, ssAll.seconds))")
    goal("\(count) namespaces x \(perNamespace) + the host's \(hostTimeWait) < 2x the host alone", measured: ratio(all, single), met: all < 2 * single)

    // Owner lookup on a host with 20,000 more open descriptors: 20 processes (sleep) of 1,000 each, the way
    // they spread on a real host; each inherits 1,000 descriptors of /dev/null at spawn.
    var holders: [pid_t] = []
    defer { for pid in holders { kill(pid, SIGTERM); var status: Int32 = 0; waitpid(pid, &status, 0) } }
    for _ in 0..<20 {
        var fds: [Int32] = []
        for _ in 0..<1000 {
            let fd = Glibc.open("/dev/null", O_RDONLY)  // no O_CLOEXEC: the child keeps it
            if fd >= 0 { fds.append(fd) }
        }
        var pid: pid_t = 0
        var argv: [UnsafeMutablePointer<CChar>?] = [strdup("sleep"), strdup("120"), nil]
        if posix_spawnp(&pid, "sleep", nil, nil, &argv, environ) == 0 { holders.append(pid) }
        argv.forEach { free($0) }
        fds.forEach { close($0) }
    }
    var index = SocketOwnerIndex()
    let scan = time(runs: 5) { index = SocketOwnerIndex.scan() }
    let total = index.descriptors.values.reduce(0, +)
    let ssp = shell("ss -Htanp state established", runs: 5)
    print("namespaces: owner lookup over \(total) open descriptors (\(index.descriptors.count) processes)  \(fmt(scan));  ss -tanp \(fmt(ssp.seconds))")
    goal("owner lookup with 20,000 descriptors < 30 ms", measured: fmt(scan), met: scan < 0.030)
}

// MARK: - main

let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "all":
    // Everything on this host in one run: live (bounded loopback TIME_WAIT), parse, engine, render.
    describeHost()
    try liveBenchmark(levels: [25_000, 50_000, 100_000])
    try parseBenchmark(lines: 1_000_000)
    try engineBenchmark()
    try renderBenchmark()
    try namespaceBenchmark()
case "namespaces":
    describeHost()
    try namespaceBenchmark()
    // The same inside a throw-away network namespace whose children get hash tables of their own
    // (tcp_child_ehash_entries, Linux 6.1+): the sysctl is set in that namespace only, never on the host.
    print("namespaces: again, in a throw-away parent namespace with net.ipv4.tcp_child_ehash_entries = 1024")
    _ = spawn(["unshare", "--net", CommandLine.arguments[0], "namespaces-own-hash"], stdout: "/tmp/twadvise-bench.child")
    print((try? String(contentsOfFile: "/tmp/twadvise-bench.child", encoding: .utf8)) ?? "namespaces: the child run printed nothing")
case "namespaces-own-hash":
    _ = spawn(["ip", "link", "set", "lo", "up"])
    _ = spawn(["sysctl", "-qw", "net.ipv4.tcp_child_ehash_entries=1024"])
    try namespaceBenchmark()
case "record":
    // In a throw-away network namespace of its own: the 30,000 TIME_WAIT stay out of the host's.
    describeHost()
    _ = spawn(["unshare", "--net", CommandLine.arguments[0], "record-inner"], stdout: "/tmp/twadvise-bench.child")
    print((try? String(contentsOfFile: "/tmp/twadvise-bench.child", encoding: .utf8)) ?? "record: the child run printed nothing")
case "store-size":
    // Bytes per reading of a store of synthetic readings (TWADVISE_BENCH_KEEP=1 keeps it to inspect).
    let destinations = arguments.count > 1 ? Int(arguments[1]) ?? 100 : 100
    print(String(format: "%.0f B per reading at %d destinations", try storeBytesPerReading(destinations: destinations, readings: 2_000), destinations))
case "record-inner":
    _ = spawn(["ip", "link", "set", "lo", "up"])
    try recordBenchmark()
case "engine":
    describeHost()
    try engineBenchmark()
case "render":
    describeHost()
    try renderBenchmark()
case "parse":
    describeHost()
    try parseBenchmark(lines: arguments.count > 1 ? Int(arguments[1]) ?? 1_000_000 : 1_000_000)
case "noop":
    break
case "load-once":
    // Loads of the built-in knowledge base (default one), for a profiler: `perf record twadvise-bench load-once 200`.
    for _ in 0..<(arguments.count > 1 ? Int(arguments[1]) ?? 1 : 1) { _ = try Advisor() }
case "sections-once":
    // Parses of every built-in section (fresh templates each time), for a profiler.
    for _ in 0..<(arguments.count > 1 ? Int(arguments[1]) ?? 1 : 1) { RunbookTemplates(trusted: KnowledgeBase.runbookTemplates).prepareSections() }
case "first-report":
    // First Markdown reports of fresh advisors on the five-destination scenario, for a profiler.
    let tree = try Scenario.fiveDestinations.tree()
    let snapshot = SnapshotReader(source: FactSource(root: tree.root)).read()
    for _ in 0..<(arguments.count > 1 ? Int(arguments[1]) ?? 1 : 1) { _ = try Advisor().diagnose(snapshot).markdown() }
case "frame-once":
    // Parses of the built-in document frame (cut, or whole with a third argument "whole"), for a profiler.
    let report = KnowledgeBase.runbookTemplates["report"] ?? ""
    let cutting = !(arguments.count > 2 && arguments[2] == "whole")
    for _ in 0..<(arguments.count > 1 ? Int(arguments[1]) ?? 1 : 1) { _ = try FrameTemplate(report, cutting: cutting) }
case "parse-only":
    try parseOnly(arguments[1])
case "live":
    describeHost()
    // Levels are totals, each at most 110,000 (4 loopback listeners x 28,232 ephemeral ports; the kernel keeps
    // at most net.ipv4.tcp_max_tw_buckets).
    let levels = arguments.dropFirst().compactMap { Int($0) }.map { min($0, 110_000) }
    try liveBenchmark(levels: levels.isEmpty ? [25_000] : levels.sorted())
default:
    print("usage: twadvise-bench all | engine | render | parse [LINES] | live [SOCKETS...] | namespaces | record")
    print("       for a profiler (perf record): load-once N | sections-once N | frame-once N [whole] | first-report N")
}
