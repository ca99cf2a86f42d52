import Foundation
import Testing
@testable import TWAdvise
@testable import TWAdviseEngine

/// The built-in rules are type-checked when TWAdvise is built, against `rules/host-facts.schema`; a diagnosis
/// decodes them. These tests fail when that file is stale or the checked rules differ from the rule files.
@Suite("Checked knowledge base")
struct CheckedKnowledgeTests {
    /// The package root, from this file's place in it.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("rules/host-facts.schema is the schema TWAdvise declares (else: swift run twadvise rules facts --format schema > rules/host-facts.schema)")
    func schemaFileCurrent() throws {
        let file = try String(contentsOf: Self.root.appendingPathComponent("rules/host-facts.schema"), encoding: .utf8)
        let declared = try #require(HostFactSchema.schema.checkingText)
        #expect(file == declared, "rules/host-facts.schema is stale: swift run twadvise rules facts --format schema > rules/host-facts.schema")
        #expect(KnowledgeBase.embeddedSchema == declared, "the build embedded another schema text: rebuild")
        #expect(KnowledgeBase.checkedRulesApply)
    }

    @Test("every built-in rule file comes checked, and its checked rules are the rules its text loads to now")
    func checkedMatchesText() throws {
        let sources = KnowledgeBase.ruleSources(checkedAgainst: HostFactSchema.schema)
        #expect(sources.count == 8)
        // One loader over the files in order, as the build loads them (a parameter may follow another file's).
        var loader = RuleLoader(schema: HostFactSchema.schema)
        loader.loadsTests = false
        for source in sources {
            let checked = try #require(source.checked, "\(source.path) has no checked rules")
            let rules = loader.load(RuleSource(path: source.path, text: source.text))
            #expect(loader.diagnostics.isEmpty, "\(source.path)")
            #expect(CompiledRules.encode(rules) == checked, "\(source.path)")
            let decoded = try #require(CompiledRules.decode(checked, file: source.path, factSources: loader.factSources))
            #expect(CompiledKnowledgeTests.fingerprint(decoded) == CompiledKnowledgeTests.fingerprint(rules), "\(source.path)")
        }
        // The advisor's rules are those, loaded without a single expression checked at run time.
        let fromText = RuleSet.load(KnowledgeBase.ruleSources, schema: HostFactSchema.schema, testsOfCompiled: false)
        let fromChecked = RuleSet.load(sources, schema: HostFactSchema.schema, testsOfCompiled: false)
        #expect(fromChecked.diagnostics.isEmpty)
        #expect(CompiledKnowledgeTests.fingerprint(fromChecked.ruleSet.rules) == CompiledKnowledgeTests.fingerprint(fromText.ruleSet.rules))
        #expect(fromChecked.ruleSet.checkedSources == 8 && fromText.ruleSet.checkedSources == 0)
        // The advisor a diagnosis makes takes that path.
        let advisor = try Advisor()
        #expect(advisor.catalog.ruleSet.checkedSources == 8)
        #expect(CompiledKnowledgeTests.fingerprint(advisor.catalog.ruleSet.rules) == CompiledKnowledgeTests.fingerprint(fromText.ruleSet.rules))
    }

    @Test("another schema, or a load that reads the in-file tests, does not take the checked rules")
    func onlyForTheirSchema() throws {
        var other = HostFactSchema.schema
        other.root.fields["extra"] = FieldSpec(.int, "a fact the build did not see")
        #expect(KnowledgeBase.ruleSources(checkedAgainst: other).allSatisfy { $0.checked == nil })
        #expect(KnowledgeBase.ruleSources(checkedAgainst: HostFactSchema.schema).allSatisfy { $0.checked != nil })
        let withTests = RuleCatalog()
        #expect(withTests.ruleSet.rules.allSatisfy { !$0.tests.isEmpty })
        #expect(withTests.ruleSet.runTests().failures.isEmpty)
    }

    @Test("one damaged byte of a checked form, and the file loads from its text, to the same rules")
    func damagedCheckedFallsBack() throws {
        let sources = KnowledgeBase.ruleSources(checkedAgainst: HostFactSchema.schema)
        let expected = CompiledKnowledgeTests.fingerprint(RuleSet.load(sources, schema: HostFactSchema.schema, testsOfCompiled: false).ruleSet.rules)
        for (index, source) in sources.enumerated() {
            let bytes = Array(try #require(source.checked).utf8)
            for position in [0, 20, bytes.count / 3, bytes.count / 2, bytes.count - 1] {
                var damaged = bytes
                damaged[position] ^= 0x01
                var changed = sources
                changed[index].checked = String(decoding: damaged, as: UTF8.self)
                #expect(CompiledRules.decode(changed[index].checked!, file: source.path, factSources: [:]) == nil)
                let loaded = RuleSet.load(changed, schema: HostFactSchema.schema, testsOfCompiled: false)
                #expect(loaded.diagnostics.isEmpty)
                #expect(CompiledKnowledgeTests.fingerprint(loaded.ruleSet.rules) == expected, "\(source.path) byte \(position)")
            }
        }
    }

    @Test("a team rule can follow a built-in threshold with same_as while the built-in rules come checked")
    func teamSameAs() throws {
        let team = RuleSource(path: "team.yaml", text: """
            rules:
              - id: team.pressed
                title: a destination is pressed
                severity: low
                params:
                  ratio: {same_as: ports.destination-exhaustion.medium_ratio, doc: "the built-in threshold"}
                condition: ratio > 0
                runbook: ports
            """)
        let catalog = RuleCatalog(extra: [team], builtInTests: false)
        #expect(!catalog.hasErrors, "\(catalog.renderedDiagnostics())")
        let builtIn = try #require(catalog.ruleSet.rule(id: "ports.destination-exhaustion")?.parameters.first { $0.name == "medium_ratio" })
        #expect(catalog.ruleSet.rule(id: "team.pressed")?.parameters.first?.value == builtIn.value)
    }
}
