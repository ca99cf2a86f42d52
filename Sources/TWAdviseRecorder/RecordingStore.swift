import Glibc
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization

/// The flight recorder's store: one SQLite database (`DIR/twadvise.sqlite`, WAL mode) per folder.
///
/// Open it for writing (``openForWriting(directory:retain:maxSize:maxSnapshots:)``: takes the folder's lock,
/// creates the store, appends readings and keeps it within its bounds) or for replay
/// (``openForReading(directory:)``: read-only, never takes the lock, works beside a running recorder).
///
/// Thread safety: `Sendable` and safe to share; every call runs under one `Mutex` that owns the SQLite
/// connection, so the connection (opened `SQLITE_OPEN_NOMUTEX`) is only ever used by one thread at a time.
/// ``forEachReading(in:_:)`` calls its body outside that lock.
public final class RecordingStore: Sendable {
    /// The folder.
    public let directory: String
    /// The database file.
    public let path: String
    /// Whether it was opened for replay.
    public let isReadOnly: Bool
    /// Readings older than this (before the newest reading) are removed.
    public let retain: Duration
    /// Bound of the database file, in bytes; the oldest readings are removed beyond it.
    public let maxSize: Int64
    /// How many full snapshots are kept; the oldest are removed beyond it.
    public let maxSnapshots: Int

    let lock: RecorderLock?
    let state: Mutex<State>

    /// What one connection knows, guarded by the store's mutex.
    ///
    /// `@unchecked Sendable` because of the connection (a non-`Sendable` class): a `State` lives only inside
    /// the store's `Mutex` and is only touched in its `withLock`, so one thread at a time uses it. (Without
    /// this, the closures the store runs under the lock could not be handed the state and connection.)
    struct State: @unchecked Sendable {
        var connection: SQLiteConnection?
        /// The newest reading's time (ms), for retention and the clock check.
        var newestTime: Int64?
        /// The condition said and not yet over (`disk_full`, ...), with its text.
        var problem: RecorderNotice?
        /// Whether the clock's going backwards was said and has not caught up yet.
        var clockSaid = false
        /// Whether ``close()`` was called (appends then do not reopen the store).
        var closed = false
        /// Events to write once the store can be written again.
        var pendingEvents: [(time: Int64, notice: RecorderNotice)] = []
        var namespaceIDs: [NamespaceKey: Int64] = [:]
        var destinationIDs: [DestinationKey: Int64] = [:]
        var ownerIDs: [[String]: Int64] = [:]
        /// Replay's reverse dictionaries.
        var destinationsByID: [Int64: DestinationKey] = [:]
        var ownersByID: [Int64: [String]] = [:]
        var namespacesByID: [Int64: NamespaceKey] = [:]

        mutating func forgetIDs() {
            namespaceIDs = [:]
            destinationIDs = [:]
            ownerIDs = [:]
            destinationsByID = [:]
            ownersByID = [:]
            namespacesByID = [:]
        }
    }

    struct NamespaceKey: Hashable {
        var label: String
        var inode: Int64?
    }

    struct DestinationKey: Hashable {
        var namespace: Int64
        var local: String
        var remote: String
        var port: Int64
    }

    /// The version of the SQLite runtime library loaded (`3.40.1`), or nil when libsqlite3.so.0 cannot be loaded.
    public static var sqliteVersion: String? { try? SQLiteLibrary.shared.get().version }

    /// The database file's name in `directory`.
    public static var fileName: String { RecordingSchema.fileName }

    private init(directory: String, readOnly: Bool, retain: Duration, maxSize: Int64, maxSnapshots: Int,
                 lock: RecorderLock?, connection: sending SQLiteConnection) throws(RecorderError) {
        self.directory = directory
        self.path = directory + "/" + RecordingSchema.fileName
        self.isReadOnly = readOnly
        self.retain = retain
        self.maxSize = maxSize
        self.maxSnapshots = maxSnapshots
        self.lock = lock
        var initial = State()
        do {
            initial.newestTime = try connection.scalar("SELECT max(time_ms) FROM readings")
        } catch {
            throw RecorderError.from(error, path: directory + "/" + RecordingSchema.fileName)
        }
        initial.connection = connection
        self.state = Mutex(initial)
    }

