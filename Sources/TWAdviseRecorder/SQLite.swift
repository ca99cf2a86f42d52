import Glibc

// A small binding over the SQLite C API, loaded at run time with dlopen from the system's libsqlite3.so.0,
// so that building TWAdvise needs no SQLite headers (no -dev package) and a binary runs where the runtime
// library is installed. Only what the recorder's store uses is bound.

/// An error of SQLite or of loading it: the extended result code and SQLite's message.
struct SQLiteError: Error, CustomStringConvertible, Equatable {
    /// The extended result code (`SQLITE_FULL` = 13, `SQLITE_READONLY` = 8, `SQLITE_NOTADB` = 26, ...);
    /// -1 when the library itself could not be loaded.
    var code: Int32
    /// SQLite's message, or why the library could not be loaded.
    var message: String

    /// The primary result code (the low byte of the extended one).
    var primary: Int32 { code & 0xff }

    var description: String { code < 0 ? message : "\(message) (SQLite code \(code))" }
}

/// Result codes and flags the store uses (values from sqlite3.h, stable across SQLite 3 releases).
enum SQLiteCode {
    static let ok: Int32 = 0
    static let busy: Int32 = 5
    static let readOnly: Int32 = 8
    static let ioError: Int32 = 10
    static let corrupt: Int32 = 11
    static let full: Int32 = 13
    static let cantOpen: Int32 = 14
    static let notADatabase: Int32 = 26
    static let row: Int32 = 100
    static let done: Int32 = 101

    static let openReadOnly: Int32 = 0x0000_0001
    static let openReadWrite: Int32 = 0x0000_0002
    static let openCreate: Int32 = 0x0000_0004
    static let openURI: Int32 = 0x0000_0040
    static let openNoMutex: Int32 = 0x0000_8000
    /// `SQLITE_OPEN_NOFOLLOW` (3.31+): the database file may not be a symbolic link.
    static let openNoFollow: Int32 = 0x0100_0000

    static let typeNull: Int32 = 5
}

/// The functions of libsqlite3, looked up once.
struct SQLiteLibrary: Sendable {
    typealias Destructor = @convention(c) (UnsafeMutableRawPointer?) -> Void
    typealias DB = OpaquePointer
    typealias Statement = OpaquePointer

