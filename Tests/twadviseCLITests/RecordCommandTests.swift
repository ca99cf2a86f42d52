import Foundation
import Testing
import TWAdviseTestSupport

/// `twadvise record` through a loopback burst in a network namespace of the test's own, killed with SIGKILL
/// while it writes, started again on the same folder, and replayed by `diagnose --recording`.
@Suite("record", .serialized, .enabled(if: RecordTools.available, RecordTools.skipReason))
struct RecordCommandTests {
    static func sh(_ command: String) throws -> (Int32, String) {
        let result = try CLIRunner.process("/bin/sh", ["-c", command])
        return (result.status, result.stdout + result.stderr)
    }

    @Test("a burst recorded, the recorder killed mid-write and restarted: the replay names the burst, its destination, its namespace and its time")
    func killedMidWriteAndReplayed() throws {
        let namespace = "twrec\(getpid() % 100_000)"
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("twadvise-record-\(getpid())").path
        try? FileManager.default.removeItem(atPath: directory)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try TestNamespace.with([namespace]) {
            try TestNamespace.ip(["netns", "exec", namespace, "sysctl", "-qw", "net.ipv4.ip_local_port_range=40000 42000"])
            try recordBurstAndReplay(in: namespace, directory: directory)
        }
    }

    private func recordBurstAndReplay(in namespace: String, directory: String) throws {

        let recorder = Process()
        recorder.executableURL = URL(fileURLWithPath: CLIRunner.executable)
        recorder.arguments = ["record", "--dir", directory, "--interval", "1"]
        recorder.standardOutput = FileHandle.nullDevice
        recorder.standardError = FileHandle.nullDevice
        try recorder.run()
        // 1,500 client-first connections toward 127.0.0.9:443 in the namespace: 1,500 TIME_WAIT for 60 s.
        let burstStart = Date()
        let script = "import socket\ns=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1);s.bind(('127.0.0.9',443));s.listen(512)\nfor i in range(1500):\n c=socket.create_connection(('127.0.0.9',443));a,_=s.accept();c.close();a.recv(1);a.close()\n"
        let (status, output) = try Self.sh("ip netns exec \(namespace) python3 -c \"\(script)\"")
        #expect(status == 0, "\(output)")
        // Readings are taken every second: wait (bounded) until a replay beside the running recorder sees the
        // burst, then one reading more, so the kill may land in the middle of a write.
        var seen = false
        for _ in 0..<60 where !seen {
            Thread.sleep(forTimeInterval: 1)
            let peek = try CLIRunner.run(["diagnose", "--recording", directory, "--from", "-10m", "--format", "json"])
            let observed = (try? JSONSerialization.jsonObject(with: Data(peek.stdout.utf8)) as? [String: Any])?["observed"] as? [String: Any]
            seen = (observed?["timeWait"] as? Int ?? 0) >= 1_400
        }
        #expect(seen, "the running recorder's store shows the burst")
        Thread.sleep(forTimeInterval: 1.5)
        kill(recorder.processIdentifier, SIGKILL)  // at any moment: maybe in the middle of a transaction
        recorder.waitUntilExit()
        #expect(recorder.terminationReason == .uncaughtSignal)

        // The store opens cleanly after the kill (the lock went with the process), and records on.
        let again = try CLIRunner.run(["record", "--dir", directory, "--interval", "1", "--readings", "2"])
        #expect(again.status == 0, "\(again.stderr)")

        let replay = try CLIRunner.run(["diagnose", "--recording", directory, "--from", "-10m", "--format", "json"])
        #expect(replay.status == 0, "\(replay.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(replay.stdout.utf8)) as? [String: Any])
        let timeline = try #require(report["timeline"] as? [String: Any])
        let because = try #require(timeline["evaluatedBecause"] as? String)
        #expect(because.contains("network namespace \(namespace)"), "\(because)")
        #expect(because.contains("127.0.0.9:443"), "\(because)")
        let at = try #require((timeline["evaluatedAt"] as? String).flatMap { ISO8601DateFormatter().date(from: $0) })
        #expect(at >= burstStart.addingTimeInterval(-2) && at <= Date(), "evaluated at \(at), the burst started at \(burstStart)")
        let observed = try #require(report["observed"] as? [String: Any])
        #expect((observed["timeWait"] as? Int ?? 0) >= 1_400, "\(observed)")
        let pressed = try #require(observed["mostPressed"] as? [String: Any])
        #expect((pressed["label"] as? String)?.hasSuffix("127.0.0.9:443") == true)
        // R is the namespace's own (40000-42000), not the host's range.
        #expect(observed["usablePorts"] as? Int == 2_001, "\(observed)")
        #expect((report["host"] as? String)?.contains(namespace) == true)

        // watch replays the same readings, oldest first.
        let watch = try CLIRunner.run(["watch", "--recording", directory, "--from", "-10m", "--top", "1"])
        #expect(watch.status == 0, "\(watch.stderr)")
        #expect(watch.stdout.hasPrefix("twadvise watch (replay of a recording) at "))
        #expect(watch.stdout.contains("netns \(namespace): TIME_WAIT "))
        #expect(watch.stdout.contains("→ 127.0.0.9:443  U(D) "))
    }

