import Foundation
import TWAdviseRecorder
import TWAdviseTestSupport

// MARK: - record

/// Wall time, CPU time (user + system) and peak RSS of one child process, from wait4's rusage.
func measuredSpawn(_ argv: [String]) -> (wall: Double, cpu: Double, maxRSSKiB: Int, status: Int32) {
    var pid: pid_t = 0
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, "/tmp/twadvise-bench.err", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    let cArgs = argv.map { strdup($0) } + [nil]
    defer { for a in cArgs { free(a) } }
    let start = clock.now
    guard posix_spawnp(&pid, argv[0], &actions, nil, cArgs, environ) == 0 else { return (0, 0, 0, -1) }
    var status: Int32 = 0
    var usage = rusage()
    while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
    let cpu = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    return (seconds(clock.now - start), cpu, usage.ru_maxrss, status)
}

/// Synthetic readings of one namespace with `destinations` destinations, every `step` seconds from `start`.
func syntheticReading(_ index: Int, start: Date, step: Double, destinations: Int) -> RecordedReading {
    let time = start.addingTimeInterval(Double(index) * step)
    let wave = 0.5 + 0.5 * sin(Double(index) / 50)
    let list = (0..<destinations).map { d in
        let inUse = Int(Double(20_000 / (d + 1)) * wave) + 10
        return RecordedDestination(localAddress: "10.0.0.5", address: "10.1.\(d / 250).\(d % 250)", port: 443, inUse: inUse,
                                   timeWait: inUse * 9 / 10, established: inUse / 10, closeWait: 0,
                                   shareOfR: Double(inUse) / 28_232, pressure: Double(inUse) / 28_232 / 4, owners: d < 3 ? ["java (pid 812)"] : [])
    }
    let namespace = RecordedNamespace(label: "host", timeWait: list.reduce(0) { $0 + $1.timeWait }, timeWaitOutbound: list.reduce(0) { $0 + $1.timeWait },
                                      timeWaitInbound: 0, states: ["ESTABLISHED": 400, "TIME_WAIT": list.reduce(0) { $0 + $1.timeWait }],
                                      portsUsable: 28_232, destinations: list,
                                      counterDeltas: ["Tcp.ActiveOpens": Int64(3000 * wave), "TcpExt.TW": Int64(2900 * wave)], intervalSeconds: step)
    return RecordedReading(time: time, namespaces: [namespace])
}

/// Bytes a day of readings with `destinations` destinations takes, measured on `readings` of them.
func storeBytesPerReading(destinations: Int, readings: Int) throws -> Double {
    let directory = "/tmp/twadvise-bench-store-\(destinations)"
    try? FileManager.default.removeItem(atPath: directory)
    let store = try RecordingStore.openForWriting(directory: directory)
    let start = Date().addingTimeInterval(-Double(readings) * 10)
    for i in 0..<readings { _ = store.append(syntheticReading(i, start: start, step: 10, destinations: destinations)) }
    store.close()
    let size = (try? FileManager.default.attributesOfItem(atPath: directory + "/" + RecordingStore.fileName)[.size] as? Int) ?? 0
    if ProcessInfo.processInfo.environment["TWADVISE_BENCH_KEEP"] == nil { try? FileManager.default.removeItem(atPath: directory) }
    return Double(size) / Double(readings)
}