    let open: @convention(c) (UnsafePointer<CChar>?, UnsafeMutablePointer<DB?>?, Int32, UnsafePointer<CChar>?) -> Int32
    let close: @convention(c) (DB?) -> Int32
    let prepare: @convention(c) (DB?, UnsafePointer<CChar>?, Int32, UnsafeMutablePointer<Statement?>?,
                                 UnsafeMutablePointer<UnsafePointer<CChar>?>?) -> Int32
    let step: @convention(c) (Statement?) -> Int32
    let reset: @convention(c) (Statement?) -> Int32
    let clearBindings: @convention(c) (Statement?) -> Int32
    let finalize: @convention(c) (Statement?) -> Int32
    let bindInt64: @convention(c) (Statement?, Int32, Int64) -> Int32
    let bindDouble: @convention(c) (Statement?, Int32, Double) -> Int32
    let bindText: @convention(c) (Statement?, Int32, UnsafePointer<CChar>?, Int32, Destructor?) -> Int32
    let bindBlob: @convention(c) (Statement?, Int32, UnsafeRawPointer?, Int32, Destructor?) -> Int32
    let bindNull: @convention(c) (Statement?, Int32) -> Int32
    let columnType: @convention(c) (Statement?, Int32) -> Int32
    let columnInt64: @convention(c) (Statement?, Int32) -> Int64
    let columnDouble: @convention(c) (Statement?, Int32) -> Double
    let columnText: @convention(c) (Statement?, Int32) -> UnsafePointer<UInt8>?
    let columnBlob: @convention(c) (Statement?, Int32) -> UnsafeRawPointer?
    let columnBytes: @convention(c) (Statement?, Int32) -> Int32
    let errmsg: @convention(c) (DB?) -> UnsafePointer<CChar>?
    let errstr: @convention(c) (Int32) -> UnsafePointer<CChar>?
    let extendedErrcode: @convention(c) (DB?) -> Int32
    let exec: @convention(c) (DB?, UnsafePointer<CChar>?, OpaquePointer?, UnsafeMutableRawPointer?,
                              UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32
    let busyTimeout: @convention(c) (DB?, Int32) -> Int32
    let changes: @convention(c) (DB?) -> Int32
    let lastInsertRowid: @convention(c) (DB?) -> Int64
    let libversion: @convention(c) () -> UnsafePointer<CChar>?

    /// `SQLITE_TRANSIENT`: SQLite copies the bytes before the bind call returns.
    static let transient: Destructor = unsafeBitCast(-1 as Int, to: Destructor.self)

    /// The sonames tried, in order.
    static let names = ["libsqlite3.so.0", "libsqlite3.so"]

    /// The library, loaded on first use; the error names the package to install.
    static let shared: Result<SQLiteLibrary, SQLiteError> = load(names)

    /// The library from the first of `names` that dlopen finds (the handle is kept open for the process).
    static func load(_ names: [String]) -> Result<SQLiteLibrary, SQLiteError> {
        guard let handle = names.lazy.compactMap({ dlopen($0, RTLD_NOW | RTLD_LOCAL) }).first else {
            return .failure(SQLiteError(code: -1, message: "SQLite's runtime library libsqlite3.so.0 was not found: install libsqlite3-0"))
        }
        func symbol<T>(_ name: String) throws(SQLiteError) -> T {
            guard let pointer = dlsym(handle, name) else {
                throw SQLiteError(code: -1, message: "SQLite's runtime library lacks \(name): install a newer libsqlite3-0")
            }
            return unsafeBitCast(pointer, to: T.self)
        }
        do throws(SQLiteError) {
            return .success(SQLiteLibrary(
                open: try symbol("sqlite3_open_v2"), close: try symbol("sqlite3_close_v2"),
                prepare: try symbol("sqlite3_prepare_v2"), step: try symbol("sqlite3_step"), reset: try symbol("sqlite3_reset"),
                clearBindings: try symbol("sqlite3_clear_bindings"), finalize: try symbol("sqlite3_finalize"),
                bindInt64: try symbol("sqlite3_bind_int64"), bindDouble: try symbol("sqlite3_bind_double"),
                bindText: try symbol("sqlite3_bind_text"), bindBlob: try symbol("sqlite3_bind_blob"),
                bindNull: try symbol("sqlite3_bind_null"), columnType: try symbol("sqlite3_column_type"),
                columnInt64: try symbol("sqlite3_column_int64"), columnDouble: try symbol("sqlite3_column_double"),
                columnText: try symbol("sqlite3_column_text"), columnBlob: try symbol("sqlite3_column_blob"),
                columnBytes: try symbol("sqlite3_column_bytes"), errmsg: try symbol("sqlite3_errmsg"),
                errstr: try symbol("sqlite3_errstr"), extendedErrcode: try symbol("sqlite3_extended_errcode"),
                exec: try symbol("sqlite3_exec"), busyTimeout: try symbol("sqlite3_busy_timeout"),
                changes: try symbol("sqlite3_changes"), lastInsertRowid: try symbol("sqlite3_last_insert_rowid"),
                libversion: try symbol("sqlite3_libversion")))
        } catch {
            return .failure(error)
        }
    }

    /// The loaded library's version (`3.40.1`).
    var version: String { libversion().map { String(cString: $0) } ?? "unknown" }
}

/// One database connection. Not `Sendable`: a connection is used by one thread at a time, which the store
/// guarantees by keeping it inside a `Mutex`; the connection is closed (`sqlite3_close_v2`) when released.
final class SQLiteConnection {
    let library: SQLiteLibrary
    let handle: OpaquePointer
    /// The path or URI it was opened with.
    let path: String
    private var cache: [String: SQLiteStatement] = [:]

    /// Opens `path` with `flags` (`SQLiteCode.open*`).
    init(path: String, flags: Int32) throws(SQLiteError) {
        let library = try SQLiteLibrary.shared.get()
        var db: OpaquePointer?
        let rc = library.open(path, &db, flags | SQLiteCode.openNoMutex, nil)
        guard rc == SQLiteCode.ok, let db else {
            let message = db.flatMap { library.errmsg($0) }.map { String(cString: $0) }
                ?? library.errstr(rc).map { String(cString: $0) } ?? "cannot open"
            let code = db.map { library.extendedErrcode($0) } ?? rc
            _ = library.close(db)
            throw SQLiteError(code: code, message: message)
        }
        self.library = library
        self.handle = db
        self.path = path
        _ = library.busyTimeout(db, 2000)
    }

    deinit {
        cache.removeAll()
        _ = library.close(handle)
    }

    /// The connection's last error.
    func lastError(_ rc: Int32? = nil) -> SQLiteError {
        let code = library.extendedErrcode(handle)
        let message = library.errmsg(handle).map { String(cString: $0) } ?? "unknown error"
        return SQLiteError(code: code == 0 ? (rc ?? code) : code, message: message)
    }

    /// Runs one or more statements that return no rows.
    func exec(_ sql: String) throws(SQLiteError) {
        let rc = library.exec(handle, sql, nil, nil, nil)
        guard rc == SQLiteCode.ok else { throw lastError(rc) }
    }

