public import TWAdviseEngine

/// Everything a report is rendered from, besides the templates.
public struct ReportInput: Sendable {
    /// The host's name as read (raw; the renderer escapes it).
    public var hostname: String?
    /// Kernel release as read.
    public var kernel: String?
    /// Where the facts came from (`live host`, `captured tree /x`).
    public var source: String
    /// When the facts were read, if they were read live.
    public var collectedAt: String?
    /// The current value of sysctls and counters by schema name (`tcp_tw_reuse` → `2`), for rollback steps.
    public var current: [String: String]
    /// The rules' outcomes.
    public var evaluation: Evaluation
    /// Findings below this severity are left out of the report (they still count in the summary).
    public var minimumSeverity: Severity
    /// Problems met reading the facts (`path:line: message`).
    public var warnings: [String]
    /// Rule ids disabled, with the justification.
    public var disabled: [(id: String, justification: String)]
    /// Values commands are computed from for this host (never lower than its current limits), by name.
    public var plan: [String: String] = [:]
    /// Text for a person about this host (`set_elsewhere_tcp_tw_reuse`), raw: the renderer escapes it.
    public var notes: [String: String] = [:]
    /// Rules that replace an earlier one with the same id (`override: true`), with the justification.
    public var overridden: [(id: String, justification: String)] = []
    /// For a live network namespace other than the one TWAdvise ran in: the command that opens a shell in
    /// it (`ip netns exec NAME bash`, `nsenter -t PID -n bash`), where every command of the runbook belongs.
    public var enterNamespace: String?
    /// Whether the facts come from a container's network namespace (persistent settings go in its spec).
    public var inContainer = false
    /// Whether the facts describe a network namespace other than the host's own (live or in a sosreport):
    /// its settings never persist in the host's `/etc`, so no step of its runbook writes there.
    public var otherNamespace = false
    /// What the report does not cover and why (network namespaces not entered, a bound hit), shown at the top.
    public var notCovered: [String] = []
    /// What was read, before any rule: shown first in every report, healthy ones too.
    public var observed = Observed()
    /// When the facts were read from history: the `## Timeline` section.
    public var timeline: Timeline?
    /// What the verdict needs and could not get: the rules that decide exhaustion and the other causes that
    /// lacked facts, each with what was missing. While any is listed and nothing of medium or above fired, the
    /// verdict is "insufficient data", never "healthy".
    public var verdictGaps: [VerdictGap] = []

    public init(hostname: String?, kernel: String?, source: String, collectedAt: String?, current: [String: String],
                evaluation: Evaluation, minimumSeverity: Severity = .info, warnings: [String] = [],
                disabled: [(id: String, justification: String)] = []) {
        self.hostname = hostname
        self.kernel = kernel
        self.source = source
        self.collectedAt = collectedAt
        self.current = current
        self.evaluation = evaluation
        self.minimumSeverity = minimumSeverity
        self.warnings = warnings
        self.disabled = disabled
    }

    /// The findings shown, in rank order.
    public var shownFindings: [Finding] { evaluation.findings.filter { $0.severity >= minimumSeverity } }

    /// The highest severity among the findings, `nil` when nothing fired.
    public var highestSeverity: Severity? { evaluation.findings.map(\.severity).max() }

    /// Whether the verdict cannot be given: a deciding rule lacked facts and nothing of medium or above fired.
    public var insufficientForVerdict: Bool { verdict == .insufficientData }

    /// The verdict: ``Verdict/insufficientData`` when ``insufficientForVerdict``, else by the highest
    /// severity (``Verdict/healthy`` only when nothing fired and every deciding rule could run).
    public var verdict: Verdict { Verdict(highest: highestSeverity, decidable: verdictGaps.isEmpty) }
}

/// A rule that decides the verdict and could not be evaluated, with what it lacked.
public struct VerdictGap: Sendable, Hashable, Codable {
    /// The rule's id.
    public var rule: String
    /// What it checks, in a few words ("port exhaustion per destination").
    public var checks: String
    /// The facts it lacked, each with where it would come from.
    public var missing: [String]

    /// A gap.
    public init(rule: String, checks: String, missing: [String]) {
        self.rule = rule
        self.checks = checks
        self.missing = missing
    }
}

/// The key facts as read, typed: every report opens with them (Markdown, terminal and JSON render the same
/// values). `nil` is "not read", never zero.
public struct Observed: Sendable, Hashable, Codable {
    /// The destination closest to running out of ports.
    public struct Destination: Sendable, Hashable, Codable {
        /// `local -> remote:port`.
        public var label: String
        /// U(D): its sockets holding an ephemeral port, every state but LISTEN.
        public var inUse: Int
        /// Its TIME_WAIT sockets.
        public var timeWait: Int
        /// Share of R: U(D)/R.
        public var shareOfR: Double?
        /// Pressure: the reuse-aware share (a TIME_WAIT port counts only for the reuse delay where
        /// `tcp_tw_reuse` applies toward it).
        public var pressure: Double?
        /// Whether `tcp_tw_reuse` applies toward it; `nil` when unknown.
        public var reuseApplies: Bool?

        /// How pressed it is, for ranking: its pressure, else its share of R; `nil` when neither is known.
        public var pressedness: Double? { pressure ?? shareOfR }

        /// A destination as seen.
        public init(label: String, inUse: Int, timeWait: Int, shareOfR: Double?, pressure: Double?, reuseApplies: Bool?) {
            self.label = label
            self.inUse = inUse
            self.timeWait = timeWait
            self.shareOfR = shareOfR
            self.pressure = pressure
            self.reuseApplies = reuseApplies
        }
    }

    /// TIME_WAIT sockets, the kernel's count (sockstat `tw`).
    public var timeWait: Int64?
    /// TIME_WAIT whose local port is ephemeral (this host connected).
    public var outboundTimeWait: Int?
    /// TIME_WAIT on a listening port (this host served and closed first).
    public var inboundTimeWait: Int?
    /// R: usable ephemeral ports.
    public var usablePorts: Int?
    /// The destination closest to running out, by pressure (then share of R).
    public var mostPressed: Destination?
    /// Destinations in the socket table.
    public var destinations: Int?
    /// `net.ipv4.tcp_tw_reuse`.
    public var tcpTwReuse: Int64?
    /// New outbound connections per second (Tcp ActiveOpens).
    public var opensPerSecond: Double?
    /// How ``opensPerSecond`` was measured ("two readings 2 s apart", "average since boot").
    public var opensBasis: String?
    /// Inputs read, each with where ("socket table: netlink sock_diag").
    public var inputsRead: [String] = []
    /// Inputs that could not be read.
    public var inputsMissing: [String] = []

    /// Nothing seen.
    public init() {}
}
