/// A rule's in-file tests: partial facts in, expected findings (or none, or insufficient data) out.
extension RuleLoader {
    mutating func loadTests(_ node: YAMLNode, rule: Rule) -> [RuleTestCase] {
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

    mutating func loadExpectedFindings(_ node: YAMLNode) -> [RuleTestCase.ExpectedFinding] {
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
}
