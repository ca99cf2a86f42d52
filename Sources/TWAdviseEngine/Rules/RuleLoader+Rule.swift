/// One rule: its keys in order, each checked against the schema, then indexed for evaluation.
extension RuleLoader {
    // MARK: - One rule

    mutating func loadRule(_ node: YAMLNode) -> Rule? {
        guard case .mapping(let pairs, let location) = node else {
            error(node.location, "a rule must be a mapping, found \(node.kindName)")
            return nil
        }
        var fields: [String: (key: YAMLScalar, value: YAMLNode)] = [:]
        for (key, value) in pairs {
            guard Self.ruleKeys.contains(key.value) else {
                error(key.location, "unknown key '\(key.value)' in rule", notes: Suggestions.note(for: key.value, in: Self.ruleKeys))
                continue
            }
            fields[key.value] = (key, value)
        }
        let errorsBefore = diagnostics.count
        guard let idScalar = requiredScalar(fields["id"], "id", in: location) else { return nil }
        let id = idScalar.value
        if !Self.isValidID(id) {
            error(idScalar.location, "rule id '\(id)' must be dotted lower-case words, such as 'ports.destination-exhaustion'")
        }
        let title = requiredScalar(fields["title"], "title", in: location)?.value ?? ""
        let description = optionalScalar(fields["description"], "description")?.value ?? ""
        var severity = Severity.info
        var severityKnown = false
        if let s = requiredScalar(fields["severity"], "severity", in: location) {
            if let parsed = Severity(rawValue: s.value) {
                severity = parsed
                severityKnown = true
            } else {
                error(s.location, "unknown severity '\(s.value)'", notes: ["severity is one of info, low, medium, high, critical"]
                      + Suggestions.note(for: s.value, in: Severity.allCases.map(\.rawValue)))
            }
        }

        var checker = TypeChecker(schema: schema)
        // Parameters: named, documented constants.
        var parameters: [RuleParameter] = []
        if let (_, node) = fields["params"] {
            if case .mapping(let items, _) = node {
                for (name, spec) in items {
                    if let p = loadParameter(name, spec, &checker) { parameters.append(p) }
                }
            } else {
                error(node.location, "'params' must map names to {value, doc}, found \(node.kindName)")
            }
        }
        // Iteration: `for_each: d in sockets.destinations`.
        var iteration: (slot: Int, collection: CheckedExpr)?
        var iterationText: String?
        if let f = fields["for_each"], let scalar = scalar(f.value, "for_each") {
            iterationText = scalar.value
            iteration = loadIteration(scalar, &checker)
        }
        let lets = fields["let"].map { loadLets($0.value, &checker) } ?? []
        var condition: CheckedExpr = .constant(.bool(false))
        var conditionText = ""
        if let s = requiredScalar(fields["condition"], "condition", in: location) {
            conditionText = s.value
            if let (c, t) = expression(s, &checker) {
                if t == .bool { condition = c } else { error(s.location(atOffset: 0), "'condition' must be bool, found \(t)") }
            }
        }
        let escalations = fields["escalate"].map { loadEscalations($0.value, above: severityKnown ? severity : nil, &checker) } ?? []
        var score: CheckedExpr?
        if let f = fields["score"], let s = scalar(f.value, "score"), let (c, t) = expression(s, &checker) {
            if t.isNumeric { score = c } else { error(s.location(atOffset: 0), "'score' must be a number, found \(t)") }
        }
        var subject: CheckedExpr?
        if let f = fields["subject"], let s = scalar(f.value, "subject"), let (c, t) = expression(s, &checker) {
            subject = t == .string ? c : .call(.str, [c])
        }
        let evidence = fields["evidence"].map { loadEvidence($0.value, &checker) } ?? []
        let vars = fields["vars"].map { loadVars($0.value, &checker) } ?? []
        let runbook = optionalScalar(fields["runbook"], "runbook")?.value
        let references = fields["references"].map { loadReferences($0.value) } ?? []
        var isOverride = false
        if let s = optionalScalar(fields["override"], "override") {
            if s.value == "true" { isOverride = true } else if s.value != "false" { error(s.location, "'override' must be true or false") }
        }
        // Replacing a rule hides what it found: like --disable, it takes a written reason the report shows.
        let justification = optionalScalar(fields["justification"], "justification")?.value ?? ""
        if isOverride, justification.allSatisfy(\.isWhitespace) {
            error(fields["override"]?.key.location ?? location, "'override: true' needs a 'justification:' saying why the rule it replaces is wrong here",
                  notes: ["the report lists every overridden rule with its justification"])
        }

        var rule = Rule(
            id: id, title: title, description: description, severity: severity, parameters: parameters, runbook: runbook,
            references: references, location: location, isOverride: isOverride, conditionText: conditionText,
            iterationText: iterationText, escalations: escalations, iteration: iteration, lets: lets,
            condition: condition, score: score, subject: subject, evidence: evidence, vars: vars, tests: [],
            slotCount: checker.slotCount, factSources: factSources)
        if isOverride { rule.overrideJustification = justification }
        // The text of `let:` and `escalate:`, for `rules explain` (what `ratio` in the condition is).
        if case .mapping(let items, _)? = fields["let"]?.value {
            rule.letTexts = items.compactMap { name, node in
                if case .scalar(let s) = node { return (name.value, s.value) } else { return nil }
            }
        }
        if case .mapping(let items, _)? = fields["escalate"]?.value {
            rule.escalationTexts = items.compactMap { level, node in
                if case .scalar(let s) = node { return (level.value, s.value) } else { return nil }
            }
        }
        rule.indexFacts()
        for parameter in parameters { loadedParameters[id + "." + parameter.name] = parameter }
        if loadsTests, let (_, node) = fields["tests"] {
            rule.tests = loadTests(node, rule: rule)
        }
        return diagnostics.count == errorsBefore ? rule : nil
    }

