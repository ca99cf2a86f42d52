import Foundation
import Testing
import TWAdviseRecorder
import TWAdviseTestSupport

/// Tests that need a second process writing or reading through our store: the test binary runs itself
/// with `TWADVISE_RECORDER_CHILD` set, filtered to ``RecorderProcessTests/childProcessEntry()``, which then
/// acts the part the variable names (and does nothing in an ordinary run).
@Suite(.enabled(if: RecordingFixtures.available, Comment(rawValue: RecordingFixtures.skipReason ?? "")))
struct RecorderProcessTests {
    typealias F = RecordingFixtures
    static let childVariable = "TWADVISE_RECORDER_CHILD"

    /// The child's part: `writer:DIR` appends readings (with large snapshots, so that most of the time is
    /// spent inside a transaction) until it is killed; `reader:DIR` prints the count it can read and
    /// whether it could open the folder for writing.
    @Test func childProcessEntry() throws {
        guard let role = ProcessInfo.processInfo.environment[Self.childVariable] else { return }
        let parts = role.split(separator: ":", maxSplits: 1).map(String.init)
        switch parts[0] {
        case "writer":
            let store = try RecordingStore.openForWriting(directory: parts[1])
            var t = 0
            while true {
                _ = store.append(F.reading(t, destinations: 100, snapshot: Data(repeating: UInt8(t % 251), count: 300_000)))
                t += 10
            }
        case "reader":
            let count = (try? RecordingStore.openForReading(directory: parts[1]).count()).map(String.init) ?? "error"
            let write: String
            do {
                _ = try RecordingStore.openForWriting(directory: parts[1])
                write = "writable"
            } catch {
                write = "\(error.code)"
            }
            print("CHILD count=\(count) write=\(write)")
        default: break
        }
    }

    static func child(_ role: String, wrapper: [String] = []) throws -> Process {
        let process = Process()
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        process.executableURL = URL(fileURLWithPath: wrapper.first ?? executable)
        process.arguments = Array(wrapper.dropFirst()) + (wrapper.isEmpty ? [] : [executable])
            + ["--testing-library", "swift-testing", "--filter", "childProcessEntry"]
        var environment = ProcessInfo.processInfo.environment
        environment[childVariable] = role
        process.environment = environment
        process.standardOutput = Pipe()
        process.standardError = FileHandle.nullDevice
        return process
    }

    @Test func aWriterKilledMidTransactionLosesNoCommittedReading() throws {
        let dir = try F.folder()
        defer { F.remove(dir) }
        let writer = try Self.child("writer:\(dir)")
        try writer.run()
        // Wait for the child's store, then for some readings, then kill it at once, in whatever it is doing.
        let deadline = Date().addingTimeInterval(60)
        var reader: RecordingStore?
        var seen = 0
        while Date() < deadline, seen < 12 {
            usleep(20_000)
            if reader == nil { reader = try? RecordingStore.openForReading(directory: dir) }
            seen = (try? reader?.count()) ?? 0
        }
        let before = (try? reader?.count()) ?? 0
        kill(writer.processIdentifier, SIGKILL)
        writer.waitUntilExit()
        reader = nil
        try #require(before >= 12, "the writer stored \(before) readings in 60 s")

        // The lock went with the process; the store opens cleanly with every reading committed before the kill.
        let store = try RecordingStore.openForWriting(directory: dir)
        let readings = try store.readings(in: .all)
        #expect(readings.count >= before)
        #expect(readings.map(\.time) == (0..<readings.count).map { F.start.addingTimeInterval(Double($0 * 10)) })
        #expect(readings.allSatisfy { $0.namespaces.first?.destinations.count == 100 })
        #expect(store.append(F.reading(readings.count * 10)).stored)
        print("killed after \(before) readings were seen; \(readings.count) found after reopening")
    }

    @Test(.enabled(if: CLIRunner.unprivilegedWrapper != nil, "needs root and setpriv to read as nobody"))
    func aFolderThatCannotBeWrittenIsReplayedAndRefusedForRecording() throws {
        let dir = try F.folder()
        defer { F.remove(dir) }
        let store = try RecordingStore.openForWriting(directory: dir)
        for t in [0, 10, 20] { _ = store.append(F.reading(t)) }
        store.close()
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir)
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: dir + "/" + RecordingStore.fileName + suffix) }
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        try #require(access(executable, R_OK) == 0)
        let child = try Self.child("reader:\(dir)", wrapper: CLIRunner.unprivilegedWrapper ?? [])
        let out = child.standardOutput as? Pipe
        try child.run()
        let text = String(decoding: out?.fileHandleForReading.readDataToEndOfFile() ?? Data(), as: UTF8.self)
        child.waitUntilExit()
        let line = text.split(separator: "\n").first { $0.hasPrefix("CHILD ") }.map(String.init)
        try #require(line != nil, "the child as nobody printed nothing (can nobody run the test binary?): \(text)")
        #expect(line == "CHILD count=3 write=not-writable")
    }
}
