import Foundation
import Testing
import TWAdviseHistory
import TWAdviseRecorder

@Suite(.enabled(if: RecordingFixtures.available, Comment(rawValue: RecordingFixtures.skipReason ?? "")))
struct RecordingStoreTests {
    typealias F = RecordingFixtures

    @Test func readingsComeBackAsWritten() throws {
        let dir = try F.folder()
        defer { F.remove(dir) }
        let store = try RecordingStore.openForWriting(directory: dir)
        var first = F.reading(0, destinations: 15, namespaces: 2, snapshot: Data("{\"schemaVersion\":1}".utf8))
        first.changedSysctls = ["net.ipv4.tcp_tw_reuse": "2", "net.ipv4.ip_local_port_range": "32768\t60999"]
        first.persistentConfig = "net.ipv4.tcp_tw_reuse = 1\n"
        first.kernelMessages = ["TCP: time wait bucket table overflow", "nf_conntrack: table full, dropping packet"]
        var second = F.reading(10, destinations: 15, namespaces: 2)
        second.changedSysctls = ["net.ipv4.tcp_tw_reuse": "1"]
        for reading in [first, second] {
            let outcome = store.append(reading)
            #expect(outcome == AppendOutcome(stored: true))
        }
        let back = try store.readings(in: .all)
        #expect(back == [F.stored(first), F.stored(second)])
        let snapshot = try #require(try store.snapshot(nearest: F.start.addingTimeInterval(8)))
        #expect(snapshot.time == F.start)
        #expect(String(decoding: snapshot.json, as: UTF8.self) == "{\"schemaVersion\":1}")
        let settings = try store.settings(at: F.start.addingTimeInterval(15))
        #expect(settings.sysctls == ["net.ipv4.tcp_tw_reuse": "1", "net.ipv4.ip_local_port_range": "32768\t60999"])
        #expect(settings.persistentConfig == "net.ipv4.tcp_tw_reuse = 1\n")
        store.close()

        let reader = try RecordingStore.openForReading(directory: dir)
        #expect(try reader.readings(in: RecordingWindow(from: F.start.addingTimeInterval(5), to: F.start.addingTimeInterval(10)))
            == [F.stored(second)])
    }

    @Test("the host record: kept, replaced, a field removed when absent, a huge value cut, read back by a reader")
    func hostRecordRoundTrip() throws {
        let dir = try F.folder()
        defer { F.remove(dir) }
        let store = try RecordingStore.openForWriting(directory: dir)
        #expect(try store.hostRecord() == RecordingStore.HostRecord())
        try store.noteHost(RecordingStore.HostRecord(hostname: "web-1", kernel: "6.8.0-45-generic",
                                                     kernelMessagesNotRecorded: "/dev/kmsg: permission denied"))
        try store.noteHost(RecordingStore.HostRecord(hostname: String(repeating: "é", count: 2_000), kernel: "6.8.0-46-generic"))
        store.close()
        let reader = try RecordingStore.openForReading(directory: dir)
        defer { reader.close() }
        let record = try reader.hostRecord()
        #expect(record.kernel == "6.8.0-46-generic")
        #expect(record.kernelMessagesNotRecorded == nil)
        #expect(record.hostname == String(repeating: "é", count: 256))
    }

    @Test("a crafted recording's host values come out at most 512 bytes, cut between scalars, however they group")
    func hostRecordFromACraftedRecording() throws {
        let dir = try F.folder()
        defer { F.remove(dir) }
        let store = try RecordingStore.openForWriting(directory: dir)
        try store.noteHost(RecordingStore.HostRecord(hostname: "h", kernel: "k", kernelMessagesNotRecorded: "r"))
        // One grapheme cluster of 100,001 scalars (a Character-counted cap lets it through whole), a 3-byte
        // scalar cut at 512, and bytes that are not UTF-8.
        try store.executeForTesting("UPDATE meta SET value = 'a' || replace(hex(zeroblob(100000)), '00', char(769)) WHERE key = 'hostname'")
        try store.executeForTesting("UPDATE meta SET value = replace(hex(zeroblob(300)), '00', '€') WHERE key = 'kernel'")
        try store.executeForTesting("UPDATE meta SET value = CAST(x'ff41fe' AS TEXT) WHERE key = 'kernel_messages'")
        let record = try store.hostRecord()
        store.close()
        #expect(record.hostname == "a" + String(repeating: "\u{301}", count: 255))
        #expect(record.kernel == String(repeating: "€", count: 170))
        #expect(record.kernelMessagesNotRecorded == "\u{FFFD}A\u{FFFD}")
    }

    @Test func historyHasTimeWaitPerNamespaceAndShareOfRPerDestination() throws {
        let dir = try F.folder()
        defer { F.remove(dir) }
        let store = try RecordingStore.openForWriting(directory: dir)
        for t in stride(from: 0, to: 60, by: 10) { _ = store.append(F.reading(t, destinations: 12, namespaces: 2)) }
        let history = try store.history(in: .all)
        let tw = history.series.filter { $0.quantity == .sockstat("TCP", "tw") }
        #expect(tw.map(\.labels) == [["namespace": "host"], ["namespace": "container-1"]])
        #expect(tw.first?.points.map(\.value) == (0..<6).map { Double(20_000 + $0 * 10) })
        let share = history.series.filter { $0.quantity == .twadvise("twadvise_destination_port_share") && $0.labels["namespace"] == "host" }
        // The ten destinations stored as rows are the ones with series; each has a point in every reading.
        #expect(share.count == 10)
        #expect(share.allSatisfy { $0.points.count == 6 })
        let rate = history.series.first { $0.quantity == .counterRate("Tcp", "ActiveOpens") }
        #expect(rate?.points.first?.value == 300)
    }

    @Test func worstMomentIsTheHighestPressureElseTimeWait() throws {
        let dir = try F.folder()
        defer { F.remove(dir) }
        let store = try RecordingStore.openForWriting(directory: dir)
        for t in stride(from: 0, to: 100, by: 10) {
            var reading = F.reading(t, destinations: 3)
            if t == 70 { reading.namespaces[0].destinations[1].pressure = 0.91 }
            _ = store.append(reading)
        }
        let worst = try #require(try store.worstMoment(in: .all))
        #expect(worst.reading.time == F.start.addingTimeInterval(70))
        #expect(worst.measure == "pressure")
        #expect(worst.value == 0.91)
        #expect(worst.destination?.address == "10.1.0.2")

        let plain = try F.folder()
        defer { F.remove(plain) }
        let bare = try RecordingStore.openForWriting(directory: plain)
        for t in [0, 10, 20] {
            var reading = F.reading(t, destinations: 0)
            reading.namespaces[0].timeWait = t == 10 ? 50_000 : 1_000
            _ = bare.append(reading)
        }
        let byTimeWait = try #require(try bare.worstMoment(in: .all))
        #expect(byTimeWait.measure == "TIME_WAIT")
        #expect(byTimeWait.reading.time == F.start.addingTimeInterval(10))
        #expect(try bare.worstMoment(in: RecordingWindow(from: F.start.addingTimeInterval(-100), to: F.start.addingTimeInterval(-1))) == nil)
    }

    @Test func retentionRemovesReadingsOlderThanRetainAndKeepsTheSettingsInEffect() throws {
        let dir = try F.folder()
        defer { F.remove(dir) }
        let store = try RecordingStore.openForWriting(directory: dir, retain: .seconds(60))
        var first = F.reading(0)
        first.changedSysctls = ["net.ipv4.tcp_tw_reuse": "2"]
        first.persistentConfig = "net.ipv4.tcp_tw_reuse = 2\n"
        _ = store.append(first)
        for t in stride(from: 10, through: 300, by: 10) { _ = store.append(F.reading(t)) }
        let span = try #require(try store.span())
        #expect(span.from == F.start.addingTimeInterval(240))
        #expect(try store.count() == 7)
        let settings = try store.settings(at: F.start.addingTimeInterval(300))
        #expect(settings.sysctls == ["net.ipv4.tcp_tw_reuse": "2"])
        #expect(settings.persistentConfig == "net.ipv4.tcp_tw_reuse = 2\n")
    }

    @Test func retentionKeepsTheFileWithinMaxSize() throws {
        let dir = try F.folder()
        defer { F.remove(dir) }
        let maxSize: Int64 = 1 << 20
        let store = try RecordingStore.openForWriting(directory: dir, maxSize: maxSize)
        var largest = 0
        for i in 0..<1500 {
            let outcome = store.append(F.reading(i * 10, destinations: 100))
            #expect(outcome.stored)
            largest = max(largest, F.bytesOnDisk(dir))
        }
        let databaseBytes = try store.databaseBytes()
        let span = try #require(try store.span())
        print("max-size 1 MiB: database \(databaseBytes) B, largest on disk with WAL and shm \(largest) B, readings kept \(try store.count()) of 1500")
        #expect(databaseBytes <= maxSize)
        #expect(span.from > F.start)
        // The WAL is checkpointed every maxSize/8 and truncated back: the files stay within 1.5 × max-size.
        #expect(largest <= Int(maxSize) * 3 / 2)
    }

    @Test func aSecondRecorderOnTheFolderFailsNamingTheHoldersPID() throws {
        let dir = try F.folder()
        defer { F.remove(dir) }
        let store = try RecordingStore.openForWriting(directory: dir)
        let error = #expect(throws: RecorderError.self) { try RecordingStore.openForWriting(directory: dir) }
        #expect(error?.code == .locked)
        #expect(error?.pid == getpid())
        #expect(error?.message.contains("process \(getpid())") == true)
        store.close()
        let next = try RecordingStore.openForWriting(directory: dir)
        #expect(next.append(F.reading(0)).stored)
    }

    @Test func aClockGoingBackwardsIsSaidOnceAndTheReadingKept() throws {
        let dir = try F.folder()
        defer { F.remove(dir) }
        let store = try RecordingStore.openForWriting(directory: dir)
        _ = store.append(F.reading(100))
        let back = store.append(F.reading(50))
        #expect(back.stored)
        #expect(back.notices == [.clockWentBackwards(newest: F.start.addingTimeInterval(100), reading: F.start.addingTimeInterval(50))])
        #expect(store.append(F.reading(60)).notices == [])
        #expect(store.append(F.reading(110)).notices == [])
        #expect(store.append(F.reading(105)).notices.count == 1)
        #expect(try store.count() == 5)
        #expect(try store.events().map(\.kind) == ["clock_backwards", "clock_backwards"])
    }

    @Test func aFullDiskIsSaidOnceLosesNothingWrittenAndRecovers() throws {
        let dir = try F.folder()
        defer { F.remove(dir) }
        let store = try RecordingStore.openForWriting(directory: dir)
        for t in [0, 10] { _ = store.append(F.reading(t)) }
        let pages = try store.databaseBytes() / 4096
        try store.executeForTesting("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA max_page_count = \(pages)")
        let big = F.reading(20, destinations: 100, snapshot: Data(repeating: 0x41, count: 200_000))
        let full = store.append(big)
        #expect(full.stored == false)
        #expect(full.notices.map(\.kindForTest) == ["disk_full"])
        #expect(store.append(F.reading(30, snapshot: Data(repeating: 0x41, count: 200_000))).notices == [])
        try store.executeForTesting("PRAGMA max_page_count = 1000000")
        let again = store.append(F.reading(40))
        #expect(again.stored)
        #expect(again.notices.map(\.kindForTest) == ["recovered"])
        #expect(try store.readings(in: .all).map(\.time) == [0, 10, 40].map { F.start.addingTimeInterval(Double($0)) })
        #expect(try store.events().map(\.kind) == ["disk_full", "recovered"])
    }

    @Test func aStoreThatCannotBeWrittenIsSaidOnceAndReopened() throws {
        let dir = try F.folder()
        defer { F.remove(dir) }
        let store = try RecordingStore.openForWriting(directory: dir)
        _ = store.append(F.reading(0))
        try store.executeForTesting("PRAGMA query_only = 1")
        let refused = store.append(F.reading(10))
        #expect(refused.stored == false)
        #expect(refused.notices.map(\.kindForTest) == ["not_writable"])
        // The next append opens the store afresh (as after a remount), which can be written again.
        let next = store.append(F.reading(20))
        #expect(next.stored)
        #expect(next.notices.map(\.kindForTest) == ["recovered"])
        #expect(try store.count() == 2)
    }

    @Test func aFileThatIsNotARecordingIsAClearError() throws {
        let dir = try F.folder()
        defer { F.remove(dir) }
        try Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 7919) }).write(to: URL(fileURLWithPath: dir + "/" + RecordingStore.fileName))
        let reading = #expect(throws: RecorderError.self) { try RecordingStore.openForReading(directory: dir) }
        #expect(reading?.code == .notARecording)
        #expect(reading?.message == "\(dir)/twadvise.sqlite is not a TWAdvise recording: file is not a database")
        let writing = #expect(throws: RecorderError.self) { try RecordingStore.openForWriting(directory: dir) }
        #expect(writing?.code == .notARecording)
    }

    @Test func replayOfAFolderWithoutARecordingSaysSo() throws {
        let dir = try F.folder()
        defer { F.remove(dir) }
        let error = #expect(throws: RecorderError.self) { try RecordingStore.openForReading(directory: dir) }
        #expect(error?.message == "no recording in \(dir): \(dir)/twadvise.sqlite not found")
    }

    @Test func replayBesideARunningRecorderSeesItsReadings() throws {
        let dir = try F.folder()
        defer { F.remove(dir) }
        let writer = try RecordingStore.openForWriting(directory: dir)
        _ = writer.append(F.reading(0))
        let reader = try RecordingStore.openForReading(directory: dir)
        _ = writer.append(F.reading(10))
        #expect(try reader.count() == 2)
        #expect(reader.isReadOnly)
    }
}

extension RecorderNotice {
    var kindForTest: String {
        switch self {
        case .diskFull: "disk_full"
        case .notWritable: "not_writable"
        case .writeFailed: "write_failed"
        case .clockWentBackwards: "clock_backwards"
        case .recovered: "recovered"
        }
    }
}
