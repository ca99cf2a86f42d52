/// The kernel messages of this domain a log kept, by kind: how many lines, how many `net_ratelimit` hid
/// around them, and when the first and last were logged. A bucket overflow in the log is evidence where the
/// since-boot counter is not available (a sosreport without `netstat -s`, a host rebooted since).
public struct KernelLogFacts: Codable, Sendable, Hashable {
    /// One kind of message.
    public struct Messages: Codable, Sendable, Hashable {
        /// Lines logged.
        public var count: Int
        /// Lines `net_ratelimit: N callbacks suppressed` hid around them (a lower bound).
        public var suppressed: Int
        /// When the first was logged (RFC 3339, UTC).
        public var first: String
        /// When the last was logged (RFC 3339, UTC).
        public var last: String

        /// Messages of one kind.
        package init(count: Int, suppressed: Int, first: String, last: String) {
            self.count = count
            self.suppressed = suppressed
            self.first = first
            self.last = last
        }
    }

    /// By kind: `time_wait_bucket_overflow`, `conntrack_table_full`, `syn_flooding`, `too_many_orphans`,
    /// `tcp_out_of_memory`, `file_max_reached`. A kind that was not logged is absent (its count is 0 when
    /// the log was read).
    public var messages: [String: Messages]
    /// The files or devices read (`var/log/kern.log`, `/dev/kmsg`).
    public var sources: [String]

    /// Facts of a log read from `sources`.
    package init(messages: [String: Messages] = [:], sources: [String] = []) {
        self.messages = messages
        self.sources = sources
    }
}
