#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
public import TWAdviseEngine
public import TWAdviseFacts
public import TWAdviseRunbooks

/// The library entry point: facts in, a ranked report out.
///
/// ```swift
/// let advisor = try Advisor()                       // built-in rules and runbooks, no file on disk
/// let snapshot = SnapshotReader().read()            // or SnapshotReader(source: FactSource(root: "/captured"))
/// let diagnosis = advisor.diagnose(snapshot)
/// print(try diagnosis.markdown())
/// ```
public struct Advisor: Sendable {
    public let catalog: RuleCatalog
    public let templates: RunbookTemplates

    /// - Parameters:
    ///   - rules: extra rule files, loaded after the built-in ones.
    ///   - overlays: overlay files (parameters, severity, disable, with a justification).
    ///   - disabled: rule ids to turn off.
    ///   - runbooks: template files that replace or add to the built-in ones (name without `.md` → text).
    ///   - builtInRules: include the built-in rules.
    /// - Throws: ``AdvisorError`` with every rule diagnostic, or a template error.
    public init(rules: [RuleSource] = [], overlays: [RuleSource] = [], disabled: [String] = [],
                runbooks: [String: String] = [:], builtInRules: Bool = true) throws(AdvisorError) {
        let catalog = RuleCatalog(builtIn: builtInRules, extra: rules, overlays: overlays, disabled: disabled)
        if catalog.hasErrors { throw AdvisorError.rules(catalog.renderedDiagnostics()) }
        do {
            var templates = try RunbookTemplates(files: KnowledgeBase.runbookTemplates)
            try templates.override(with: runbooks)
            self.templates = templates
        } catch {
            throw AdvisorError.templates(error.description)
        }
        self.catalog = catalog
    }

    /// Evaluates every rule against the snapshot.
    public func diagnose(_ snapshot: FactsSnapshot, minimumSeverity: Severity = .info, profile: Bool = false) -> Diagnosis {
        let evaluation = catalog.ruleSet.evaluate(snapshot.factValue, profile: profile)
        let disabled = catalog.ruleSet.rules.filter(\.isDisabled).map { ($0.id, $0.overlayJustifications.joined(separator: "; ")) }
        var hostname = snapshot.host.hostname
        if let namespace = snapshot.origin.namespace { hostname = (hostname ?? "unknown host") + ", network namespace " + namespace }
        let input = ReportInput(
            hostname: hostname, kernel: snapshot.host.kernel?.release, source: snapshot.origin.description,
            collectedAt: snapshot.collectedAt, current: snapshot.currentValues, evaluation: evaluation,
            minimumSeverity: minimumSeverity, warnings: snapshot.warnings.map(\.description), disabled: disabled)
        return Diagnosis(input: input, templates: templates)
    }
}

/// The result of ``Advisor/diagnose(_:minimumSeverity:profile:)``.
public struct Diagnosis: Sendable {
    public let input: ReportInput
    let templates: RunbookTemplates

    public var evaluation: Evaluation { input.evaluation }
    /// Findings in rank order (all of them, regardless of the minimum severity shown).
    public var findings: [Finding] { input.evaluation.findings }

    /// The Markdown runbook.
    public func markdown() throws(RunbookTemplateError) -> String {
        try MarkdownReport(templates: templates).render(input)
    }

    /// The JSON report, documented by docs/report.schema.json.
    public func json() throws -> Data {
        try JSONReport(input, tool: TWAdviseVersion.tool).encoded()
    }

    /// One JSON report for several diagnoses of one capture: the first (the host's) with the others
    /// (network namespaces) under `namespaces`.
    public static func json(_ diagnoses: [Diagnosis]) throws -> Data {
        guard var report = diagnoses.first.map({ JSONReport($0.input, tool: TWAdviseVersion.tool) }) else { return Data() }
        if diagnoses.count > 1 {
            report.namespaces = diagnoses.dropFirst().map { JSONReport($0.input, tool: TWAdviseVersion.tool) }
        }
        return try report.encoded()
    }
}

/// Why an ``Advisor`` could not be built.
public enum AdvisorError: Error, Sendable, CustomStringConvertible {
    /// Rule or overlay files have errors; each line is a rendered diagnostic.
    case rules([String])
    /// A runbook template is invalid.
    case templates(String)

    public var description: String {
        switch self {
        case .rules(let lines): return lines.joined(separator: "\n")
        case .templates(let message): return message
        }
    }
}

extension FactsSnapshot {
    /// Current values by schema name, for rollback steps (`tcp_tw_reuse` → `2`, `ip_local_port_range` → `32768 60999`).
    public var currentValues: [String: String] {
        var values: [String: String] = [:]
        for (name, key, _) in HostFactSchema.integerSysctls {
            if let v = sysctls.integer(key) { values[name] = String(v) }
        }
        if let r = sysctls.ipLocalPortRange { values["ip_local_port_range"] = "\(r.low) \(r.high)" }
        if let p = sysctls.ipLocalReservedPorts { values["ip_local_reserved_ports"] = p.description }
        return values
    }
}
