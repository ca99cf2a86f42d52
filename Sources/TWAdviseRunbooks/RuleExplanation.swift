public import TWAdviseEngine

/// The plain-text explanation `twadvise rules explain ID` prints.
public struct RuleExplanation: Sendable {
    public var text: String

    public init(_ rule: Rule) {
        var lines = ["\(rule.id): \(rule.title)", "severity: \(rule.severity)\(rule.isDisabled ? " (disabled)" : "")",
                     "defined at: \(rule.location)"]
        if !rule.description.isEmpty { lines += ["", rule.description.trimmingTrailingNewlines()] }
        lines.append("")
        if let iteration = rule.iterationText { lines.append("for each: \(iteration)") }
        if !rule.letTexts.isEmpty {
            lines.append("let:")
            for binding in rule.letTexts { lines.append("  \(binding.name) = \(binding.expression.trimmingTrailingNewlines())") }
        }
        lines.append("condition: \(rule.conditionText.trimmingTrailingNewlines())")
        if !rule.escalationTexts.isEmpty {
            lines.append("escalate:")
            for e in rule.escalationTexts { lines.append("  \(e.severity) when \(e.condition.trimmingTrailingNewlines())") }
        }
        if !rule.parameters.isEmpty {
            lines += ["", "parameters:"]
            for p in rule.parameters { lines.append("  \(p.name) = \(p.value) (\(p.type)): \(p.doc)") }
        }
        if let runbook = rule.runbook { lines += ["", "runbook section: \(runbook)"] }
        if !rule.references.isEmpty {
            lines += ["", "references:"]
            for r in rule.references { lines.append("  - \(r.title)\(r.url.map { " <\($0)>" } ?? "")") }
        }
        if !rule.overlayJustifications.isEmpty {
            lines += ["", "changed by overlays:"]
            for j in rule.overlayJustifications { lines.append("  - \(j)") }
        }
        lines += ["", "tests: \(rule.testCount)"]
        text = lines.joined(separator: "\n")
    }
}

extension String {
    func trimmingTrailingNewlines() -> String {
        var s = self
        while s.hasSuffix("\n") { s.removeLast() }
        return s
    }
}