    @Test("a second recorder on the same folder exits 2 naming the holder's PID")
    func oneRecorderPerFolder() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("twadvise-record-lock-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = Process()
        first.executableURL = URL(fileURLWithPath: CLIRunner.executable)
        first.arguments = ["record", "--dir", directory, "--interval", "5"]
        let log = directory + ".log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: log) }
        first.standardOutput = FileHandle.nullDevice
        first.standardError = FileHandle(forWritingAtPath: log)
        try first.run()
        defer { kill(first.processIdentifier, SIGKILL); first.waitUntilExit() }
        // The first holds the lock once its PID is in the lock file (bounded wait); only then is the second run.
        let lockFile = directory + "/twadvise-record.lock"
        for _ in 0..<100 {
            let holder = (try? String(contentsOfFile: lockFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            if holder == String(first.processIdentifier) { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        let second = try CLIRunner.run(["record", "--dir", directory, "--readings", "1"])
        #expect(second.status == 2)
        #expect(second.stderr.contains(String(first.processIdentifier)), "\(second.stderr)")
        // SIGHUP reopens the store and the recorder goes on (a rotation of logs sends it); SIGTERM stops it at
        // once, with status 0.
        kill(first.processIdentifier, SIGHUP)
        Thread.sleep(forTimeInterval: 0.5)
        #expect(first.isRunning)
        kill(first.processIdentifier, SIGTERM)
        first.waitUntilExit()
        #expect(first.terminationReason == .exit && first.terminationStatus == 0, "\((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
    }
}

/// A recorder that cannot read the kernel's ring buffer (the shipped unit's `ProtectKernelLogs=yes`, or a user
/// without CAP_SYSLOG where `kernel.dmesg_restrict` is 1) says so, and its recording says it too.
@Suite("record without the kernel log", .serialized,
       .enabled(if: RecordTools.available && CLIRunner.unprivilegedWrapper != nil && RecordTools.dmesgRestricted,
                "needs root, setpriv, libsqlite3 and kernel.dmesg_restrict = 1"))
struct RecordWithoutKernelLogTests {
    @Test("as nobody: /dev/kmsg refused is said once on stderr; the recording names the host, its kernel and the gap")
    func kernelLogRefused() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("twadvise-nokmsg-\(getpid())").path
        try? FileManager.default.removeItem(atPath: directory)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        #expect(chown(directory, 65534, 65534) == 0)
        let record = try CLIRunner.run(["record", "--dir", directory, "--interval", "1", "--readings", "2", "--host-namespace"],
                                       wrapper: CLIRunner.unprivilegedWrapper!)
        #expect(record.status == 0, "\(record.stderr)")
        let notice = "twadvise: kernel messages are not recorded: /dev/kmsg: permission denied"
        #expect(record.stderr.components(separatedBy: notice).count == 2, "\(record.stderr)")

        let replay = try CLIRunner.run(["diagnose", "--recording", directory, "--from", "-10m", "--format", "json"])
        #expect(replay.status == 0, "\(replay.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(replay.stdout.utf8)) as? [String: Any])
        let name = try String(contentsOfFile: "/proc/sys/kernel/hostname", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(report["host"] as? String == name)
        let release = try String(contentsOfFile: "/proc/sys/kernel/osrelease", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(report["kernel"] as? String == release)
        #expect(report["source"] as? String == "recording \(directory)")
        let notRead = try #require((report["timeline"] as? [String: Any])?["notRead"] as? [String])
        #expect(notRead.contains { $0.hasPrefix("kernel messages: the recorder could not read them (/dev/kmsg: permission denied") }, "\(notRead)")
        #expect(notRead.contains("network namespaces other than the recorder's own: not recorded (recorded with --host-namespace)"), "\(notRead)")

        // A moment before the first reading: the report says what the recording holds.
        let before = try CLIRunner.run(["diagnose", "--recording", directory, "--at", "-1h", "--format", "json"])
        #expect(before.status == 0, "\(before.stderr)")
        let early = try #require(try JSONSerialization.jsonObject(with: Data(before.stdout.utf8)) as? [String: Any])
        let earlyNotRead = try #require((early["timeline"] as? [String: Any])?["notRead"] as? [String])
        #expect(earlyNotRead.contains { $0.hasPrefix("the moment asked for, ") && $0.contains(": the recording holds readings from ") }, "\(earlyNotRead)")
    }
}

enum RecordTools {
    static let dmesgRestricted = (try? String(contentsOfFile: "/proc/sys/kernel/dmesg_restrict", encoding: .utf8))?
        .trimmingCharacters(in: .whitespacesAndNewlines) == "1"
    static let available: Bool = geteuid() == 0
        && (FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip") || FileManager.default.isExecutableFile(atPath: "/bin/ip"))
        && (FileManager.default.fileExists(atPath: "/usr/lib/x86_64-linux-gnu/libsqlite3.so.0")
            || FileManager.default.fileExists(atPath: "/usr/lib/aarch64-linux-gnu/libsqlite3.so.0"))
    static let skipReason: Comment = "needs root, ip netns and libsqlite3.so.0 (libsqlite3-0)"
}

/// What a user who can write a folder root records into, or who hands over a recording, can do.
@Suite("record: hostile folders and recordings", .serialized, .enabled(if: RecordTools.available, RecordTools.skipReason))
struct RecordHostileTests {
    static func folder(_ name: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("twadvise-hostile-\(name)-\(getpid())").path
        try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        return path
    }

    @Test("a folder another user may write is refused, and a lock link planted there writes nothing through it")
    func plantedLockLink() throws {
        let directory = try Self.folder("lock")
        let victim = directory + ".victim"
        defer { try? FileManager.default.removeItem(atPath: directory); try? FileManager.default.removeItem(atPath: victim) }
        try "IMPORTANT\n".write(toFile: victim, atomically: true, encoding: .utf8)
        #expect(chown(directory, 65534, 65534) == 0)
        #expect(symlink(victim, directory + "/twadvise-record.lock") == 0)
        let result = try CLIRunner.run(["record", "--dir", directory, "--readings", "1"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("refusing to record into it"), "\(result.stderr)")
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "IMPORTANT\n")
        // In a folder of root's own, a link in place of the lock or the database is refused too.
        #expect(chown(directory, 0, 0) == 0)
        let again = try CLIRunner.run(["record", "--dir", directory, "--readings", "1"])
        #expect(again.status == 2)
        #expect(again.stderr.contains("cannot create the lock") && again.stderr.contains("Too many levels of symbolic links"), "\(again.stderr)")
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "IMPORTANT\n")
        #expect(unlink(directory + "/twadvise-record.lock") == 0)
        #expect(symlink(victim, directory + "/twadvise.sqlite") == 0)
        let database = try CLIRunner.run(["record", "--dir", directory, "--readings", "1"])
        #expect(database.status == 2, "\(database.stderr)")
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "IMPORTANT\n")
    }

    @Test("a recording whose schema is not twadvise's (a recursive view named readings) is refused at once, not run")
    func hostileSchema() throws {
        let directory = try Self.folder("schema")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let script = """
            import sqlite3, sys
            c = sqlite3.connect(sys.argv[1])
            c.executescript("PRAGMA application_id=1415004484; PRAGMA user_version=1; CREATE VIEW readings AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT x id, x time_ms FROM c;")
            c.commit()
            """
        let made = try CLIRunner.process("/usr/bin/env", ["python3", "-c", script, directory + "/twadvise.sqlite"])
        try #require(made.status == 0, "\(made.stderr)")
        let result = try CLIRunner.run(["diagnose", "--recording", directory])
        #expect(result.status == 2)
        #expect(result.stderr.contains("is not a TWAdvise recording: its tables, indexes or views are not those twadvise makes"), "\(result.stderr)")
    }
}