    /// `let:` bindings, in order; a binding whose expression has an error stays undeclared, so its uses
    /// report it as unknown rather than a second error.
    mutating func loadLets(_ node: YAMLNode, _ checker: inout TypeChecker) -> [(slot: Int, expr: CheckedExpr)] {
        guard case .mapping(let items, _) = node else {
            error(node.location, "'let' must map names to expressions, found \(node.kindName)")
            return []
        }
        var lets: [(slot: Int, expr: CheckedExpr)] = []
        for (name, valueNode) in items {
            guard let s = scalar(valueNode, "let '\(name.value)'") else { continue }
            guard let (checked, type) = expression(s, &checker) else {
                checker.failedBindings.insert(name.value)
                continue
            }
            switch checker.declare(name.value, type: type, kind: "let binding") {
            case .success(let slot): lets.append((slot, checked))
            case .failure(let e): error(name.location, e.message)
            }
        }
        return lets
    }

    /// `escalate:` severities and their conditions, most severe first; each must be above `floor`.
    mutating func loadEscalations(_ node: YAMLNode, above floor: Severity?, _ checker: inout TypeChecker) -> [(Severity, CheckedExpr)] {
        var escalations: [(Severity, CheckedExpr)] = []
        if case .mapping(let items, _) = node {
            for (level, exprNode) in items {
                guard let target = Severity(rawValue: level.value) else {
                    error(level.location, "unknown severity '\(level.value)'", notes: Suggestions.note(for: level.value, in: Severity.allCases.map(\.rawValue)))
                    continue
                }
                if let floor, target <= floor {
                    error(level.location, "escalation to '\(target)' is not above the rule's severity '\(floor)'")
                }
                guard let s = scalar(exprNode, "escalate '\(level.value)'"), let (c, t) = expression(s, &checker) else { continue }
                guard t == .bool else {
                    error(s.location(atOffset: 0), "escalation condition must be bool, found \(t)")
                    continue
                }
                escalations.append((target, c))
            }
            escalations.sort { $0.0 > $1.0 }
        } else {
            error(node.location, "'escalate' must map severities to conditions, found \(node.kindName)")
        }
        return escalations
    }

    /// `vars:` for the runbook template, by name.
    mutating func loadVars(_ node: YAMLNode, _ checker: inout TypeChecker) -> [(name: String, expr: CheckedExpr)] {
        var vars: [(name: String, expr: CheckedExpr)] = []
        if case .mapping(let items, _) = node {
            for (name, valueNode) in items {
                guard let s = scalar(valueNode, "var '\(name.value)'"), let (c, _) = expression(s, &checker) else { continue }
                vars.append((name.value, c))
            }
        } else {
            error(node.location, "'vars' must map names to expressions, found \(node.kindName)")
        }
        return vars
    }
}
