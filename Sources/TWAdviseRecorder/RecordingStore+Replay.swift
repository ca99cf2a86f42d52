import Synchronization
#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A row of the `events` table: what the recorder lived through.
public struct RecorderEvent: Sendable, Hashable {
    /// When it was noticed.
    public var time: Date
    /// `disk_full`, `not_writable`, `write_failed`, `clock_backwards`, `recovered`.
    public var kind: String
    /// What was said.
    public var message: String
}

extension RecordingStore {
    /// The readings of `window`, oldest first (by time, then by the order they were stored), at most `limit`.
    /// Their `snapshot` is nil: read one with ``snapshot(nearest:)``.
    public func readings(in window: RecordingWindow, limit: Int = 100_000) throws(RecorderError) -> [RecordedReading] {
        var readings: [RecordedReading] = []
        try forEachReading(in: window) { reading in
            readings.append(reading)
            return readings.count < limit
        }
        return readings
    }

    /// Calls `body` with each reading of `window`, oldest first, until it returns false; memory stays bounded
    /// (readings are read 256 at a time). `body` runs outside the store's lock and may call the store.
    public func forEachReading(in window: RecordingWindow, _ body: (RecordedReading) throws -> Bool) throws(RecorderError) {
        var after: (time: Int64, id: Int64) = (Self.milliseconds(window.from), Int64.min)
        let to = Self.milliseconds(window.to)
        while true {
            let batch: [RecordedReading]
            (batch, after) = try withConnection { state, c in
                let s = try c.statement("""
                    SELECT id, time_ms FROM readings WHERE time_ms <= ? AND (time_ms > ? OR (time_ms = ? AND id > ?))
                    ORDER BY time_ms, id LIMIT 256
                    """)
                try s.bind([.int(to), .int(after.time), .int(after.time), .int(after.id)])
                var keys: [(Int64, Int64)] = []
                while try s.step() { keys.append((s.int64(0), s.int64(1))) }
                s.reset()
                let readings = try keys.map { try loadReading(id: $0.0, time: $0.1, &state, c) }
                return (readings, keys.last.map { (time: $0.1, id: $0.0) } ?? after)
            }
            for reading in batch {
                do {
                    guard try body(reading) else { return }
                } catch {
                    throw (error as? RecorderError) ?? RecorderError(.sqlite, "\(error)")
                }
            }
            if batch.count < 256 { return }
        }
    }

    /// The reading where the window was worst: the highest pressure (else share of R) of any destination, or
    /// without destinations the highest TIME_WAIT of a namespace; the earliest of equal ones. Nil for an empty window.
    public func worstMoment(in window: RecordingWindow) throws(RecorderError) -> WorstMoment? {
        let bounds: [SQLiteValue] = [.int(Self.milliseconds(window.from)), .int(Self.milliseconds(window.to))]
        return try withConnection { state, c -> WorstMoment? in
            let byDestination = try c.statement("""
                SELECT r.id, r.time_ms, d.namespace, x.destination, x.pressure_ppm IS NOT NULL, coalesce(x.pressure_ppm, x.share_ppm) AS v
                FROM readings r JOIN destination_readings x ON x.reading = r.id JOIN destinations d ON d.id = x.destination
                WHERE r.time_ms BETWEEN ? AND ? AND x.rank = 0 AND v IS NOT NULL
                ORDER BY v DESC, r.time_ms, r.id LIMIT 1
                """)
            try byDestination.bind(bounds)
            if try byDestination.step() {
                let (id, time, ns, destination) = (byDestination.int64(0), byDestination.int64(1), byDestination.int64(2), byDestination.int64(3))
                let measure = byDestination.int64(4) != 0 ? "pressure" : "share of R"
                let value = Double(byDestination.int64(5)) / 1_000_000
                byDestination.reset()
                let reading = try loadReading(id: id, time: time, &state, c)
                let key = try destinationKey(destination, &state, c)
                let namespace = try namespaceKey(ns, &state, c)
                let match = reading.namespaces.first { $0.label == namespace.label }?.destinations.first {
                    $0.localAddress == key.local && $0.address == key.remote && Int64($0.port) == key.port
                }
                return WorstMoment(reading: reading, namespace: namespace.label, destination: match, measure: measure, value: value)
            }
            let byTimeWait = try c.statement("""
                SELECT r.id, r.time_ms, x.namespace, coalesce(x.time_wait, x.time_wait_out + coalesce(x.time_wait_in, 0), x.time_wait_in) AS v
                FROM readings r JOIN namespace_readings x ON x.reading = r.id
                WHERE r.time_ms BETWEEN ? AND ? AND v IS NOT NULL ORDER BY v DESC, r.time_ms, r.id LIMIT 1
                """)
            try byTimeWait.bind(bounds)
            guard try byTimeWait.step() else { return nil }
            let (id, time, ns, value) = (byTimeWait.int64(0), byTimeWait.int64(1), byTimeWait.int64(2), byTimeWait.int64(3))
            byTimeWait.reset()
            let reading = try loadReading(id: id, time: time, &state, c)
            return WorstMoment(reading: reading, namespace: try namespaceKey(ns, &state, c).label, destination: nil,
                               measure: "TIME_WAIT", value: Double(value))
        }
    }

