internal import TWAdviseEngine
internal import Mustache

/// Renders a report as a Markdown runbook through ``RunbookTemplates``.
///
/// Every value in the template context is final Markdown: values from the host are Markdown- and
/// HTML-escaped here, so templates print them with triple braces (`{{{subject}}}`); double braces
/// escape once more, which stays safe. Output is deterministic: the same input gives the same bytes.
public struct MarkdownReport: Sendable {
    public var templates: RunbookTemplates

    public init(templates: RunbookTemplates) {
        self.templates = templates
    }

    /// The runbook text.
    public func render(_ input: ReportInput) throws(RunbookTemplateError) -> String {
        let report: MustacheTemplate
        var sections: [String: MustacheTemplate] = [:]
        do {
            report = try MustacheTemplate(string: templates.report)
        } catch {
            throw RunbookTemplateError(file: "report.md", message: "invalid template: \(error)")
        }
        for (id, text) in templates.sections {
            do {
                sections[id] = try MustacheTemplate(string: TemplateVariables.guarded(text))
            } catch {
                throw RunbookTemplateError(file: "section '\(id)'", message: "invalid template: \(error)")
            }
        }
        let current = Self.shellValues(input.current)
        let plan = Self.shellValues(input.plan)
        let notes = input.notes.mapValues(Self.host)
        let shown = input.shownFindings
        var findings: [[String: Any]] = []
        for (index, finding) in shown.enumerated() {
            var context = Self.context(finding, rank: index + 1, current: current)
            context["plan"] = plan
            context["notes"] = notes
            if let id = finding.runbook, let section = sections[id] {
                // A value the section prints outside a test of it, when the host did not give it, renders as a
                // marker (TemplateVariables.guarded), and a command line holding one becomes a comment: no
                // command is ever shown with an empty value in its place.
                var known: [String: [String: Bool]] = [:]
                for namespace in TemplateVariables.namespaces {
                    if let values = context[namespace] as? [String: String] { known[namespace] = values.mapValues { _ in true } }
                }
                context["known"] = known
                context["body"] = Self.tidy(MissingValue.resolve(section.render(context)))
            } else {
                context["body"] = "_No runbook section \(Self.host(finding.runbook ?? finding.id)) in the templates._\n"
            }
            findings.append(context)
        }
        let severities = Severity.allCases.reversed()
        let counts = severities.compactMap { s -> [String: Any]? in
            let n = input.evaluation.findings.filter { $0.severity == s }.count
            return n == 0 ? nil : ["severity": s.rawValue, "count": n]
        }
        let insufficient: [[String: Any]] = input.evaluation.insufficient.map { item in
            let title = input.evaluation.results.first { $0.ruleID == item.ruleID }?.title ?? ""
            return [
                "id": item.ruleID, "title": title,
                "missing": item.missing.map(\.description).joined(separator: "; "),
                "reasons": item.reasons.map(Self.host).joined(separator: "; "),
                "hasReasons": !item.reasons.isEmpty,
            ]
        }
        let notFired = input.evaluation.results.filter { $0.outcome == .notFired }.count
        let hidden = input.evaluation.findings.count - shown.count
        var context: [String: Any] = [
            "host": Self.host(input.hostname ?? "unknown host"),
            "kernel": Self.host(input.kernel ?? "unknown"),
            "source": Self.host(input.source),
            "collectedAt": Self.host(input.collectedAt ?? "not recorded (captured input)"),
            "verdict": Self.verdict(input.highestSeverity),
            "counts": counts.map { "\($0["count"]!) \($0["severity"]!)" }.joined(separator: ", "),
            "hasCounts": !counts.isEmpty,
            "hasFindings": !shown.isEmpty,
            "top": Array(findings.prefix(3)),
            "findings": findings,
            "hidden": hidden,
            "hasHidden": hidden > 0,
            "minimumSeverity": input.minimumSeverity.rawValue,
            "insufficient": insufficient,
            "hasInsufficient": !insufficient.isEmpty,
            "notFired": notFired,
            "ruleCount": input.evaluation.results.count,
            "warnings": input.warnings.map { ["text": Self.host($0)] },
            "hasWarnings": !input.warnings.isEmpty,
            "disabled": input.disabled.map { ["id": $0.id, "justification": Self.host($0.justification)] },
            "hasDisabled": !input.disabled.isEmpty,
            "overridden": input.overridden.map { ["id": $0.id, "justification": Self.host($0.justification)] },
            "hasOverridden": !input.overridden.isEmpty,
            "current": current,
            "inContainer": input.inContainer,
            "notCovered": input.notCovered.map { ["text": Self.host($0)] },
        ]
        // Set only when there is one: a template section tests it.
        if let enter = input.enterNamespace { context["enterNamespace"] = enter }
        return Self.tidy(report.render(context))
    }

    /// Markdown- and HTML-escaped host value.
    static func host(_ text: String) -> String { Escaping.html(Escaping.markdown(text)) }

    static func shellValues(_ values: [String: String]) -> [String: String] {
        var result: [String: String] = [:]
        for (key, value) in values {
            // Values go inside double quotes in commands, so spaces are fine (`"32768 60999"`).
            // An empty value is a value (no reserved ports): commands quote it, `""`.
            if value.isEmpty || Escaping.shellSafe(value.replacingSpaces()) != nil { result[key] = value }
        }
        return result
    }

    static func verdict(_ highest: Severity?) -> String {
        switch highest {
        case nil: return "healthy: no finding"
        case .info?: return "healthy: notes only"
        case .low?: return "minor issues"
        case .medium?: return "needs attention"
        case .high?: return "ACTION NEEDED"
        case .critical?: return "ACTION NEEDED NOW"
        }
    }

    static func context(_ f: Finding, rank: Int, current: [String: String]) -> [String: Any] {
        var vars: [String: String] = [:]
        var shell: [String: String] = [:]
        for (name, value) in f.vars {
            vars[name] = host(value)
            shell[name] = Escaping.shellSafe(value) ?? "VALUE-NOT-SHELL-SAFE"
        }
        return [
            "rank": rank,
            "id": f.id,
            "title": f.title,
            "severity": f.severity.rawValue,
            "SEVERITY": f.severity.rawValue.uppercased(),
            "score": FactValue.format((f.score * 10).rounded() / 10),
            "subject": host(f.subject ?? ""),
            "hasSubject": f.subject != nil,
            "evidence": f.evidence.map { e -> [String: Any] in
                // The label is the rule author's text; the value and where it was read come from the host.
                ["label": e.label, "value": host(e.value), "source": host(e.source ?? "")]
            },
            "references": f.references.map { r -> [String: Any] in
                ["title": r.title, "url": r.url ?? "", "hasURL": r.url != nil]
            },
            "hasReferences": !f.references.isEmpty,
            "justifications": f.justifications.map { ["text": host($0)] },
            "hasJustifications": !f.justifications.isEmpty,
            "params": f.parameters.mapValues(\.description),
            "vars": vars,
            "shell": shell,
            "current": current,
        ]
    }

    /// Collapses runs of blank lines to one and ends with exactly one newline.
    static func tidy(_ text: String) -> String {
        var lines: [Substring] = []
        var blank = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let isBlank = line.allSatisfy { $0 == " " }
            blank = isBlank ? blank + 1 : 0
            if blank <= 1 { lines.append(isBlank ? "" : line) }
        }
        while lines.first?.isEmpty == true { lines.removeFirst() }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension String {
    func replacingSpaces() -> String { String(map { $0 == " " ? "," : $0 }) }
}