/// The recorder against sadc, in this process's network namespace (run it inside `unshare --net`): CPU per
/// reading at 30,000 loopback TIME_WAIT against one `twadvise snapshot`, peak RSS over a minute of readings,
/// bytes per reading at 8 and 100 destinations against sadc's, and `diagnose --recording` over a day.
func recordBenchmark() throws {
    let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("twadvise").path
    guard FileManager.default.isExecutableFile(atPath: binary) else {
        print("record: build twadvise first (swift build -c release)")
        return
    }
    guard RecordingStore.sqliteVersion != nil else {
        print("record: libsqlite3.so.0 not found (install libsqlite3-0)")
        return
    }
    let made = try LoopbackLoad.makeTimeWait(count: 30_000, family: .ipv4, listeners: 2, deadlineSeconds: 50).reduce(0, +)
    print("record: made \(made) loopback TIME_WAIT; sockstat tw \(LoopbackLoad.sockstatTimeWait() ?? -1)")
    let snapshots = (0..<5).map { _ in measuredSpawn([binary, "snapshot", "--host-namespace"]) }
    let snapshotCPU = median(snapshots.map(\.cpu))
    let directory = "/tmp/twadvise-bench-record"
    try? FileManager.default.removeItem(atPath: directory)
    let one = measuredSpawn([binary, "record", "--dir", directory, "--interval", "1", "--readings", "1", "--host-namespace"])
    try? FileManager.default.removeItem(atPath: directory)
    let readings = 60
    let many = measuredSpawn([binary, "record", "--dir", directory, "--interval", "1", "--readings", String(readings), "--host-namespace"])
    let perReading = (many.cpu - one.cpu) / Double(readings - 1)
    print("record: twadvise snapshot CPU \(fmt(snapshotCPU)); record CPU per reading \(fmt(perReading)) (\(readings) readings minus one); ratio \(String(format: "%.2f", perReading / snapshotCPU))")
    goal("CPU per reading at 30,000 TIME_WAIT within 1.5x one snapshot", measured: String(format: "%.2f", perReading / snapshotCPU), met: perReading <= 1.5 * snapshotCPU)
    let share = perReading / 10 * 100
    goal("at the default 10 s interval <= 0.5% of one CPU", measured: String(format: "%.3f%%", share), met: share <= 0.5)
    goal("peak RSS over \(readings) readings <= 32 MB", measured: "\(many.maxRSSKiB / 1024) MB", met: many.maxRSSKiB <= 32 * 1024)
    let recorded = (try? FileManager.default.attributesOfItem(atPath: directory + "/" + RecordingStore.fileName)[.size] as? Int) ?? 0
    print("record: the live store after \(readings) readings: \(recorded) bytes (\(recorded / readings) per reading, its WAL checkpointed at close)")

    let eight = try storeBytesPerReading(destinations: 8, readings: 2_000)
    let hundred = try storeBytesPerReading(destinations: 100, readings: 2_000)
    goal("<= 8 KB per reading at 8 destinations", measured: String(format: "%.0f B", eight), met: eight <= 8 * 1024)
    goal("<= 20 MB a day for 100 destinations at 10 s", measured: String(format: "%.1f MB (%.0f B per reading)", hundred * 8_640 / 1e6, hundred), met: hundred * 8_640 <= 20e6)

    // sadc, the same host, the same namespace: bytes per sample with the socket and TCP activities.
    if FileManager.default.isExecutableFile(atPath: "/usr/lib/sysstat/sadc") {
        let file = "/tmp/twadvise-bench-sa"
        try? FileManager.default.removeItem(atPath: file)
        _ = measuredSpawn(["/usr/lib/sysstat/sadc", "-S", "SNMP", "1", "2", file])
        let two = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
        try? FileManager.default.removeItem(atPath: file)
        let sadc = measuredSpawn(["/usr/lib/sysstat/sadc", "-S", "SNMP", "1", "12", file])
        let twelve = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
        let perSample = Double(twelve - two) / 10
        print("record: sadc -S SNMP: \(String(format: "%.0f", perSample)) B per sample (host-wide counts only): \(String(format: "%.1f", perSample * 8_640 / 1e6)) MB a day at 10 s, \(String(format: "%.2f", perSample * 144 / 1e6)) MB at sysstat's 10 min; CPU \(fmt(sadc.cpu / 12)) per sample")
    } else {
        print("record: sadc not installed (apt-get install sysstat): no comparison")
    }

    // A day of readings (8,640 at 10 s, 8 destinations), then diagnose --recording over it.
    let day = "/tmp/twadvise-bench-day"
    try? FileManager.default.removeItem(atPath: day)
    let store = try RecordingStore.openForWriting(directory: day)
    let start = Date().addingTimeInterval(-86_400)
    for i in 0..<8_640 { _ = store.append(syntheticReading(i, start: start, step: 10, destinations: 8)) }
    store.close()
    let replay = (0..<3).map { _ in measuredSpawn([binary, "diagnose", "--recording", day, "--from", "-25h", "--format", "json"]) }
    let replayWall = median(replay.map(\.wall))
    goal("diagnose --recording over a day of readings <= 1 s", measured: fmt(replayWall).trimmingCharacters(in: .whitespaces), met: replayWall <= 1)
    try? FileManager.default.removeItem(atPath: day)
    try? FileManager.default.removeItem(atPath: directory)
}