    /// The kept full snapshot (JSON bytes) nearest `time`, with its reading's time; nil when none was kept.
    public func snapshot(nearest time: Date) throws(RecorderError) -> (time: Date, json: Data)? {
        try withConnection { _, c -> (time: Date, json: Data)? in
            let s = try c.statement("""
                SELECT r.time_ms, s.json FROM snapshots s JOIN readings r ON r.id = s.reading
                ORDER BY abs(r.time_ms - ?), r.time_ms LIMIT 1
                """)
            try s.bind([.int(Self.milliseconds(time))])
            guard try s.step() else { return nil }
            defer { s.reset() }
            return (Self.date(s.int64(0)), Data(s.blob(1)))
        }
    }

    /// The sysctls and persistent configuration in effect at `time`: for each key, the value of its last
    /// change recorded at or before the last reading at or before `time`.
    public func settings(at time: Date) throws(RecorderError) -> (sysctls: [String: String], persistentConfig: String?) {
        try withConnection { _, c in
            guard let last = try c.scalar("SELECT id FROM readings WHERE time_ms <= ? ORDER BY time_ms DESC, id DESC LIMIT 1",
                                          [.int(Self.milliseconds(time))]) else { return ([:], nil) }
            let s = try c.statement("""
                SELECT key, value FROM sysctl_changes s
                WHERE reading = (SELECT max(reading) FROM sysctl_changes t WHERE t.key = s.key AND t.reading <= ?)
                """)
            try s.bind([.int(last)])
            var sysctls: [String: String] = [:]
            while try s.step() { sysctls[s.text(0)] = s.text(1) }
            let config = try c.statement("SELECT text FROM config_changes WHERE reading <= ? ORDER BY reading DESC LIMIT 1")
            try config.bind([.int(last)])
            let text = try config.step() ? config.text(0) : nil
            config.reset()
            return (sysctls, text)
        }
    }

    /// The `events` table, oldest first.
    public func events() throws(RecorderError) -> [RecorderEvent] {
        try withConnection { _, c in
            let s = try c.statement("SELECT time_ms, kind, message FROM events ORDER BY id")
            var events: [RecorderEvent] = []
            while try s.step() { events.append(RecorderEvent(time: Self.date(s.int64(0)), kind: s.text(1), message: s.text(2))) }
            return events
        }
    }

    /// The time of the oldest and the newest reading; nil when there is none.
    public func span() throws(RecorderError) -> RecordingWindow? {
        try withConnection { _, c in
            let s = try c.statement("SELECT min(time_ms), max(time_ms) FROM readings")
            guard try s.step(), !s.isNull(0) else { return nil }
            defer { s.reset() }
            return RecordingWindow(from: Self.date(s.int64(0)), to: Self.date(s.int64(1)))
        }
    }

    /// The number of readings stored.
    public func count() throws(RecorderError) -> Int {
        try withConnection { _, c in Int(try c.scalar("SELECT count(*) FROM readings") ?? 0) }
    }

    // MARK: - Decoding one reading

