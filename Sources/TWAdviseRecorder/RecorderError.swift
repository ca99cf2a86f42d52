/// An error that stops the recorder or a replay, with a message a person can act on.
public struct RecorderError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, by kind.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        let name: String
        /// SQLite's runtime library could not be loaded.
        public static let libraryMissing = Code(name: "library-missing")
        /// Another recorder holds the folder's lock.
        public static let locked = Code(name: "locked")
        /// The folder or store cannot be written (read-only file system, permissions).
        public static let notWritable = Code(name: "not-writable")
        /// The folder has no recording, or it cannot be opened.
        public static let cannotOpen = Code(name: "cannot-open")
        /// The file is not a TWAdvise recording (not SQLite, another application's database, damaged).
        public static let notARecording = Code(name: "not-a-recording")
        /// The recording was written by a newer TWAdvise.
        public static let newerFormat = Code(name: "newer-format")
        /// SQLite failed otherwise.
        public static let sqlite = Code(name: "sqlite")
        /// The name of the code (`locked`).
        public var description: String { name }
    }

    /// What went wrong, by kind.
    public var code: Code
    /// The message (lower-case, no trailing period).
    public var message: String
    /// The holder's PID for ``Code/locked``.
    public var pid: Int32?
    /// SQLite's extended result code, when SQLite reported it.
    public var sqliteCode: Int32?

    /// An error of `code`.
    public init(_ code: Code, _ message: String, pid: Int32? = nil, sqliteCode: Int32? = nil) {
        self.code = code
        self.message = message
        self.pid = pid
        self.sqliteCode = sqliteCode
    }

    /// The message.
    public var description: String { message }

    /// A SQLite error met on `path`, classified.
    static func from(_ error: SQLiteError, path: String) -> RecorderError {
        switch error.primary {
        case _ where error.code < 0: RecorderError(.libraryMissing, error.message)
        case SQLiteCode.notADatabase, SQLiteCode.corrupt:
            RecorderError(.notARecording, "\(path) is not a TWAdvise recording: \(error.message)", sqliteCode: error.code)
        case SQLiteCode.readOnly: RecorderError(.notWritable, "\(path) cannot be written: \(error.message)", sqliteCode: error.code)
        case SQLiteCode.cantOpen: RecorderError(.cannotOpen, "\(path) cannot be opened: \(error.message)", sqliteCode: error.code)
        default: RecorderError(.sqlite, "\(path): \(error.message) (SQLite code \(error.code))", sqliteCode: error.code)
        }
    }
}
