import Synchronization
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension RecordingStore {
    /// Stores `reading` in one transaction, then removes what retention no longer keeps.
    ///
    /// Never throws: a full disk, a store that cannot be written or another write failure leave what was
    /// written intact, lose this reading, and are said once in ``AppendOutcome/notices`` (and in the
    /// `events` table as soon as it can be written); the next append tries again (reopening the store
    /// when it was lost). A reading older than the newest stored one (the clock went backwards) is stored
    /// with its own time and said once until the clock catches up.
    public func append(_ reading: RecordedReading) -> AppendOutcome {
        state.withLock { state in
            var notices: [RecorderNotice] = []
            let time = Self.milliseconds(reading.time)
            if state.closed { return AppendOutcome(stored: false, notices: say(.notWritable("the store was closed"), &state)) }
            if state.connection == nil {
                do {
                    state.connection = try Self.openWriter(path, maxSize: maxSize)
                    state.newestTime = try state.connection?.scalar("SELECT max(time_ms) FROM readings")
                } catch {
                    return AppendOutcome(stored: false, notices: say(.notWritable("\(error)"), &state))
                }
            }
            guard let connection = state.connection else { return AppendOutcome(stored: false) }
            if let newest = state.newestTime, time < newest {
                if !state.clockSaid {
                    state.clockSaid = true
                    let notice = RecorderNotice.clockWentBackwards(newest: Self.date(newest), reading: reading.time)
                    notices.append(notice)
                    state.pendingEvents.append((time, notice))
                }
            } else {
                state.clockSaid = false
            }
            do {
                try connection.transaction { try insert(reading, time: time, &state, connection) }
            } catch {
                state.forgetIDs()
                let failure = (error as? SQLiteError) ?? SQLiteError(code: 1, message: "\(error)")
                let notice: RecorderNotice
                switch failure.primary {
                case SQLiteCode.full: notice = .diskFull(failure.description)
                case SQLiteCode.readOnly, SQLiteCode.cantOpen, 3 /* SQLITE_PERM */: notice = .notWritable(failure.description)
                default: notice = .writeFailed(failure.description)
                }
                if failure.primary != SQLiteCode.full, failure.primary != SQLiteCode.busy {
                    // The file may be gone or replaced, or the file system remounted: open it afresh next time.
                    state.connection = nil
                }
                return AppendOutcome(stored: false, notices: notices + say(notice, &state))
            }
            state.newestTime = max(state.newestTime ?? time, time)
            if let problem = state.problem {
                state.problem = nil
                let recovered = RecorderNotice.recovered(problem.shortName)
                notices.append(recovered)
                state.pendingEvents.append((time, recovered))
            }
            writePendingEvents(&state, connection)
            let pruned = (try? prune(&state, connection)) ?? 0
            return AppendOutcome(stored: true, notices: notices, pruned: pruned)
        }
    }

    /// Records `notice` as the current problem: returned (to say) only when it is a new condition.
    private func say(_ notice: RecorderNotice, _ state: inout State) -> [RecorderNotice] {
        if state.problem?.kind == notice.kind { return [] }
        state.problem = notice
        state.pendingEvents.append((Self.milliseconds(Date()), notice))
        if let connection = state.connection { writePendingEvents(&state, connection) }
        return [notice]
    }

    /// Writes the events not yet written; keeps them (at most 100) when the store cannot be written.
    private func writePendingEvents(_ state: inout State, _ connection: SQLiteConnection) {
        guard !state.pendingEvents.isEmpty else { return }
        do {
            let insert = try connection.statement("INSERT INTO events (time_ms, kind, message) VALUES (?, ?, ?)")
            for event in state.pendingEvents {
                try insert.run([.int(event.time), .text(event.notice.kind), .text(event.notice.description)])
            }
            state.pendingEvents = []
        } catch {
            state.pendingEvents = Array(state.pendingEvents.suffix(100))
        }
    }

    private func insert(_ reading: RecordedReading, time: Int64, _ state: inout State, _ c: SQLiteConnection) throws {
        try c.statement("INSERT INTO readings (time_ms) VALUES (?)").run([.int(time)])
        let id = c.lastInsertRowid
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        for namespace in reading.namespaces {
            let ns = try namespaceID(namespace, &state, c)
            let ranked = namespace.destinations.enumerated().sorted { a, b in
                let x = a.element.rankingValue ?? -1, y = b.element.rankingValue ?? -1
                return x != y ? x > y : a.offset < b.offset
            }.map(\.element)
            var packed: [PackedDestinations.Entry] = []
            let row = try c.statement("""
                INSERT INTO destination_readings (reading, destination, rank, in_use, time_wait, established, close_wait,
                    share_ppm, pressure_ppm, owners) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for (rank, d) in ranked.enumerated() {
                let destination = try destinationID(d, namespace: ns, &state, c)
                let owners = d.owners.isEmpty ? nil : try ownersID(d.owners, &state, c, encoder)
                let entry = PackedDestinations.Entry(destination: destination, inUse: Int64(d.inUse), timeWait: Int64(d.timeWait),
                                                     established: Int64(d.established), closeWait: d.closeWait.map(Int64.init),
                                                     sharePPM: d.shareOfR.map(Self.ppm), pressurePPM: d.pressure.map(Self.ppm), owners: owners)
                if rank < RecordingSchema.rowDestinations {
                    try row.run([.int(id), .int(destination), .int(Int64(rank)), .int(entry.inUse), .int(entry.timeWait),
                                 .int(entry.established), .optional(entry.closeWait), .optional(entry.sharePPM),
                                 .optional(entry.pressurePPM), .optional(owners)])
                } else {
                    packed.append(entry)
                }
            }
            let states = String(decoding: try encoder.encode(namespace.states), as: UTF8.self)
            let deltas = String(decoding: try encoder.encode(namespace.counterDeltas), as: UTF8.self)
            try c.statement("""
                INSERT INTO namespace_readings (reading, namespace, interval_ms, time_wait, time_wait_out, time_wait_in,
                    ports_usable, states, counter_deltas, more_destinations) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).run([.int(id), .int(ns), .optional(namespace.intervalSeconds.map { Int64(($0 * 1000).rounded()) }),
                          .optional(namespace.timeWait.map(Int64.init)), .optional(namespace.timeWaitOutbound.map(Int64.init)),
                          .optional(namespace.timeWaitInbound.map(Int64.init)), .optional(namespace.portsUsable.map(Int64.init)),
                          .text(states), .text(deltas), packed.isEmpty ? .null : .blob(PackedDestinations.pack(packed))])
        }
        let sysctl = try c.statement("INSERT INTO sysctl_changes (reading, key, value) VALUES (?, ?, ?)")
        for (key, value) in reading.changedSysctls.sorted(by: { $0.key < $1.key }) {
            try sysctl.run([.int(id), .text(key), .text(value)])
        }
        if let config = reading.persistentConfig {
            try c.statement("INSERT INTO config_changes (reading, text) VALUES (?, ?)").run([.int(id), .text(config)])
        }
        let message = try c.statement("INSERT INTO kernel_messages (reading, seq, message) VALUES (?, ?, ?)")
        for (seq, text) in reading.kernelMessages.enumerated() {
            try message.run([.int(id), .int(Int64(seq)), .text(text)])
        }
        if let snapshot = reading.snapshot {
            try c.statement("INSERT INTO snapshots (reading, json) VALUES (?, ?)").run([.int(id), .blob([UInt8](snapshot))])
            try c.statement("DELETE FROM snapshots WHERE reading NOT IN (SELECT reading FROM snapshots ORDER BY reading DESC LIMIT ?)")
                .run([.int(Int64(max(0, maxSnapshots)))])
        }
    }

    static func ppm(_ fraction: Double) -> Int64 { Int64((max(0, fraction) * 1_000_000).rounded()) }

    private func namespaceID(_ namespace: RecordedNamespace, _ state: inout State, _ c: SQLiteConnection) throws -> Int64 {
        let key = NamespaceKey(label: namespace.label, inode: namespace.inode.map { Int64(bitPattern: $0) })
        if let id = state.namespaceIDs[key] { return id }
        let inode: SQLiteValue = .optional(key.inode)
        let id: Int64
        if let found = try c.scalar("SELECT id FROM namespaces WHERE label = ? AND inode IS ?", [.text(key.label), inode]) {
            id = found
        } else {
            try c.statement("INSERT INTO namespaces (label, inode) VALUES (?, ?)").run([.text(key.label), inode])
            id = c.lastInsertRowid
        }
        state.namespaceIDs[key] = id
        return id
    }

    private func destinationID(_ d: RecordedDestination, namespace: Int64, _ state: inout State, _ c: SQLiteConnection) throws -> Int64 {
        let key = DestinationKey(namespace: namespace, local: d.localAddress, remote: d.address, port: Int64(d.port))
        if let id = state.destinationIDs[key] { return id }
        let values: [SQLiteValue] = [.int(namespace), .text(key.local), .text(key.remote), .int(key.port)]
        let id: Int64
        if let found = try c.scalar("""
            SELECT id FROM destinations WHERE namespace = ? AND local_address = ? AND remote_address = ? AND remote_port = ?
            """, values) {
            id = found
        } else {
            try c.statement("INSERT INTO destinations (namespace, local_address, remote_address, remote_port) VALUES (?, ?, ?, ?)").run(values)
            id = c.lastInsertRowid
        }
        // Bounded: a host with churning destinations must not grow the recorder's memory.
        if state.destinationIDs.count >= 20_000 { state.destinationIDs = [:] }
        state.destinationIDs[key] = id
        return id
    }

    private func ownersID(_ owners: [String], _ state: inout State, _ c: SQLiteConnection, _ encoder: JSONEncoder) throws -> Int64 {
        if let id = state.ownerIDs[owners] { return id }
        let text = String(decoding: try encoder.encode(owners), as: UTF8.self)
        let id: Int64
        if let found = try c.scalar("SELECT id FROM owner_sets WHERE owners = ?", [.text(text)]) {
            id = found
        } else {
            try c.statement("INSERT INTO owner_sets (owners) VALUES (?)").run([.text(text)])
            id = c.lastInsertRowid
        }
        if state.ownerIDs.count >= 5_000 { state.ownerIDs = [:] }
        state.ownerIDs[owners] = id
        return id
    }
}

extension SQLiteValue {
    static func optional(_ value: Int64?) -> SQLiteValue { value.map { .int($0) } ?? .null }
}

extension RecorderNotice {
    /// The condition in a few words, for ``recovered(_:)``.
    var shortName: String {
        switch self {
        case .diskFull: "a full disk"
        case .notWritable: "a store that could not be written"
        case .writeFailed: "a write failure"
        case .clockWentBackwards: "the clock going backwards"
        case .recovered: "a recovery"
        }
    }
}
