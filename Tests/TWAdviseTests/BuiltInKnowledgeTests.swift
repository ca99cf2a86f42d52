import Testing
@testable import TWAdvise
import TWAdviseRunbooks
@testable import TWAdviseEngine

/// The built-in templates are parsed at run time only when a report needs them, and the built-in rules are
/// not matched against them when an advisor loads: this suite is what checks them, whole.
@Suite("Built-in knowledge base")
struct BuiltInKnowledgeTests {
    @Test("every built-in template parses, and every built-in rule's section has the variables it uses")
    func checkedWhole() throws {
        let templates = try RunbookTemplates(files: KnowledgeBase.runbookTemplates)
        let catalog = try Advisor().catalog
        #expect(catalog.runbookDiagnostics(templates).isEmpty)
        #expect(try catalog.runbookDiagnostics().isEmpty)
    }

    @Test("a team's template with an error is refused when the advisor loads, not at the first report")
    func teamTemplateCheckedAtLoad() throws {
        #expect(throws: AdvisorError.self) {
            _ = try Advisor(catalog: Advisor().catalog, runbooks: ["ports": "<!-- runbook: ports.destination-exhaustion -->\n{{#vars}}\n"])
        }
    }
}

/// The built-in rules' YAML is parsed when TWAdvise is built; a run decodes the trees the build wrote.
@Suite("Compiled knowledge base")
struct CompiledKnowledgeTests {
    @Test("every built-in rule file carries the tree its text parses to now (an embedding cannot be stale)")
    func compiledMatchesText() throws {
        let sources = KnowledgeBase.ruleSources
        #expect(sources.count == 8)
        for source in sources {
            let compiled = try #require(source.compiled, "\(source.path) has no compiled tree")
            let parsed = try #require(try YAMLDocument.parse(source.text, file: source.path).get())
            #expect(CompiledYAML.encode(parsed) == compiled, "\(source.path)")
            let decoded = try #require(CompiledYAML.decode(compiled, file: source.path))
            #expect(CompiledYAML.encode(decoded) == compiled, "\(source.path)")
        }
    }

    @Test("a damaged compiled tree is not used: the text is parsed instead, with the same rules")
    func damagedTreeFallsBack() throws {
        let source = try #require(KnowledgeBase.ruleSources.first)
        let compiled = try #require(source.compiled)
        for damaged in [String(compiled.dropLast(3)), compiled + "s", "", "q1,1:999999999:", String(compiled.prefix(40)), "m1,1:1:sp1,1:3:ab"] {
            #expect(CompiledYAML.decode(damaged, file: source.path) == nil, "\(damaged.prefix(40))")
            let fallback = RuleSource(path: source.path, text: source.text, compiled: damaged)
            let (fromText, diagnostics) = RuleSet.load([fallback], schema: HostFactSchema.schema)
            #expect(diagnostics.isEmpty)
            #expect(fromText.rules.map(\.id) == RuleSet.load([source], schema: HostFactSchema.schema).ruleSet.rules.map(\.id))
        }
    }

    @Test("a diagnosis loads the built-in rules without their in-file tests; `rules test` loads them")
    func testsOnlyWhenRun() throws {
        let advisor = try Advisor()
        #expect(advisor.catalog.ruleSet.rules.allSatisfy { $0.tests.isEmpty })
        let withTests = RuleCatalog()
        #expect(withTests.ruleSet.rules.filter { !$0.tests.isEmpty }.count == withTests.ruleSet.rules.count)
        #expect(withTests.ruleSet.runTests().failures.isEmpty)
    }
}
