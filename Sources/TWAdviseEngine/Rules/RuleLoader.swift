/// Reads rule files: YAML structure, keys, ids, and every expression type-checked against the schema.
/// Collects every error of every file rather than stopping at the first.
package struct RuleLoader {
    package static let ruleKeys = [
        "id", "title", "description", "severity", "escalate", "for_each", "params", "let", "condition", "score",
        "subject", "evidence", "vars", "runbook", "references", "tests", "override",
    ]
    static let testKeys = ["name", "facts", "params", "expect", "expect_insufficient"]
    static let evidenceKeys = ["label", "value", "source", "format"]
    static let paramKeys = ["value", "doc"]
    /// Most rules accepted across all sources.
    package static let maxRules = 10_000

    package let schema: FactSchema
    package private(set) var diagnostics: [Diagnostic] = []
    /// Files each fact path is read from, for "insufficient data" reports; walked from the schema once.
    private let factSources: [String: [String]]

    package init(schema: FactSchema) {
        self.schema = schema
        var sources: [String: [String]] = [:]
        for (path, spec) in schema.allPaths where !spec.sources.isEmpty { sources[path] = spec.sources }
        self.factSources = sources
    }

    package mutating func error(_ location: SourceLocation, _ message: String, notes: [String] = []) {
        diagnostics.append(Diagnostic(at: location, message, notes: notes))
    }

    /// Loads every rule of one file; problems go to ``diagnostics``.
    package mutating func load(text: String, file: String) -> [Rule] {
        guard let root = YAMLDocument.root(text, file: file, ifEmpty: "empty rule file: expected a top-level 'rules:' list",
                                           diagnostics: &diagnostics) else { return [] }
        guard case .mapping(let pairs, _) = root else {
            error(root.location, "expected a mapping with a 'rules:' list, found \(root.kindName)")
            return []
        }
        var rules: [Rule] = []
        for (key, value) in pairs {
            guard key.value == "rules" else {
                error(key.location, "unknown top-level key '\(key.value)'", notes: Suggestions.note(for: key.value, in: ["rules"]))
                continue
            }
            guard case .sequence(let items, _) = value else {
                error(value.location, "'rules' must be a list of rules, found \(value.kindName)")
                continue
            }
            for item in items {
                if let rule = loadRule(item) { rules.append(rule) }
            }
        }
        return rules
    }

    // MARK: - One rule

    private mutating func loadRule(_ node: YAMLNode) -> Rule? {
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
        // let bindings, in order.
        var lets: [(slot: Int, expr: CheckedExpr)] = []
        if let (_, node) = fields["let"] {
            if case .mapping(let items, _) = node {
                for (name, valueNode) in items {
                    guard let s = scalar(valueNode, "let '\(name.value)'") else { continue }
                    // A binding whose expression has an error stays undeclared; its uses then report it as unknown.
                    guard let (checked, type) = expression(s, &checker) else { continue }
                    switch checker.declare(name.value, type: type, kind: "let binding") {
                    case .success(let slot): lets.append((slot, checked))
                    case .failure(let e): error(name.location, e.message)
                    }
                }
            } else {
                error(node.location, "'let' must map names to expressions, found \(node.kindName)")
            }
        }
        var condition: CheckedExpr = .constant(.bool(false))
        var conditionText = ""
        if let s = requiredScalar(fields["condition"], "condition", in: location) {
            conditionText = s.value
            if let (c, t) = expression(s, &checker) {
                if t == .bool { condition = c } else { error(s.location(atOffset: 0), "'condition' must be bool, found \(t)") }
            }
        }
        var escalations: [(Severity, CheckedExpr)] = []
        if let (_, node) = fields["escalate"] {
            if case .mapping(let items, _) = node {
                for (level, exprNode) in items {
                    guard let target = Severity(rawValue: level.value) else {
                        error(level.location, "unknown severity '\(level.value)'", notes: Suggestions.note(for: level.value, in: Severity.allCases.map(\.rawValue)))
                        continue
                    }
                    if severityKnown, target <= severity {
                        error(level.location, "escalation to '\(target)' is not above the rule's severity '\(severity)'")
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
        }
        var score: CheckedExpr?
        if let f = fields["score"], let s = scalar(f.value, "score"), let (c, t) = expression(s, &checker) {
            if t.isNumeric { score = c } else { error(s.location(atOffset: 0), "'score' must be a number, found \(t)") }
        }
        var subject: CheckedExpr?
        if let f = fields["subject"], let s = scalar(f.value, "subject"), let (c, t) = expression(s, &checker) {
            subject = t == .string ? c : .call(.str, [c])
        }
        let evidence = fields["evidence"].map { loadEvidence($0.value, &checker) } ?? []
        var vars: [(name: String, expr: CheckedExpr)] = []
        if let (_, node) = fields["vars"] {
            if case .mapping(let items, _) = node {
                for (name, valueNode) in items {
                    guard let s = scalar(valueNode, "var '\(name.value)'"), let (c, _) = expression(s, &checker) else { continue }
                    vars.append((name.value, c))
                }
            } else {
                error(node.location, "'vars' must map names to expressions, found \(node.kindName)")
            }
        }
        let runbook = optionalScalar(fields["runbook"], "runbook")?.value
        let references = fields["references"].map { loadReferences($0.value) } ?? []
        var isOverride = false
        if let s = optionalScalar(fields["override"], "override") {
            if s.value == "true" { isOverride = true } else if s.value != "false" { error(s.location, "'override' must be true or false") }
        }

        var rule = Rule(
            id: id, title: title, description: description, severity: severity, parameters: parameters, runbook: runbook,
            references: references, location: location, isOverride: isOverride, conditionText: conditionText,
            iterationText: iterationText, escalations: escalations, iteration: iteration, lets: lets,
            condition: condition, score: score, subject: subject, evidence: evidence, vars: vars, tests: [],
            slotCount: checker.slotCount, factSources: factSources)
        rule.indexFacts()
        if let (_, node) = fields["tests"] {
            rule.tests = loadTests(node, rule: rule)
        }
        return diagnostics.count == errorsBefore ? rule : nil
    }

    static func isValidID(_ id: String) -> Bool {
        let parts = id.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= 2 else { return false }
        return parts.allSatisfy { part in
            !part.isEmpty && part.first != "-" && part.last != "-"
                && part.unicodeScalars.allSatisfy { ($0 >= "a" && $0 <= "z") || ($0 >= "0" && $0 <= "9") || $0 == "-" }
        }
    }

    // MARK: - Pieces

    private mutating func loadParameter(_ name: YAMLScalar, _ spec: YAMLNode, _ checker: inout TypeChecker) -> RuleParameter? {
        guard case .mapping(let pairs, _) = spec else {
            error(spec.location, "parameter '\(name.value)' must be a mapping with 'value' and 'doc', found \(spec.kindName)")
            return nil
        }
        var valueScalar: YAMLScalar?
        var doc: String?
        for (key, value) in pairs {
            switch key.value {
            case "value": valueScalar = scalar(value, "value of parameter '\(name.value)'")
            case "doc": doc = scalar(value, "doc of parameter '\(name.value)'")?.value
            default: error(key.location, "unknown key '\(key.value)' in parameter", notes: Suggestions.note(for: key.value, in: Self.paramKeys))
            }
        }
        guard let valueScalar else {
            error(name.location, "parameter '\(name.value)' has no 'value'")
            return nil
        }
        if doc == nil || doc!.isEmpty { error(name.location, "parameter '\(name.value)' has no 'doc': say what the threshold means") }
        guard let (checked, type) = expression(valueScalar, &checker) else { return nil }
        var value: FactValue
        switch checked {
        case .constant(let v): value = v
        case .negate(.constant(let v)):
            var evaluator = Evaluator(facts: .unknown, slotCount: 0)
            value = evaluator.evaluate(.negate(.constant(v)))
        default:
            error(valueScalar.location(atOffset: 0), "parameter '\(name.value)' must be a literal (number, duration, string, bool)")
            return nil
        }
        if case .list = type { value = .unknown }
        switch checker.declare(name.value, type: type, kind: "parameter") {
        case .success(let slot): return RuleParameter(name: name.value, value: value, type: type, doc: doc ?? "", slot: slot)
        case .failure(let e):
            error(name.location, e.message)
            return nil
        }
    }

    private mutating func loadIteration(_ scalar: YAMLScalar, _ checker: inout TypeChecker) -> (slot: Int, collection: CheckedExpr)? {
        let text = scalar.value
        let scalars = Array(text.unicodeScalars)
        // `NAME in EXPRESSION`
        let tokens: [Token]
        do {
            tokens = try Lexer.tokenize(text)
        } catch {
            report(error, scalar)
            return nil
        }
        guard tokens.count >= 3, case .identifier(let variable) = tokens[0].kind, case .keyword("in") = tokens[1].kind else {
            error(scalar.location(atOffset: 0), "'for_each' must read 'NAME in COLLECTION', as in 'd in sockets.destinations'")
            return nil
        }
        let offset = tokens[2].range.start
        let collectionText = String(String.UnicodeScalarView(scalars[offset...]))
        do {
            let expr = try Parser.parse(collectionText)
            let (checked, type) = try checker.check(expr)
            guard case .list(let element) = type else {
                error(scalar.location(atOffset: offset), "'for_each' needs a list, found \(type)")
                return nil
            }
            let path = (expr.dottedPath ?? variable) + "[]"
            switch checker.declare(variable, type: element, kind: "iteration variable", path: path) {
            case .success(let slot): return (slot, checked)
            case .failure(let e):
                error(scalar.location(atOffset: 0), e.message)
                return nil
            }
        } catch {
            var shifted = error
            shifted.range = TextRange(error.range.start + offset, error.range.end + offset)
            report(shifted, scalar)
            return nil
        }
    }

    private mutating func loadEvidence(_ node: YAMLNode, _ checker: inout TypeChecker) -> [EvidenceSpec] {
        guard case .sequence(let items, _) = node else {
            error(node.location, "'evidence' must be a list of {label, value, source}, found \(node.kindName)")
            return []
        }
        var result: [EvidenceSpec] = []
        for item in items {
            guard case .mapping(let pairs, let location) = item else {
                error(item.location, "evidence must be a mapping with 'label' and 'value', found \(item.kindName)")
                continue
            }
            var label: String?, value: CheckedExpr?, source: String?, format = EvidenceFormat.plain
            for (key, v) in pairs {
                switch key.value {
                case "label": label = scalar(v, "label")?.value
                case "value": if let s = scalar(v, "value"), let (c, _) = expression(s, &checker) { value = c }
                case "source": source = scalar(v, "source")?.value
                case "format":
                    if let s = scalar(v, "format") {
                        if let f = EvidenceFormat(rawValue: s.value) { format = f } else {
                            error(s.location, "unknown evidence format '\(s.value)'", notes: ["format is 'plain' or 'percent'"])
                        }
                    }
                default:
                    error(key.location, "unknown key '\(key.value)' in evidence", notes: Suggestions.note(for: key.value, in: Self.evidenceKeys))
                }
            }
            guard let label, let value else {
                if label == nil { error(location, "evidence has no 'label'") }
                continue
            }
            result.append(EvidenceSpec(label: label, value: value, source: source, format: format))
        }
        return result
    }

    private mutating func loadReferences(_ node: YAMLNode) -> [Reference] {
        guard case .sequence(let items, _) = node else {
            error(node.location, "'references' must be a list, found \(node.kindName)")
            return []
        }
        var result: [Reference] = []
        for item in items {
            switch item {
            case .scalar(let s):
                result.append(Reference(title: s.value, url: s.value.hasPrefix("http") ? s.value : nil))
            case .mapping(let pairs, let location):
                var title: String?, url: String?
                for (key, v) in pairs {
                    switch key.value {
                    case "title": title = scalar(v, "title")?.value
                    case "url": url = scalar(v, "url")?.value
                    default: error(key.location, "unknown key '\(key.value)' in reference", notes: Suggestions.note(for: key.value, in: ["title", "url"]))
                    }
                }
                if let title { result.append(Reference(title: title, url: url)) } else { error(location, "reference has no 'title'") }
            case .sequence:
                error(item.location, "a reference is a string or {title, url}, found a list")
            }
        }
        return result
    }

    private mutating func loadTests(_ node: YAMLNode, rule: Rule) -> [RuleTestCase] {
        guard case .sequence(let items, _) = node else {
            error(node.location, "'tests' must be a list of test cases, found \(node.kindName)")
            return []
        }
        var cases: [RuleTestCase] = []
        for item in items {
            guard case .mapping(let pairs, let location) = item else {
                error(item.location, "a test case must be a mapping, found \(item.kindName)")
                continue
            }
            var name = "test at line \(location.line)"
            var facts: FactValue = .record([:])
            var parameters: [String: FactValue] = [:]
            var expectation: RuleTestCase.Expectation?
            for (key, value) in pairs {
                switch key.value {
                case "name":
                    if let s = scalar(value, "name") { name = s.value }
                case "facts":
                    if let v = FactLiteral.value(value, type: .record(schema.root), path: "", diagnostics: &diagnostics) { facts = v }
                case "params":
                    guard case .mapping(let ps, _) = value else {
                        error(value.location, "'params' must map parameter names to values")
                        continue
                    }
                    for (p, v) in ps {
                        guard let parameter = rule.parameters.first(where: { $0.name == p.value }) else {
                            error(p.location, "rule '\(rule.id)' has no parameter '\(p.value)'", notes: Suggestions.note(for: p.value, in: rule.parameters.map(\.name)))
                            continue
                        }
                        if let typed = FactLiteral.value(v, type: parameter.type, path: p.value, diagnostics: &diagnostics) { parameters[p.value] = typed }
                    }
                case "expect":
                    expectation = .findings(loadExpectedFindings(value))
                case "expect_insufficient":
                    guard case .sequence(let paths, _) = value else {
                        error(value.location, "'expect_insufficient' must list the fact paths expected missing")
                        continue
                    }
                    expectation = .insufficient(paths.compactMap { scalar($0, "fact path")?.value })
                default:
                    error(key.location, "unknown key '\(key.value)' in test case", notes: Suggestions.note(for: key.value, in: Self.testKeys))
                }
            }
            guard let expectation else {
                error(location, "test '\(name)' has no 'expect' (a list of findings, [] for none) or 'expect_insufficient'")
                continue
            }
            cases.append(RuleTestCase(name: name, facts: facts, parameters: parameters, expectation: expectation, location: location))
        }
        return cases
    }

    private mutating func loadExpectedFindings(_ node: YAMLNode) -> [RuleTestCase.ExpectedFinding] {
        guard case .sequence(let items, _) = node else {
            error(node.location, "'expect' must be a list of findings ([] when the rule must not fire), found \(node.kindName)")
            return []
        }
        var result: [RuleTestCase.ExpectedFinding] = []
        for item in items {
            guard case .mapping(let pairs, let location) = item else {
                error(item.location, "an expected finding is a mapping with 'severity' and/or 'subject'")
                continue
            }
            var expected = RuleTestCase.ExpectedFinding(severity: nil, subject: nil, location: location)
            for (key, value) in pairs {
                switch key.value {
                case "severity":
                    if let s = scalar(value, "severity") {
                        if let sev = Severity(rawValue: s.value) { expected.severity = sev } else {
                            error(s.location, "unknown severity '\(s.value)'", notes: Suggestions.note(for: s.value, in: Severity.allCases.map(\.rawValue)))
                        }
                    }
                case "subject": expected.subject = scalar(value, "subject")?.value
                default: error(key.location, "unknown key '\(key.value)' in expected finding", notes: Suggestions.note(for: key.value, in: ["severity", "subject"]))
                }
            }
            result.append(expected)
        }
        return result
    }

    // MARK: - Helpers

    private mutating func scalar(_ node: YAMLNode, _ what: String) -> YAMLScalar? {
        guard case .scalar(let s) = node, !s.isNull else {
            error(node.location, "'\(what)' must be a single value, found \(node.kindName)")
            return nil
        }
        return s
    }

    private mutating func requiredScalar(_ field: (key: YAMLScalar, value: YAMLNode)?, _ name: String, in location: SourceLocation) -> YAMLScalar? {
        guard let field else {
            error(location, "rule has no '\(name)'")
            return nil
        }
        return scalar(field.value, name)
    }

    private mutating func optionalScalar(_ field: (key: YAMLScalar, value: YAMLNode)?, _ name: String) -> YAMLScalar? {
        guard let field else { return nil }
        return scalar(field.value, name)
    }

    /// Parses and checks the expression in `scalar`, reporting errors at their exact position in the file.
    package mutating func expression(_ scalar: YAMLScalar, _ checker: inout TypeChecker) -> (CheckedExpr, FactType)? {
        do {
            let expr = try Parser.parse(scalar.value)
            return try checker.check(expr)
        } catch {
            report(error, scalar)
            return nil
        }
    }

    private mutating func report(_ error: ExpressionError, _ scalar: YAMLScalar) {
        diagnostics.append(Diagnostic(at: scalar.location(atOffset: error.range.start), error.message, notes: error.notes))
    }
}
