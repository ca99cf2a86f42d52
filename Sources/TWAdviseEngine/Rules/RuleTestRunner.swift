/// The result of running the in-file tests of a rule set (`twadvise rules test`).
public struct RuleTestReport: Sendable, Hashable {
    public struct Failure: Sendable, Hashable, CustomStringConvertible {
        /// The rule under test.
        public var ruleID: String
        /// The test case's name.
        public var testName: String
        /// Where the test case is written.
        public var location: SourceLocation
        /// What was expected and what came out.
        public var message: String

        /// `PATH:LINE:COLUMN: error: rule 'id', test 'name': message`.
        public var description: String {
            Diagnostic(at: location, "rule '\(ruleID)', test '\(testName)': \(message)").description
        }
    }

    /// Test cases that passed.
    public var passed: Int
    /// Test cases that failed, each at its YAML line.
    public var failures: [Failure]
    /// Rules that carry no test (every built-in rule must have some).
    public var untestedRules: [String]

    /// `N passed, N failed`: the closing line test runners print.
    public var summary: String { "\(passed) passed, \(failures.count) failed" }
}

extension RuleSet {
    /// Runs every rule's in-file tests (disabled rules included: their tests still describe them).
    public func runTests() -> RuleTestReport {
        var report = RuleTestReport(passed: 0, failures: [], untestedRules: [])
        for rule in rules {
            if rule.tests.isEmpty { report.untestedRules.append(rule.id) }
            for test in rule.tests {
                if var message = Self.check(rule, test) {
                    if let note = Self.overlayNote(rule) { message += "; " + note }
                    report.failures.append(.init(ruleID: rule.id, testName: test.name, location: test.location, message: message))
                } else {
                    report.passed += 1
                }
            }
        }
        return report
    }

    /// For a rule an overlay changed: that the overlay changed the outcome the test expects, with what it
    /// changed and why (the rule itself may be fine).
    static func overlayNote(_ rule: Rule) -> String? {
        let changed = rule.parameters.compactMap { p -> String? in
            guard let original = p.defaultValue, original != p.value else { return nil }
            return "\(p.name) \(p.value), default \(original)" + (p.link.map { ", follows \($0)" } ?? "")
        }
        guard !rule.overlayJustifications.isEmpty || !changed.isEmpty else { return nil }
        let what = changed.isEmpty ? "" : " (" + changed.joined(separator: "; ") + ")"
        let why = rule.overlayJustifications.isEmpty ? "" : ": \"\(rule.overlayJustifications.joined(separator: "; "))\""
        return "an overlay changed this rule\(what) and with it this outcome\(why)"
    }

    /// `nil` when the test passes, otherwise what differed.
    static func check(_ rule: Rule, _ test: RuleTestCase) -> String? {
        let outcome = rule.evaluate(test.facts, overrides: test.parameters)
        func describe(_ outcome: RuleOutcome) -> String {
            switch outcome {
            case .notFired: return "it did not fire"
            case .fired(let f): return "it fired \(f.count) finding\(f.count == 1 ? "" : "s"): " + f.map { "\($0.severity) \($0.subject.map { "'\($0)'" } ?? "(no subject)")" }.joined(separator: ", ")
            case .insufficientData(let missing, let reasons):
                return "it had insufficient data (missing: \(missing.map(\.path).joined(separator: ", "))\(reasons.isEmpty ? "" : "; " + reasons.joined(separator: "; ")))"
            }
        }
        switch test.expectation {
        case .insufficient(let paths):
            guard case .insufficientData(let missing, _) = outcome else { return "expected insufficient data, but \(describe(outcome))" }
            let absent = paths.filter { p in !missing.contains { $0.path == p } }
            return absent.isEmpty ? nil : "expected missing \(absent.joined(separator: ", ")), but \(describe(outcome))"
        case .findings(let expected):
            if expected.isEmpty {
                guard case .notFired = outcome else { return "expected no finding, but \(describe(outcome))" }
                return nil
            }
            guard case .fired(let findings) = outcome else { return "expected \(expected.count) finding\(expected.count == 1 ? "" : "s"), but \(describe(outcome))" }
            guard findings.count == expected.count else { return "expected \(expected.count) finding\(expected.count == 1 ? "" : "s"), but \(describe(outcome))" }
            for (e, f) in zip(expected, findings) {
                if let severity = e.severity, severity != f.severity {
                    return "expected severity \(severity), but \(describe(outcome))"
                }
                if let subject = e.subject, subject != f.subject {
                    return "expected subject '\(subject)', but \(describe(outcome))"
                }
            }
            return nil
        }
    }
}