    /// A prepared statement for `sql`, kept for reuse (reset and cleared on return).
    func statement(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        if let cached = cache[sql] {
            cached.reset()
            return cached
        }
        let statement = try SQLiteStatement(self, sql)
        cache[sql] = statement
        return statement
    }

    /// The one integer (or nil) the first row of `sql` gives.
    func scalar(_ sql: String, _ bindings: [SQLiteValue] = []) throws(SQLiteError) -> Int64? {
        let s = try statement(sql)
        try s.bind(bindings)
        defer { s.reset() }
        guard try s.step(), !s.isNull(0) else { return nil }
        return s.int64(0)
    }

    /// Rows changed by the last statement.
    var changes: Int { Int(library.changes(handle)) }
    /// The rowid of the last insert.
    var lastInsertRowid: Int64 { library.lastInsertRowid(handle) }

    /// Runs `body` in a transaction (`BEGIN IMMEDIATE`), rolled back when it throws.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        try exec("BEGIN IMMEDIATE")
        do {
            let value = try body()
            try exec("COMMIT")
            return value
        } catch {
            try? exec("ROLLBACK")
            throw error
        }
    }
}

/// A value to bind.
enum SQLiteValue {
    case int(Int64)
    case double(Double)
    case text(String)
    case blob([UInt8])
    case null
}

/// A prepared statement of one connection, finalized when released.
final class SQLiteStatement {
    // The library and database handle, not the connection: statements are finalized from the
    // connection's deinit, when a reference back to it could no longer be read.
    private let library: SQLiteLibrary
    private let db: OpaquePointer
    private let handle: OpaquePointer

    init(_ connection: SQLiteConnection, _ sql: String) throws(SQLiteError) {
        var statement: OpaquePointer?
        let rc = connection.library.prepare(connection.handle, sql, -1, &statement, nil)
        guard rc == SQLiteCode.ok, let statement else { throw connection.lastError(rc) }
        self.library = connection.library
        self.db = connection.handle
        self.handle = statement
    }

    private func lastError(_ rc: Int32) -> SQLiteError {
        let code = library.extendedErrcode(db)
        let message = library.errmsg(db).map { String(cString: $0) } ?? "unknown error"
        return SQLiteError(code: code == 0 ? rc : code, message: message)
    }

    deinit { _ = library.finalize(handle) }

    func reset() {
        _ = library.reset(handle)
        _ = library.clearBindings(handle)
    }

    /// Binds `values` to parameters 1...n.
    func bind(_ values: [SQLiteValue]) throws(SQLiteError) {
        for (i, value) in values.enumerated() {
            let index = Int32(i + 1)
            let rc: Int32
            switch value {
            case .int(let v): rc = library.bindInt64(handle, index, v)
            case .double(let v): rc = library.bindDouble(handle, index, v)
            case .text(let v): rc = library.bindText(handle, index, v, -1, SQLiteLibrary.transient)
            case .blob(let v):
                rc = v.withUnsafeBytes { library.bindBlob(handle, index, $0.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32($0.count), SQLiteLibrary.transient) }
            case .null: rc = library.bindNull(handle, index)
            }
            guard rc == SQLiteCode.ok else { throw lastError(rc) }
        }
    }

    /// Steps: true for a row, false when done.
    func step() throws(SQLiteError) -> Bool {
        let rc = library.step(handle)
        if rc == SQLiteCode.row { return true }
        if rc == SQLiteCode.done { return false }
        let error = lastError(rc)
        _ = library.reset(handle)
        throw error
    }

    /// Binds, runs to completion and resets.
    func run(_ values: [SQLiteValue]) throws(SQLiteError) {
        try bind(values)
        while try step() {}
        reset()
    }

    func isNull(_ column: Int32) -> Bool { library.columnType(handle, column) == SQLiteCode.typeNull }
    func int64(_ column: Int32) -> Int64 { library.columnInt64(handle, column) }
    func optionalInt64(_ column: Int32) -> Int64? { isNull(column) ? nil : int64(column) }
    func double(_ column: Int32) -> Double { library.columnDouble(handle, column) }
    func text(_ column: Int32) -> String {
        guard let pointer = library.columnText(handle, column) else { return "" }
        return String(decoding: UnsafeBufferPointer(start: pointer, count: Int(library.columnBytes(handle, column))), as: UTF8.self)
    }
    func optionalText(_ column: Int32) -> String? { isNull(column) ? nil : text(column) }
    func blob(_ column: Int32) -> [UInt8] {
        guard let pointer = library.columnBlob(handle, column) else { return [] }
        let count = Int(library.columnBytes(handle, column))
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }
}
