#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
public import TWAdviseEngine

/// The machine-readable report (`--format json`), documented by `docs/report.schema.json`.
public struct JSONReport: Codable, Sendable {
    public static let currentSchemaVersion = 1

    public struct RankedFinding: Codable, Sendable {
        public var rank: Int
        public var id: String
        public var severity: Severity
        public var score: Double
        public var title: String
        public var subject: String?
        public var evidence: [Evidence]
        public var runbook: String?
        public var references: [Reference]
        public var parameters: [String: FactValue]
        /// The rule file's value of each parameter an overlay changed (absent when none was).
        public var parameterDefaults: [String: FactValue]?
        public var justifications: [String]
        public var vars: [String: String]
        /// Its runbook section as a document (subsections of prose and code blocks), with this finding's
        /// values: the steps a person would read, for a machine.
        public var steps: RunbookSteps?
    }

    public struct NotEvaluated: Codable, Sendable {
        public var id: String
        public var title: String
        public var missing: [MissingFact]
        public var reasons: [String]
    }

    public struct Overridden: Codable, Sendable {
        public var id: String
        public var justification: String
    }

    public struct RuleCounts: Codable, Sendable {
        public var evaluated: Int
        public var fired: Int
        public var notFired: Int
        public var insufficientData: Int
        public var disabled: [String]
        /// Rules replaced by a later rule with the same id, with why.
        public var overridden: [Overridden]
    }

    public var schemaVersion: Int
    public var tool: String
    public var host: String?
    public var kernel: String?
    public var source: String
    public var collectedAt: String?
    public var verdict: String
    /// The key facts as read, before any rule.
    public var observed: Observed
    /// What the reading does not cover and why (network namespaces not entered, or left out at the bound);
    /// absent when nothing was left out.
    public var notCovered: [String]?
    /// The rules the verdict rests on that lacked facts (absent when none did).
    public var verdictGaps: [VerdictGap]?
    /// When the facts were read from history: the window, the moment the rules were evaluated at, the series
    /// and kernel messages (absent for a reading of one moment).
    public var timeline: Timeline?
    public var highestSeverity: Severity?
    public var findings: [RankedFinding]
    public var insufficientData: [NotEvaluated]
    public var rules: RuleCounts
    public var warnings: [String]
    /// Reports of the network namespaces of the same capture (sosreport), each of this same shape.
    public var namespaces: [JSONReport]?

    /// The report of `input`; `steps` holds each shown finding's runbook section, in rank order
    /// (``MarkdownReport/steps(_:)``), when the caller rendered them.
    public init(_ input: ReportInput, tool: String, steps: [RunbookSteps]? = nil) {
        schemaVersion = Self.currentSchemaVersion
        self.tool = tool
        host = input.hostname
        kernel = input.kernel
        source = input.source
        collectedAt = input.collectedAt
        verdict = input.verdict.description
        observed = input.observed
        notCovered = input.notCovered.isEmpty ? nil : input.notCovered
        verdictGaps = input.verdictGaps.isEmpty ? nil : input.verdictGaps
        timeline = input.timeline
        highestSeverity = input.highestSeverity
        findings = input.shownFindings.enumerated().map { i, f in
            RankedFinding(rank: i + 1, id: f.id, severity: f.severity, score: f.score, title: f.title, subject: f.subject,
                          evidence: f.evidence, runbook: f.runbook, references: f.references, parameters: f.parameters,
                          parameterDefaults: f.parameterDefaults.isEmpty ? nil : f.parameterDefaults, justifications: f.justifications, vars: f.vars.mapValues(\.description),
                          steps: steps.flatMap { i < $0.count ? $0[i] : nil })
        }
        insufficientData = input.evaluation.insufficient.map { item in
            NotEvaluated(id: item.ruleID, title: input.evaluation.results.first { $0.ruleID == item.ruleID }?.title ?? "",
                         missing: item.missing, reasons: item.reasons)
        }
        let fired = input.evaluation.results.filter { if case .fired = $0.outcome { return true } else { return false } }.count
        rules = RuleCounts(evaluated: input.evaluation.results.count, fired: fired,
                           notFired: input.evaluation.results.filter { $0.outcome == .notFired }.count,
                           insufficientData: insufficientData.count, disabled: input.disabled.map(\.id),
                           overridden: input.overridden.map { Overridden(id: $0.id, justification: $0.justification) })
        warnings = input.warnings
    }

    /// Sorted-key JSON with a trailing newline: the same input gives the same bytes.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601  // the timeline's times, as RFC 3339 UTC strings
        var data = try encoder.encode(self)
        data.append(0x0A)
        return data
    }
}