    func loadReading(id: Int64, time: Int64, _ state: inout State, _ c: SQLiteConnection) throws -> RecordedReading {
        let decoder = JSONDecoder()
        var byNamespace: [Int64: [RecordedDestination]] = [:]
        let rows = try c.statement("""
            SELECT d.namespace, d.local_address, d.remote_address, d.remote_port, x.in_use, x.time_wait, x.established,
                   x.close_wait, x.share_ppm, x.pressure_ppm, x.owners
            FROM destination_readings x JOIN destinations d ON d.id = x.destination WHERE x.reading = ? ORDER BY x.rank
            """)
        try rows.bind([.int(id)])
        while try rows.step() {
            let owners = try rows.optionalInt64(10).map { try ownerSet($0, &state, c) } ?? []
            byNamespace[rows.int64(0), default: []].append(RecordedDestination(
                localAddress: rows.text(1), address: rows.text(2), port: Int(rows.int64(3)), inUse: Int(rows.int64(4)),
                timeWait: Int(rows.int64(5)), established: Int(rows.int64(6)), closeWait: rows.optionalInt64(7).map { Int($0) },
                shareOfR: rows.optionalInt64(8).map(Self.fraction), pressure: rows.optionalInt64(9).map(Self.fraction), owners: owners))
        }
        var namespaces: [RecordedNamespace] = []
        let s = try c.statement("""
            SELECT namespace, interval_ms, time_wait, time_wait_out, time_wait_in, ports_usable, states, counter_deltas, more_destinations
            FROM namespace_readings WHERE reading = ? ORDER BY namespace
            """)
        try s.bind([.int(id)])
        var raw: [(ns: Int64, interval: Int64?, tw: Int64?, out: Int64?, inbound: Int64?, r: Int64?, states: String, deltas: String, packed: [UInt8])] = []
        while try s.step() {
            raw.append((s.int64(0), s.optionalInt64(1), s.optionalInt64(2), s.optionalInt64(3), s.optionalInt64(4), s.optionalInt64(5),
                        s.text(6), s.text(7), s.isNull(8) ? [] : s.blob(8)))
        }
        s.reset()
        for row in raw {
            let key = try namespaceKey(row.ns, &state, c)
            var destinations = byNamespace[row.ns] ?? []
            guard let packed = PackedDestinations.unpack(row.packed) else {
                throw RecorderError(.notARecording, "\(path): reading \(id) has destinations in a format this twadvise does not read")
            }
            for e in packed {
                let d = try destinationKey(e.destination, &state, c)
                destinations.append(RecordedDestination(
                    localAddress: d.local, address: d.remote, port: Int(d.port), inUse: Int(e.inUse), timeWait: Int(e.timeWait),
                    established: Int(e.established), closeWait: e.closeWait.map { Int($0) }, shareOfR: e.sharePPM.map(Self.fraction),
                    pressure: e.pressurePPM.map(Self.fraction), owners: try e.owners.map { try ownerSet($0, &state, c) } ?? []))
            }
            namespaces.append(RecordedNamespace(
                label: key.label, inode: key.inode.map { UInt64(bitPattern: $0) }, timeWait: row.tw.map { Int($0) },
                timeWaitOutbound: row.out.map { Int($0) }, timeWaitInbound: row.inbound.map { Int($0) },
                states: (try? decoder.decode([String: Int].self, from: Data(row.states.utf8))) ?? [:], portsUsable: row.r.map { Int($0) },
                destinations: destinations, counterDeltas: (try? decoder.decode([String: Int64].self, from: Data(row.deltas.utf8))) ?? [:],
                intervalSeconds: row.interval.map { Double($0) / 1000 }))
        }
        var sysctls: [String: String] = [:]
        let sysctl = try c.statement("SELECT key, value FROM sysctl_changes WHERE reading = ?")
        try sysctl.bind([.int(id)])
        while try sysctl.step() { sysctls[sysctl.text(0)] = sysctl.text(1) }
        let config = try c.statement("SELECT text FROM config_changes WHERE reading = ?")
        try config.bind([.int(id)])
        let configText = try config.step() ? config.text(0) : nil
        config.reset()
        var messages: [String] = []
        let message = try c.statement("SELECT message FROM kernel_messages WHERE reading = ? ORDER BY seq")
        try message.bind([.int(id)])
        while try message.step() { messages.append(message.text(0)) }
        return RecordedReading(time: Self.date(time), namespaces: namespaces, changedSysctls: sysctls, persistentConfig: configText,
                               kernelMessages: messages)
    }

    static func fraction(_ ppm: Int64) -> Double { Double(ppm) / 1_000_000 }

    func namespaceKey(_ id: Int64, _ state: inout State, _ c: SQLiteConnection) throws -> NamespaceKey {
        if let key = state.namespacesByID[id] { return key }
        let s = try c.statement("SELECT label, inode FROM namespaces WHERE id = ?")
        try s.bind([.int(id)])
        guard try s.step() else { throw RecorderError(.notARecording, "\(path): namespace \(id) is missing") }
        let key = NamespaceKey(label: s.text(0), inode: s.optionalInt64(1))
        s.reset()
        state.namespacesByID[id] = key
        return key
    }

    func destinationKey(_ id: Int64, _ state: inout State, _ c: SQLiteConnection) throws -> DestinationKey {
        if let key = state.destinationsByID[id] { return key }
        let s = try c.statement("SELECT namespace, local_address, remote_address, remote_port FROM destinations WHERE id = ?")
        try s.bind([.int(id)])
        guard try s.step() else { throw RecorderError(.notARecording, "\(path): destination \(id) is missing") }
        let key = DestinationKey(namespace: s.int64(0), local: s.text(1), remote: s.text(2), port: s.int64(3))
        s.reset()
        if state.destinationsByID.count >= 20_000 { state.destinationsByID = [:] }
        state.destinationsByID[id] = key
        return key
    }

    func ownerSet(_ id: Int64, _ state: inout State, _ c: SQLiteConnection) throws -> [String] {
        if let owners = state.ownersByID[id] { return owners }
        guard let text = try c.statement("SELECT owners FROM owner_sets WHERE id = ?").firstText([.int(id)]) else { return [] }
        let owners = (try? JSONDecoder().decode([String].self, from: Data(text.utf8))) ?? []
        if state.ownersByID.count >= 5_000 { state.ownersByID = [:] }
        state.ownersByID[id] = owners
        return owners
    }
}

extension SQLiteStatement {
    /// The first row's first column as text, nil without a row; the statement is reset after.
    func firstText(_ values: [SQLiteValue]) throws(SQLiteError) -> String? {
        try bind(values)
        defer { reset() }
        return try step() ? text(0) : nil
    }
}
