extension RecordingStore {
    /// What a recording says of the host it was made on, and of what its recorder could not record: kept in
    /// the store's `meta` table (`hostname`, `kernel`, `kernel_messages`, `other_namespaces`), as the recorder
    /// last saw them.
    public struct HostRecord: Sendable, Hashable {
        /// The host name the recorder read.
        public var hostname: String?
        /// The kernel release the recorder read (`6.8.0-45-generic`).
        public var kernel: String?
        /// Why kernel messages are not in the recording (`/dev/kmsg: permission denied (…)`); `nil` when
        /// the recorder read them, or never said.
        public var kernelMessagesNotRecorded: String?
        /// Why network namespaces other than the recorder's own are not in the recording (`entering them needs
        /// root or CAP_SYS_ADMIN`, `--host-namespace`); `nil` when they were recorded, or never said.
        public var otherNamespacesNotRecorded: String?

        /// A record of `hostname` and `kernel`, and why kernel messages or other namespaces were not recorded.
        public init(hostname: String? = nil, kernel: String? = nil, kernelMessagesNotRecorded: String? = nil,
                    otherNamespacesNotRecorded: String? = nil) {
            self.hostname = hostname
            self.kernel = kernel
            self.kernelMessagesNotRecorded = kernelMessagesNotRecorded
            self.otherNamespacesNotRecorded = otherNamespacesNotRecorded
        }
    }

    /// Longest value kept for each field: a host name is at most 64 bytes, a kernel release 64, a reason a line.
    static let hostRecordLimit = 512

    /// At most ``hostRecordLimit`` bytes of `bytes`, cut at a scalar's start (never inside one); invalid UTF-8
    /// repaired. Give it one byte more than the bound, to see whether the cut falls inside a scalar.
    static func bounded(_ bytes: some Collection<UInt8>) -> String {
        let head = Array(bytes.prefix(hostRecordLimit + 1))
        guard head.count > hostRecordLimit else { return String(decoding: head, as: UTF8.self) }
        // The first byte left out continues a scalar (10xxxxxx): leave out that scalar's first bytes too.
        var end = hostRecordLimit
        while end > 0, head[end] & 0xC0 == 0x80 { end -= 1 }
        return String(decoding: head[..<end], as: UTF8.self)
    }

    /// Stores `record`: each field present is kept (cut to 512 bytes), each absent one removed.
    public func noteHost(_ record: HostRecord) throws(RecorderError) {
        try withConnection { _, connection in
            let replace = try connection.statement("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)")
            let remove = try connection.statement("DELETE FROM meta WHERE key = ?")
            for (key, value) in [("hostname", record.hostname), ("kernel", record.kernel), ("kernel_messages", record.kernelMessagesNotRecorded),
                                 ("other_namespaces", record.otherNamespacesNotRecorded)] {
                if let value {
                    try replace.run([.text(key), .text(Self.bounded(value.utf8))])
                } else {
                    try remove.run([.text(key)])
                }
            }
        }
    }

    /// What the recording says of its host; every field `nil` in a recording made before it kept them.
    public func hostRecord() throws(RecorderError) -> HostRecord {
        try withConnection { _, connection in
            // At most the bound's bytes come out of SQLite, whatever a crafted recording holds.
            let select = try connection.statement("""
                SELECT key, substr(CAST(value AS BLOB), 1, \(Self.hostRecordLimit + 1)) FROM meta
                WHERE key IN ('hostname', 'kernel', 'kernel_messages', 'other_namespaces')
                """)
            defer { select.reset() }
            var record = HostRecord()
            while try select.step() {
                let value = Self.bounded(select.blob(1))
                switch select.text(0) {
                case "hostname": record.hostname = value
                case "kernel": record.kernel = value
                case "kernel_messages": record.kernelMessagesNotRecorded = value
                default: record.otherNamespacesNotRecorded = value
                }
            }
            return record
        }
    }
}
