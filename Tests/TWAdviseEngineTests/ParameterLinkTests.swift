import Foundation
import Testing
@testable import TWAdviseEngine

/// `same_as`: one threshold, one meaning, kept in one place.
struct ParameterLinkTests {
    static let rules = """
        rules:
          - id: demo.first
            title: first
            severity: low
            params:
              limit: {value: 5, doc: "from which an item counts"}
            condition: a >= limit
          - id: demo.second
            title: second
            severity: low
            params:
              limit: {same_as: demo.first.limit, doc: "the same threshold as demo.first"}
            condition: b >= limit
        """

    static func load(_ overlay: String? = nil) -> (RuleSet, [Diagnostic]) {
        var (set, diagnostics) = RuleSet.load([RuleSource(path: "r.yaml", text: rules)], schema: TestSchema.schema)
        if let overlay { diagnostics += set.apply(overlay: RuleSource(path: "o.yaml", text: overlay)) }
        return (set, diagnostics)
    }

    @Test("a follower takes the value it follows, and an overlay on that one moves both")
    func follows() {
        let (set, diagnostics) = Self.load()
        #expect(diagnostics.isEmpty)
        #expect(set.rule(id: "demo.second")?.parameters.first?.value == .int(5))
        let facts = FactValue.record(["a": .int(6), "b": .int(6)])
        #expect(set.evaluate(facts).findings.map(\.id) == ["demo.first", "demo.second"])
        let (changed, errors) = Self.load("overlays:\n  - rule: demo.first\n    justification: j\n    params: {limit: 7}\n")
        #expect(errors.isEmpty)
        #expect(changed.rule(id: "demo.second")?.parameters.first?.value == .int(7))
        #expect(changed.evaluate(facts).findings.isEmpty)
    }

    @Test("an overlay on the follower names the parameter to change")
    func overlayOnFollower() {
        let (_, errors) = Self.load("overlays:\n  - rule: demo.second\n    justification: j\n    params: {limit: 7}\n")
        #expect(errors.map(\.message) == ["parameter 'limit' of rule 'demo.second' follows 'demo.first.limit'; change that one"])
    }

    @Test("same_as must name a parameter of a rule loaded before, and not come with a value")
    func errors() {
        let broken = Self.rules.replacingOccurrences(of: "same_as: demo.first.limit", with: "same_as: demo.first.limt")
        let (_, diagnostics) = RuleSet.load([RuleSource(path: "r.yaml", text: broken)], schema: TestSchema.schema)
        // The cause first; the condition's use of the undeclared parameter follows it.
        #expect(diagnostics.map(\.message) == ["'same_as' names no parameter of a rule loaded before this one: 'demo.first.limt'",
                                               "unknown name 'limit'"])
        #expect(diagnostics.first?.notes == ["did you mean 'demo.first.limit'?"])
        let both = Self.rules.replacingOccurrences(of: "{same_as: demo.first.limit,", with: "{value: 3, same_as: demo.first.limit,")
        let (_, twice) = RuleSet.load([RuleSource(path: "r.yaml", text: both)], schema: TestSchema.schema)
        #expect(twice.map(\.message) == ["parameter 'limit' has both 'value' and 'same_as': give one"])
    }
}
