import Foundation
import Testing
import TWAdviseHistory
import TWAdviseRecorder

/// The size goals: at most 8 KB a reading at 8 destinations, at most 20 MB a day (8,640 readings) at 100.
/// Timings are printed, never asserted; `TWADVISE_RECORDER_DAY=1` also records a whole day at 100
/// destinations and times the worst-moment query over it.
@Suite(.enabled(if: RecordingFixtures.available, Comment(rawValue: RecordingFixtures.skipReason ?? "")))
struct RecordingSizeTests {
    typealias F = RecordingFixtures

    /// Bytes a reading and seconds an append, over `count` readings of `destinations` destinations.
    static func measure(destinations: Int, count: Int) throws -> (bytes: Double, append: Double, dir: String, store: RecordingStore) {
        let dir = try F.folder()
        let store = try RecordingStore.openForWriting(directory: dir)
        // A first reading, so the dictionaries (destinations, owners) are not counted against the rest.
        _ = store.append(F.reading(0, destinations: destinations))
        let before = try store.databaseBytes()
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            for i in 1...count { _ = store.append(F.reading(i * 10, destinations: destinations)) }
        }
        try store.executeForTesting("PRAGMA wal_checkpoint(TRUNCATE)")
        let bytes = Double(try store.databaseBytes() - before) / Double(count)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return (bytes, seconds / Double(count), dir, store)
    }

    @Test func eightDestinationsTakeAtMost8KBAReading() throws {
        let m = try Self.measure(destinations: 8, count: 500)
        defer { F.remove(m.dir) }
        print(String(format: "8 destinations: %.0f B a reading, append %.2f ms", m.bytes, m.append * 1000))
        #expect(m.bytes <= 8192)
    }

    @Test func aHundredDestinationsTakeAtMost20MBADay() throws {
        let m = try Self.measure(destinations: 100, count: 1000)
        defer { F.remove(m.dir) }
        let perDay = m.bytes * 8640
        print(String(format: "100 destinations: %.0f B a reading, %.1f MB a day at 10 s, append %.2f ms", m.bytes, perDay / 1e6, m.append * 1000))
        #expect(perDay <= 20_000_000)
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["TWADVISE_RECORDER_DAY"] != nil, "set TWADVISE_RECORDER_DAY=1 to record a day"))
    func aDayOfReadings() throws {
        let m = try Self.measure(destinations: 100, count: 8640)
        defer { F.remove(m.dir) }
        let clock = ContinuousClock()
        var worst: WorstMoment?
        let query = try clock.measure { worst = try m.store.worstMoment(in: .all) }
        var history = 0
        let replay = try clock.measure { history = try m.store.history(in: .all).series.count }
        let reopened = try RecordingStore.openForReading(directory: m.dir)
        let cold = try clock.measure { _ = try reopened.worstMoment(in: .all) }
        print("a day at 100 destinations: \(Int(m.bytes * 8640 / 1e6)) MB, append \(String(format: "%.2f", m.append * 1000)) ms,"
              + " worst moment \(query) (cold \(cold)) at \(worst?.reading.time.description ?? "-"), history \(replay) (\(history) series)")
        #expect(worst != nil)
    }
}
