import Synchronization
extension RecordingStore {
    /// Removes readings older than `retain` (before the newest reading) and, beyond `maxSize`, the oldest,
    /// then gives free pages back to the file system. Returns how many readings were removed.
    ///
    /// ``append(_:)`` runs it after every reading; call it to apply new bounds at once.
    @discardableResult
    public func prune() throws(RecorderError) -> Int {
        try withConnection { state, connection in try prune(&state, connection) }
    }

    func prune(_ state: inout State, _ c: SQLiteConnection) throws -> Int {
        guard !isReadOnly else { return 0 }
        var removed = 0
        if let newest = state.newestTime {
            let cutoff = newest - Int64(retain.components.seconds) * 1000 - retain.components.attoseconds / 1_000_000_000_000_000
            if let oldest = try c.scalar("SELECT min(time_ms) FROM readings"), oldest < cutoff {
                removed += try c.transaction {
                    try c.statement("INSERT INTO doomed SELECT id FROM readings WHERE time_ms < ?").run([.int(cutoff)])
                    return try deleteDoomed(c)
                }
            }
        }
        // Beyond max-size, remove the oldest readings down to 90% of it (so this runs now and then, not on
        // every append), never the newest.
        let pageSize = try c.scalar("PRAGMA page_size") ?? 4096
        for _ in 0..<8 {
            let pages = try c.scalar("PRAGMA page_count") ?? 0
            let free = try c.scalar("PRAGMA freelist_count") ?? 0
            let used = (pages - free) * pageSize
            guard maxSize > 0, used > maxSize else { break }
            let count = try c.scalar("SELECT count(*) FROM readings") ?? 0
            guard count > 1 else { break }
            let target = maxSize * 9 / 10
            let share = Double(used - target) / Double(max(used, 1))
            let victims = min(count - 1, max(1, Int64((Double(count) * share).rounded(.up))))
            removed += try c.transaction {
                try c.statement("INSERT INTO doomed SELECT id FROM readings ORDER BY id LIMIT ?").run([.int(victims)])
                return try deleteDoomed(c)
            }
        }
        if removed > 0 {
            // Give free pages back when they are more than an eighth of the file (the next readings reuse
            // the rest, so the file does not shrink and grow at every append).
            let pages = try c.scalar("PRAGMA page_count") ?? 0
            let free = try c.scalar("PRAGMA freelist_count") ?? 0
            if free > pages / 8 || pages * pageSize > maxSize {
                try c.exec("PRAGMA incremental_vacuum(\(free - pages / 16 > 0 ? free - pages / 16 : free))")
            }
        }
        return removed
    }

    /// Deletes the readings listed in the temporary `doomed` table, carrying the sysctls and configuration
    /// in effect forward to the first reading kept (they are recorded only when they change).
    private func deleteDoomed(_ c: SQLiteConnection) throws -> Int {
        defer { try? c.exec("DELETE FROM doomed") }
        if let keep = try c.scalar("SELECT min(id) FROM readings WHERE id NOT IN doomed") {
            try c.statement("""
                INSERT OR IGNORE INTO sysctl_changes (reading, key, value)
                SELECT ?, s.key, s.value FROM sysctl_changes s
                WHERE s.reading IN doomed
                  AND s.reading = (SELECT max(t.reading) FROM sysctl_changes t WHERE t.key = s.key AND t.reading IN doomed)
                """).run([.int(keep)])
            try c.statement("""
                INSERT OR IGNORE INTO config_changes (reading, text)
                SELECT ?, text FROM config_changes WHERE reading = (SELECT max(reading) FROM config_changes WHERE reading IN doomed)
                """).run([.int(keep)])
        }
        for table in RecordingSchema.readingTables {
            try c.exec("DELETE FROM \(table) WHERE reading IN doomed")
        }
        try c.exec("DELETE FROM readings WHERE id IN doomed")
        return c.changes
    }
}
