/// The recording's schema (docs/recording.md describes it for people who query it with `sqlite3`).
enum RecordingSchema {
    /// `PRAGMA application_id`: "TWAD".
    static let applicationID: Int64 = 0x5457_4144
    /// `PRAGMA user_version`: the format this code writes; readers accept this and older.
    static let version: Int64 = 1
    /// The store's file name inside the folder.
    static let fileName = "twadvise.sqlite"
    /// Destinations of rank below this are rows of `destination_readings`; the rest are packed into
    /// `namespace_readings.more_destinations` (see ``PackedDestinations``).
    static let rowDestinations = 10

    /// Settings of a new store, set before any table exists (auto_vacuum must come first).
    static let create = """
        PRAGMA auto_vacuum = INCREMENTAL;
        PRAGMA journal_mode = WAL;
        BEGIN;
        PRAGMA application_id = \(applicationID);
        PRAGMA user_version = \(version);
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
        CREATE TABLE readings (id INTEGER PRIMARY KEY, time_ms INTEGER NOT NULL);
        CREATE INDEX readings_by_time ON readings (time_ms);
        CREATE TABLE namespaces (id INTEGER PRIMARY KEY, label TEXT NOT NULL, inode INTEGER);
        CREATE TABLE namespace_readings (
            reading INTEGER NOT NULL, namespace INTEGER NOT NULL,
            interval_ms INTEGER, time_wait INTEGER, time_wait_out INTEGER, time_wait_in INTEGER, ports_usable INTEGER,
            states TEXT NOT NULL, counter_deltas TEXT NOT NULL, more_destinations BLOB,
            PRIMARY KEY (reading, namespace));
        CREATE TABLE destinations (
            id INTEGER PRIMARY KEY, namespace INTEGER NOT NULL,
            local_address TEXT NOT NULL, remote_address TEXT NOT NULL, remote_port INTEGER NOT NULL,
            UNIQUE (namespace, local_address, remote_address, remote_port));
        CREATE TABLE owner_sets (id INTEGER PRIMARY KEY, owners TEXT NOT NULL UNIQUE);
        CREATE TABLE destination_readings (
            reading INTEGER NOT NULL, destination INTEGER NOT NULL, rank INTEGER NOT NULL,
            in_use INTEGER NOT NULL, time_wait INTEGER NOT NULL, established INTEGER NOT NULL, close_wait INTEGER,
            share_ppm INTEGER, pressure_ppm INTEGER, owners INTEGER,
            PRIMARY KEY (reading, destination)) WITHOUT ROWID;
        CREATE TABLE sysctl_changes (reading INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
            PRIMARY KEY (reading, key)) WITHOUT ROWID;
        CREATE TABLE config_changes (reading INTEGER PRIMARY KEY, text TEXT NOT NULL);
        CREATE TABLE kernel_messages (reading INTEGER NOT NULL, seq INTEGER NOT NULL, message TEXT NOT NULL,
            PRIMARY KEY (reading, seq)) WITHOUT ROWID;
        CREATE TABLE snapshots (reading INTEGER PRIMARY KEY, json BLOB NOT NULL);
        CREATE TABLE events (id INTEGER PRIMARY KEY, time_ms INTEGER NOT NULL, kind TEXT NOT NULL, message TEXT NOT NULL);
        CREATE VIEW namespace_history AS
            SELECT r.id AS reading, r.time_ms, datetime(r.time_ms / 1000, 'unixepoch') AS time_utc,
                   n.label AS namespace, n.inode, x.time_wait, x.time_wait_out, x.time_wait_in, x.ports_usable,
                   x.states, x.counter_deltas, x.interval_ms / 1000.0 AS interval_seconds
            FROM namespace_readings x JOIN readings r ON r.id = x.reading JOIN namespaces n ON n.id = x.namespace;
        CREATE VIEW destination_history AS
            SELECT r.id AS reading, r.time_ms, datetime(r.time_ms / 1000, 'unixepoch') AS time_utc,
                   n.label AS namespace, d.local_address, d.remote_address, d.remote_port, x.rank,
                   x.in_use, x.time_wait, x.established, x.close_wait,
                   x.share_ppm / 1e6 AS share_of_r, x.pressure_ppm / 1e6 AS pressure, o.owners
            FROM destination_readings x JOIN readings r ON r.id = x.reading
                 JOIN destinations d ON d.id = x.destination JOIN namespaces n ON n.id = d.namespace
                 LEFT JOIN owner_sets o ON o.id = x.owners;
        INSERT INTO meta VALUES ('format', '1'), ('writer', 'twadvise record');
        COMMIT;
        """

    /// Tables with a `reading` column, which retention deletes from along with `readings`.
    static let readingTables = ["namespace_readings", "destination_readings", "sysctl_changes", "config_changes",
                                "kernel_messages", "snapshots"]
}

/// The destinations of rank ≥ ``RecordingSchema/rowDestinations``, packed into one BLOB per namespace and
/// reading: a format byte (1), then per destination, in rank order, unsigned LEB128 varints of:
/// destination id, in_use, time_wait, established, close_wait + 1, share_ppm + 1, pressure_ppm + 1,
/// owners id + 1 (0 for each of the last four: unknown / none).
///
/// About 12 bytes a destination against about 28 for a row: what keeps 100 destinations a reading within
/// 20 MB a day (docs/recording.md has the measurements).
enum PackedDestinations {
    struct Entry: Equatable {
        var destination: Int64
        var inUse: Int64
        var timeWait: Int64
        var established: Int64
        var closeWait: Int64?
        var sharePPM: Int64?
        var pressurePPM: Int64?
        var owners: Int64?
    }

    static func pack(_ entries: [Entry]) -> [UInt8] {
        var bytes: [UInt8] = [1]
        bytes.reserveCapacity(1 + entries.count * 14)
        func put(_ value: Int64) {
            var v = UInt64(max(0, value))
            while v >= 0x80 {
                bytes.append(UInt8(v & 0x7f) | 0x80)
                v >>= 7
            }
            bytes.append(UInt8(v))
        }
        for e in entries {
            put(e.destination); put(e.inUse); put(e.timeWait); put(e.established)
            put(e.closeWait.map { $0 + 1 } ?? 0); put(e.sharePPM.map { $0 + 1 } ?? 0)
            put(e.pressurePPM.map { $0 + 1 } ?? 0); put(e.owners.map { $0 + 1 } ?? 0)
        }
        return bytes
    }

    /// The entries of `bytes`; nil when the format is unknown or the bytes are cut short.
    static func unpack(_ bytes: [UInt8]) -> [Entry]? {
        guard bytes.first == 1 else { return bytes.isEmpty ? [] : nil }
        var i = 1
        func get() -> Int64? {
            var value: UInt64 = 0, shift: UInt64 = 0
            while i < bytes.count, shift < 64 {
                let b = bytes[i]
                i += 1
                value |= UInt64(b & 0x7f) << shift
                if b < 0x80 { return Int64(truncatingIfNeeded: value) }
                shift += 7
            }
            return nil
        }
        var entries: [Entry] = []
        while i < bytes.count {
            guard let d = get(), let u = get(), let tw = get(), let est = get(), let cw = get(), let share = get(),
                  let pressure = get(), let owners = get() else { return nil }
            entries.append(Entry(destination: d, inUse: u, timeWait: tw, established: est, closeWait: cw == 0 ? nil : cw - 1,
                                 sharePPM: share == 0 ? nil : share - 1, pressurePPM: pressure == 0 ? nil : pressure - 1,
                                 owners: owners == 0 ? nil : owners - 1))
        }
        return entries
    }
}
