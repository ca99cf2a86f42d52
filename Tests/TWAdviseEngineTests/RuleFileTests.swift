import Foundation
import Testing
@testable import TWAdviseEngine
import TWAdviseTestSupport

/// Golden lint output for broken rule files: the exact text a rule author sees.
/// Re-record with `TWADVISE_RECORD=1 swift test --filter RuleFileTests`.
struct RuleFileTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden").path

    static func source(_ name: String) throws -> RuleSource {
        RuleSource(path: "Golden/\(name)", text: try String(contentsOfFile: directory + "/" + name, encoding: .utf8))
    }

    static func lint(_ names: [String], overlay: String? = nil) throws -> String {
        let sources = try names.map(source)
        var (ruleSet, diagnostics) = RuleSet.load(sources, schema: TestSchema.schema)
        var texts = Dictionary(uniqueKeysWithValues: sources.map { ($0.path, $0.text) })
        if let overlay {
            let o = try source(overlay)
            texts[o.path] = o.text
            diagnostics += ruleSet.apply(overlay: o)
        }
        return diagnostics.map { $0.rendered(source: texts[$0.location.file]) }.joined(separator: "\n") + "\n"
    }

    @Test("lint output matches the golden file", arguments: [
        (["yaml-syntax.yaml"], nil as String?, "yaml-syntax.txt"),
        (["unknown-key.yaml"], nil, "unknown-key.txt"),
        (["unknown-fact.yaml"], nil, "unknown-fact.txt"),
        (["type-mismatch.yaml"], nil, "type-mismatch.txt"),
        (["bad-severity.yaml"], nil, "bad-severity.txt"),
        (["duplicate-a.yaml", "duplicate-b.yaml"], nil, "duplicate.txt"),
        (["duplicate-a.yaml"], "overlay.yaml", "overlay.txt"),
    ])
    func golden(files: [String], overlay: String?, expected: String) throws {
        let actual = try Self.lint(files, overlay: overlay)
        let mismatch = try Golden.mismatch(actual, file: Self.directory + "/" + expected)
        #expect(mismatch == nil, "\(mismatch ?? "")")
    }

    static let goodRule = """
        rules:
          - id: demo.items
            title: loaded items
            severity: low
            escalate:
              high: i.load >= high
            for_each: i in items
            params:
              limit: {value: 5, doc: "load that is worth a finding"}
              high: {value: 9, doc: "load that is high"}
            condition: i.load >= limit
            score: i.load * 10
            subject: i.name
            evidence:
              - {label: load, value: i.load, source: items.txt}
              - {label: share, value: i.load / 10, format: percent}
            tests:
              - name: one high, one low
                facts: {items: [{name: p, load: 9}, {name: q, load: 6}, {name: r, load: 1}]}
                expect: [{severity: high, subject: p}, {severity: low, subject: q}]
              - name: raised limit
                params: {limit: 7}
                facts: {items: [{name: q, load: 6}]}
                expect: []
              - name: unknown load
                facts: {items: [{name: q}]}
                expect_insufficient: ["items[].load"]
              - name: wrong on purpose
                facts: {items: [{name: q, load: 6}]}
                expect: [{severity: high}]
        """

    @Test("rule text with a control character (an escape sequence that hides text) is refused at its place")
    func controlCharacters() {
        let text = Self.goodRule.replacing("title: loaded items", with: "title: \"loaded \\e[8mhidden\\e[0m items\"")
        let (_, diagnostics) = RuleSet.load([RuleSource(path: "good.yaml", text: text)], schema: TestSchema.schema)
        #expect(diagnostics.map(\.message) == ["'title' holds the control character U+001B: not allowed in rule text"])
        #expect(RuleLoader.hasControlCharacter("a\u{9B}b") && RuleLoader.hasControlCharacter("\u{7F}") && RuleLoader.hasControlCharacter("\r"))
        #expect(!RuleLoader.hasControlCharacter("é\tcafé ĀĂ¡\n€"), "tab, newline and other scalars with a C2-like byte are text")
    }

    @Test("evaluation: findings per subject, escalation, score, evidence, parameters, ranking")
    func evaluation() throws {
        let (ruleSet, diagnostics) = RuleSet.load([RuleSource(path: "good.yaml", text: Self.goodRule)], schema: TestSchema.schema)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let facts = FactValue.record(["items": .list([
            .record(["name": .string("q"), "load": .int(6)]), .record(["name": .string("p"), "load": .int(9)]),
            .record(["name": .string("r"), "load": .int(1)]),
        ])])
        let evaluation = ruleSet.evaluate(facts, profile: true)
        #expect(evaluation.findings.map(\.subject) == ["p", "q"])
        #expect(evaluation.findings.map(\.severity) == [.high, .low])
        #expect(evaluation.findings.map(\.score) == [90, 60])
        #expect(evaluation.findings[0].evidence == [
            Evidence(label: "load", value: "9", number: 9, source: "items.txt"),
            Evidence(label: "share", value: "90%", number: 0.9, source: nil, kind: .share),
        ])
        #expect(evaluation.findings[0].parameters == ["limit": .int(5), "high": .int(9)])
        #expect(evaluation.results.first?.nanoseconds != nil)
        // No data at all: insufficient, naming the fact and its source file.
        let empty = ruleSet.evaluate(.record([:]))
        #expect(empty.findings.isEmpty)
        #expect(empty.results.first?.outcome == .insufficientData(missing: [MissingFact(path: "items", sources: ["items.txt"])], reasons: []))
    }

    @Test("a rule without score: ranks by its severity after escalation (high 60, low 20), not always last")
    func defaultScore() throws {
        let text = Self.goodRule.replacingOccurrences(of: "    score: i.load * 10\n", with: "")
        let (ruleSet, diagnostics) = RuleSet.load([RuleSource(path: "good.yaml", text: text)], schema: TestSchema.schema)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let facts = FactValue.record(["items": .list([
            .record(["name": .string("q"), "load": .int(6)]), .record(["name": .string("p"), "load": .int(9)]),
        ])])
        #expect(ruleSet.evaluate(facts).findings.map(\.score) == [60, 20])
    }

    @Test("in-file tests: pass, and a failing case is reported at its own line")
    func inFileTests() throws {
        let (ruleSet, _) = RuleSet.load([RuleSource(path: "good.yaml", text: Self.goodRule)], schema: TestSchema.schema)
        let report = ruleSet.runTests()
        #expect(report.passed == 3)
        #expect(report.failures.map(\.description) == [
            "good.yaml:28:9: error: rule 'demo.items', test 'wrong on purpose': expected severity high, but it fired 1 finding: low 'q'",
        ])
        #expect(report.summary == "3 passed, 1 failed")
    }

    @Test("overlays change parameters and severity, disable rules, and carry their justification")
    func overlays() throws {
        var (ruleSet, _) = RuleSet.load([RuleSource(path: "good.yaml", text: Self.goodRule)], schema: TestSchema.schema)
        let overlay = RuleSource(path: "o.yaml", text: """
            overlays:
              - rule: demo.items
                justification: "batch hosts run hot by design"
                params: {limit: 8}
                severity: medium
            """)
        #expect(ruleSet.apply(overlay: overlay).isEmpty)
        let facts = FactValue.record(["items": .list([.record(["name": .string("p"), "load": .int(9)]), .record(["name": .string("q"), "load": .int(6)])])])
        let findings = ruleSet.evaluate(facts).findings
        #expect(findings.map(\.subject) == ["p"])
        #expect(findings.first?.severity == .medium)  // a fixed severity replaces escalations
        #expect(findings.first?.justifications == ["batch hosts run hot by design"])
        #expect(ruleSet.disable(["demo.itmes"]).map(\.notes) == [["did you mean 'demo.items'?"]])
        #expect(ruleSet.disable(["demo.items"]).isEmpty)
        #expect(ruleSet.evaluate(facts).results.isEmpty)
    }

    @Test("an override replaces the earlier rule with the same id, and must say why")
    func override() throws {
        let replacement = """
            rules:
              - id: demo.same
                title: replaced
                severity: high
                override: true
                justification: "our load balancer keeps these on purpose"
                condition: a > 100
            """
        let (ruleSet, diagnostics) = RuleSet.load([try Self.source("duplicate-a.yaml"), RuleSource(path: "team.yaml", text: replacement)], schema: TestSchema.schema)
        #expect(diagnostics.isEmpty)
        #expect(ruleSet.rules.map(\.title) == ["replaced"])
        #expect(ruleSet.rules.first?.overrideJustification == "our load balancer keeps these on purpose")
        let silent = replacement.replacingOccurrences(of: "    justification: \"our load balancer keeps these on purpose\"\n", with: "")
        let (_, errors) = RuleSet.load([try Self.source("duplicate-a.yaml"), RuleSource(path: "team.yaml", text: silent)], schema: TestSchema.schema)
        #expect(errors.map(\.message) == ["'override: true' needs a 'justification:' saying why the rule it replaces is wrong here"])
    }

    @Test("hostile YAML: an alias bomb and deep nesting are refused with a clear error")
    func hostileYAML() {
        var bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1...9 { bomb += "\(Character(UnicodeScalar(97 + i)!)): &\(Character(UnicodeScalar(97 + i)!)) [" + Array(repeating: "*\(Character(UnicodeScalar(96 + i)!))", count: 10).joined(separator: ", ") + "]\n" }
        bomb += "rules: []\n"
        let (_, d1) = RuleSet.load([RuleSource(path: "bomb.yaml", text: bomb)], schema: TestSchema.schema)
        #expect(d1.count == 1)
        #expect(d1.first?.message == "document expands to more than 200000 nodes (aliases are expanded); refusing it")
        let deep = "rules: " + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "\n"
        let (_, d2) = RuleSet.load([RuleSource(path: "deep.yaml", text: deep)], schema: TestSchema.schema)
        #expect(d2.first?.message == "document nests deeper than 64 levels")
    }
}