    /// Opens (creating it if needed) the store of `directory` for recording, and takes the folder's lock.
    ///
    /// Throws ``RecorderError/Code/locked`` naming the PID of a recorder already at work there,
    /// ``RecorderError/Code/libraryMissing`` without libsqlite3.so.0, ``RecorderError/Code/notWritable``
    /// for a folder that cannot be written, ``RecorderError/Code/notARecording`` for a file that is not one.
    public static func openForWriting(directory: String, retain: Duration = .seconds(7 * 86_400),
                                      maxSize: Int64 = 1 << 30, maxSnapshots: Int = 100) throws(RecorderError) -> RecordingStore {
        if case .failure(let error) = SQLiteLibrary.shared { throw RecorderError(.libraryMissing, error.message) }
        var existing = stat()
        if lstat(directory, &existing) != 0 {
            let parent = directory.contains("/") ? String(directory[..<directory.lastIndex(of: "/")!]) : ""
            do {
                if !parent.isEmpty { try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true) }
            } catch {
                throw RecorderError(.notWritable, "cannot create the folder \(parent): \(error)")
            }
            guard mkdir(directory, 0o700) == 0 || errno == EEXIST else {
                throw RecorderError(errno == EROFS || errno == EACCES ? .notWritable : .cannotOpen,
                                    "cannot create the folder \(directory): \(String(cString: strerror(errno)))")
            }
        }
        try checkFolder(directory)
        let lock = try RecorderLock(directory: directory)
        let connection = try openWriter(directory + "/" + RecordingSchema.fileName, maxSize: maxSize)
        return try RecordingStore(directory: directory, readOnly: false, retain: retain, maxSize: maxSize,
                                  maxSnapshots: maxSnapshots, lock: lock, connection: connection)
    }

    /// Opens the store of `directory` read-only, for replay.
    ///
    /// In WAL mode a reader needs the `-shm` file beside the database: beside a running recorder it is
    /// there; in a folder this user cannot write and without one, the store is opened with `immutable=1`
    /// (readings still only in an uncheckpointed `-wal`, after a recorder was killed, are then not seen).
    public static func openForReading(directory: String) throws(RecorderError) -> RecordingStore {
        if case .failure(let error) = SQLiteLibrary.shared { throw RecorderError(.libraryMissing, error.message) }
        let path = directory + "/" + RecordingSchema.fileName
        guard FileManager.default.fileExists(atPath: path) else {
            throw RecorderError(.cannotOpen, "no recording in \(directory): \(path) not found")
        }
        let connection = try openReader(path)
        return try RecordingStore(directory: directory, readOnly: true, retain: .zero, maxSize: 0, maxSnapshots: 0,
                                  lock: nil, connection: connection)
    }

    /// Closes the connection (checkpointing the WAL into the database) and releases the lock.
    ///
    /// Appends after `close` are not stored (they report the store as not writable).
    public func close() {
        defer { lock?.release() }
        state.withLock { state in
            if let connection = state.connection, !isReadOnly {
                try? connection.exec("PRAGMA wal_checkpoint(TRUNCATE)")
            }
            state.connection = nil
            state.closed = true
            state.forgetIDs()
        }
    }

    /// Closes and opens the database again (for SIGHUP: the file may have been moved or restored).
    /// Returns what to say once when it cannot be opened; appends then keep trying.
    public func reopen() -> RecorderNotice? {
        state.withLock { state -> RecorderNotice? in
            guard !state.closed else { return nil }
            state.connection = nil
            state.forgetIDs()
            do {
                state.connection = isReadOnly ? try Self.openReader(path) : try Self.openWriter(path, maxSize: maxSize)
                state.newestTime = try state.connection?.scalar("SELECT max(time_ms) FROM readings")
                return nil
            } catch {
                let notice = RecorderNotice.notWritable("\(error)")
                if state.problem?.kind == notice.kind { return nil }
                state.problem = notice
                return notice
            }
        }
    }

    /// Opens or creates a store for writing, with the settings that keep it crash-safe and bounded.
    static func openWriter(_ path: String, maxSize: Int64) throws(RecorderError) -> SQLiteConnection {
        do {
            // Never through a link, and only a file of our own: in a folder someone else could write, a planted
            // `twadvise.sqlite` would have root write where its owner chose (RecordingStore.checkFolder).
            let connection = try SQLiteConnection(path: path, flags: SQLiteCode.openReadWrite | SQLiteCode.openCreate | SQLiteCode.openNoFollow)
            var info = stat()
            guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_uid == geteuid() else {
                throw RecorderError(.notWritable, "\(path) is not a regular file of this user's: refusing to record into it")
            }
            try connection.exec("PRAGMA trusted_schema = OFF")
            let tables = try connection.scalar("SELECT count(*) FROM sqlite_schema") ?? 0
            if tables == 0 {
                try connection.exec(RecordingSchema.create)
            } else {
                try checkFormat(connection, path: path)
                try connection.exec("PRAGMA journal_mode = WAL")
            }
            // WAL + synchronous=NORMAL: a committed reading survives the process being killed (kill -9); only
            // a power loss can lose the last transactions. The WAL is checkpointed often enough that it stays
            // small next to max-size, and truncated back after each checkpoint.
            let pageSize = try connection.scalar("PRAGMA page_size") ?? 4096
            let checkpointPages = min(1000, max(16, maxSize / pageSize / 8))
            try connection.exec("""
                PRAGMA synchronous = NORMAL; PRAGMA temp_store = MEMORY;
                PRAGMA wal_autocheckpoint = \(checkpointPages); PRAGMA journal_size_limit = \(checkpointPages * pageSize);
                CREATE TEMP TABLE doomed (id INTEGER PRIMARY KEY);
                """)
            return connection
        } catch let error as RecorderError {
            throw error
        } catch let error as SQLiteError {
            throw RecorderError.from(error, path: path)
        } catch {
            throw RecorderError(.sqlite, "\(path): \(error)")
        }
    }

    /// Opens a store read-only, falling back to `immutable=1` where the `-shm` file cannot be made.
    static func openReader(_ path: String) throws(RecorderError) -> SQLiteConnection {
        let connection: SQLiteConnection
        do {
            connection = try attemptReader(path, SQLiteCode.openReadOnly)
        } catch {
            guard [SQLiteCode.cantOpen, SQLiteCode.readOnly, SQLiteCode.ioError].contains(error.primary) else {
                throw RecorderError.from(error, path: path)
            }
            do {
                connection = try attemptReader("file:" + uriEscaped(path) + "?immutable=1", SQLiteCode.openReadOnly | SQLiteCode.openURI)
            } catch {
                throw RecorderError.from(error, path: path)
            }
        }
        do {
            try checkFormat(connection, path: path)
        } catch {
            throw classify(error, path: path)
        }
        return connection
    }

    /// A read-only connection to `name` that has read the schema (which needs the `-shm` file).
    private static func attemptReader(_ name: String, _ flags: Int32) throws(SQLiteError) -> SQLiteConnection {
        let connection = try SQLiteConnection(path: name, flags: flags)
        try connection.exec("PRAGMA trusted_schema = OFF")
        _ = try connection.scalar("SELECT count(*) FROM sqlite_schema")
        try connection.exec("PRAGMA query_only = 1")
        return connection
    }

    /// Refuses another application's database and a newer format.
    static func checkFormat(_ connection: SQLiteConnection, path: String) throws {
        let application = try connection.scalar("PRAGMA application_id") ?? 0
        let version = try connection.scalar("PRAGMA user_version") ?? 0
        guard application == RecordingSchema.applicationID else {
            throw RecorderError(.notARecording, "\(path) is not a TWAdvise recording: another application's SQLite database")
        }
        guard version <= RecordingSchema.version else {
            throw RecorderError(.newerFormat, "\(path) is a recording of format \(version), newer than this twadvise reads (\(RecordingSchema.version)): use a newer twadvise")
        }
        // Its tables, indexes and views must be those twadvise creates, statement for statement: a view or a
        // trigger of someone else's (a recursive view named `readings` that never ends) is never run.
        guard try schema(of: connection) == expectedSchema else {
            throw RecorderError(.notARecording, "\(path) is not a TWAdvise recording: its tables, indexes or views are not those twadvise makes")
        }
    }

    /// `type name sql` of every object of a store, sorted.
    static func schema(of connection: SQLiteConnection) throws -> [String] {
        let statement = try connection.statement("SELECT type, name, coalesce(sql, '') FROM sqlite_schema ORDER BY type, name")
        var rows: [String] = []
        while try statement.step() {
            rows.append(statement.text(0) + " " + statement.text(1) + " " + statement.text(2))
            if rows.count > 1_000 { break }
        }
        return rows
    }

    /// The schema of a store twadvise creates, made once in memory.
    static let expectedSchema: [String] = {
        guard let connection = try? SQLiteConnection(path: ":memory:", flags: SQLiteCode.openReadWrite | SQLiteCode.openCreate),
              (try? connection.exec(RecordingSchema.create)) != nil, let rows = try? schema(of: connection) else { return [] }
        return rows
    }()

    /// Refuses to record into a folder someone else could change under root: it (and the lock and database
    /// in it) must not be a link and must be this user's, and neither it nor any folder above it may be
    /// writable by another user (unless sticky, as /tmp is): the checks `ssh` makes of `~/.ssh`.
    static func checkFolder(_ directory: String) throws(RecorderError) {
        var info = stat()
        guard lstat(directory, &info) == 0 else {
            throw RecorderError(.cannotOpen, "cannot read \(directory): \(String(cString: strerror(errno)))")
        }
        guard (info.st_mode & S_IFMT) == S_IFDIR else {
            throw RecorderError(.notWritable, "\(directory) is not a directory (a symbolic link is refused): refusing to record into it")
        }
        let euid = geteuid()
        guard info.st_uid == euid, info.st_mode & 0o022 == 0 else {
            throw RecorderError(.notWritable, "\(directory) is not this user's, or others may write it (mode \(String(info.st_mode & 0o777, radix: 8))): refusing to record into it (chmod go-w, or a folder of your own)")
        }
        guard let real = realpath(directory, nil) else { return }
        defer { free(real) }
        var path = String(cString: real)
        while path != "/" && !path.isEmpty {
            path = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
            let parent = path.isEmpty ? "/" : path
            guard stat(parent, &info) == 0 else { break }
            let othersWrite = info.st_mode & 0o022 != 0, sticky = info.st_mode & S_ISVTX != 0
            guard info.st_uid == 0 || info.st_uid == euid, !othersWrite || sticky else {
                throw RecorderError(.notWritable, "\(parent), above \(directory), may be changed by another user: refusing to record there")
            }
            if parent == "/" { break }
        }
    }

    /// `path` with the characters a URI gives meaning to escaped.
    static func uriEscaped(_ path: String) -> String {
        var out = ""
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "%"), UInt8(ascii: "?"), UInt8(ascii: "#"), 0..<0x21, 0x7f...:
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            default: out.unicodeScalars.append(Unicode.Scalar(byte))
            }
        }
        return out
    }

    /// Runs `body` with the open connection, or throws when the store was closed.
    func withConnection<T>(_ body: (inout State, SQLiteConnection) throws -> T) throws(RecorderError) -> T {
        let path = self.path
        let result: Result<T, RecorderError> = state.withLock { state in
            guard let connection = state.connection else { return .failure(RecorderError(.cannotOpen, "\(path) is closed")) }
            do {
                return .success(try body(&state, connection))
            } catch {
                return .failure(Self.classify(error, path: path))
            }
        }
        return try result.get()
    }

    /// Any error of the store's work as a ``RecorderError``.
    static func classify(_ error: any Error, path: String) -> RecorderError {
        if let error = error as? RecorderError { return error }
        if let error = error as? SQLiteError { return RecorderError.from(error, path: path) }
        return RecorderError(.sqlite, "\(path): \(error)")
    }

    /// Runs `sql` on the store's connection: for tests that simulate a full disk (`PRAGMA max_page_count`)
    /// or a read-only store (`PRAGMA query_only`).
    package func executeForTesting(_ sql: String) throws(RecorderError) {
        try withConnection { _, connection in try connection.exec(sql) }
    }

    /// The database's size in pages times page size (what retention bounds), in bytes.
    public func databaseBytes() throws(RecorderError) -> Int64 {
        try withConnection { _, connection in
            (try connection.scalar("PRAGMA page_count") ?? 0) * (try connection.scalar("PRAGMA page_size") ?? 0)
        }
    }

    /// Milliseconds since 1970 of `date`.
    static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
    /// The date of `ms`.
    static func date(_ ms: Int64) -> Date { Date(timeIntervalSince1970: Double(ms) / 1000) }
}

extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
