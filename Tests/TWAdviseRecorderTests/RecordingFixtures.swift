import Foundation
import TWAdviseRecorder

/// Readings and folders for the recorder's tests.
enum RecordingFixtures {
    /// Why the store's tests are skipped on this machine, nil when they run.
    static let skipReason: String? = RecordingStore.sqliteVersion == nil ? "libsqlite3.so.0 cannot be loaded: install libsqlite3-0" : nil
    static var available: Bool { skipReason == nil }

    static let start = Date(timeIntervalSince1970: 1_780_000_000)

    /// A fresh empty folder, removed by the caller's `defer`.
    static func folder() throws -> String {
        let path = NSTemporaryDirectory() + "twadvise-recorder-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func remove(_ path: String) { try? FileManager.default.removeItem(atPath: path) }

    /// A destination whose numbers vary with `seed`, as a busy host's would.
    static func destination(_ index: Int, seed: Int, r: Int = 28_232) -> RecordedDestination {
        let inUse: Int = max(1, 20_000 / ((index + 1) * (index + 1))) + (seed * 7 + index * 13) % 50
        let timeWait: Int = inUse * 9 / 10
        let share: Double = Double(inUse) / Double(r)
        let shareOfR: Double = (share * 1e6).rounded() / 1e6
        let pressure: Double? = index % 2 == 0 ? ((share * 0.4) * 1e6).rounded() / 1e6 : nil
        let owners: [String] = index % 4 == 0 ? [] : ["java[\(1000 + index % 5)]"]
        return RecordedDestination(localAddress: "10.0.0.5", address: "10.1.\(index / 250).\(index % 250 + 1)", port: 443 + index % 3,
                                   inUse: inUse, timeWait: timeWait, established: inUse - timeWait, closeWait: (seed + index) % 3,
                                   shareOfR: shareOfR, pressure: pressure, owners: owners)
    }

    /// A reading `seconds` after ``start`` with `destinations` destinations in the host namespace.
    static func reading(_ seconds: Int, destinations: Int = 8, namespaces: Int = 1, snapshot: Data? = nil) -> RecordedReading {
        var spaces: [RecordedNamespace] = []
        for n in 0..<namespaces {
            let label = n == 0 ? "host" : "container-\(n)"
            let inode: UInt64? = n == 0 ? nil : UInt64(4_026_532_000 + n)
            let states: [String: Int] = ["ESTABLISHED": 812 + seconds % 50, "TIME_WAIT": 20_000 + seconds % 1000, "CLOSE_WAIT": 3]
            let deltas: [String: Int64] = ["Tcp.ActiveOpens": Int64(3000 + seconds % 200), "TcpExt.TW": Int64(2900 + seconds % 100)]
            let list: [RecordedDestination] = (0..<destinations).map { destination($0, seed: seconds / 10) }
            spaces.append(RecordedNamespace(label: label, inode: inode, timeWait: 20_000 + seconds % 1000,
                                            timeWaitOutbound: 19_000 + seconds % 700, timeWaitInbound: 300, states: states,
                                            portsUsable: 28_232, destinations: list, counterDeltas: deltas, intervalSeconds: 10))
        }
        return RecordedReading(time: start.addingTimeInterval(Double(seconds)), namespaces: spaces, snapshot: snapshot)
    }

    /// `reading` as the store gives it back: destinations ranked, no snapshot.
    static func stored(_ reading: RecordedReading) -> RecordedReading {
        var copy = reading
        copy.snapshot = nil
        for i in copy.namespaces.indices {
            copy.namespaces[i].destinations = copy.namespaces[i].destinations.enumerated().sorted { a, b in
                let x = a.element.rankingValue ?? -1, y = b.element.rankingValue ?? -1
                return x != y ? x > y : a.offset < b.offset
            }.map(\.element)
        }
        return copy
    }

    /// Bytes of the database and its WAL on disk.
    static func bytesOnDisk(_ folder: String) -> Int {
        ["", "-wal", "-shm"].reduce(0) { total, suffix in
            let attributes = try? FileManager.default.attributesOfItem(atPath: folder + "/" + RecordingStore.fileName + suffix)
            return total + ((attributes?[.size] as? NSNumber)?.intValue ?? 0)
        }
    }
}
