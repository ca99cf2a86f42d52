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
    /// What the report does not cover and why (network namespaces not entered, a bound hit), shown at the top.
    public var notCovered: [String] = []

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
}
