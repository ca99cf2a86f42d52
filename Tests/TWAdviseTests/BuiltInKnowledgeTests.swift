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

    @Test("every built-in rule file carries its expressions as they parse now, and loading it parses none")
    func expressionsMatchText() throws {
        // One loader over the files in order, as a run loads them (a parameter may follow another file's).
        var loader = RuleLoader(schema: HostFactSchema.schema)
        loader.loadsTests = false
        for source in KnowledgeBase.ruleSources {
            let sealed = try #require(source.expressions, "\(source.path) has no parsed expressions")
            let table = try #require(CompiledExpressions.decode(sealed), "\(source.path)")
            #expect(!table.isEmpty)
            for (text, expr) in table { #expect(try Parser.parse(text) == expr, "\(source.path): \(text)") }
            #expect(CompiledExpressions.encode(table) == sealed, "\(source.path)")
            let rules = loader.load(source)
            #expect(!rules.isEmpty && loader.diagnostics.isEmpty, "\(source.path)")
            #expect(loader.expressionsParsed == 0, "\(source.path): an expression the build did not record")
        }
    }

    @Test("one damaged byte, or another version, and the embedded forms are not used: the same rules load from the text")
    func damagedEmbeddingFallsBack() throws {
        let sources = KnowledgeBase.ruleSources
        let clean = RuleSet.load(sources, schema: HostFactSchema.schema, testsOfCompiled: false)
        #expect(clean.diagnostics.isEmpty)
        let expected = Self.fingerprint(clean.ruleSet.rules)
        for (index, source) in sources.enumerated() {
            let expressions = Array(try #require(source.expressions).utf8)
            let compiled = Array(try #require(source.compiled).utf8)
            // The tag, the checksum, and places through the body, the last byte included.
            for (form, bytes) in [("expressions", expressions), ("tree", compiled)] {
                let positions = [0, 10, bytes.count / 7, bytes.count / 3, bytes.count / 2, bytes.count * 5 / 6, bytes.count - 1]
                    + [0, 7, 15].map { (bytes.firstIndex(of: UInt8(ascii: " ")) ?? 0) + 1 + $0 }
                for position in positions {
                    var damaged = bytes
                    damaged[position] ^= 0x01
                    let text = String(decoding: damaged, as: UTF8.self)
                    var fallback = source
                    if form == "expressions" {
                        #expect(CompiledExpressions.decode(text) == nil, "\(source.path) \(form) byte \(position)")
                        fallback.expressions = text
                    } else {
                        #expect(CompiledYAML.decode(text, file: source.path) == nil, "\(source.path) \(form) byte \(position)")
                        fallback.compiled = text
                    }
                    var damagedSources = sources
                    damagedSources[index] = fallback
                    let loaded = RuleSet.load(damagedSources, schema: HostFactSchema.schema, testsOfCompiled: false)
                    #expect(loaded.diagnostics.isEmpty)
                    #expect(Self.fingerprint(loaded.ruleSet.rules) == expected, "\(source.path) \(form) byte \(position)")
                }
            }
            // The slow path is the one taken: the file's expressions are parsed again.
            var loader = RuleLoader(schema: HostFactSchema.schema)
            loader.loadsTests = false
            var damaged = source
            damaged.expressions = String(decoding: expressions.dropLast() + [expressions.last! ^ 0x01], as: UTF8.self)
            _ = loader.load(damaged)
            #expect(loader.expressionsParsed > 0)
            _ = loader.load(source)
            let parsedBefore = loader.expressionsParsed
            _ = loader.load(source)
            #expect(loader.expressionsParsed == parsedBefore)
            let older = "twadvise-expressions/0" + (try #require(source.expressions)).dropFirst(CompiledExpressions.tag.count)
            #expect(CompiledExpressions.decode(older) == nil)
        }
    }

    @Test("a tree decoded without the rules' tests is the whole tree less each rule's 'tests' key")
    func treeWithoutTests() throws {
        for source in KnowledgeBase.ruleSources {
            let compiled = try #require(source.compiled)
            let whole = try #require(CompiledYAML.decode(compiled, file: source.path))
            let lean = try #require(CompiledYAML.decode(compiled, file: source.path, skippingRuleTests: true))
            guard case .mapping(let pairs, let location) = whole else { Issue.record("not a mapping"); continue }
            let expected = YAMLNode.mapping(pairs.map { key, value in
                guard case .sequence(let rules, let at) = value else { return (key, value) }
                return (key, .sequence(rules.map { rule in
                    guard case .mapping(let fields, let ruleAt) = rule else { return rule }
                    return .mapping(fields.filter { $0.key.value != "tests" }, ruleAt)
                }, at))
            }, location)
            #expect(CompiledYAML.encode(lean) == CompiledYAML.encode(expected), "\(source.path)")
            #expect(CompiledYAML.encode(lean) != compiled, "\(source.path) has tests")
        }
    }

    @Test("rule ids: the byte check accepts exactly what the dotted-words definition does")
    func ruleIDs() {
        func reference(_ id: String) -> Bool {
            let parts = id.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count >= 2 else { return false }
            return parts.allSatisfy { part in
                !part.isEmpty && part.first != "-" && part.last != "-"
                    && part.unicodeScalars.allSatisfy { ($0 >= "a" && $0 <= "z") || ($0 >= "0" && $0 <= "9") || $0 == "-" }
            }
        }
        let ids = ["ports.destination-exhaustion", "a.b", "a.b.c-d", "a", "", ".", "a.", ".a", "a..b", "-a.b", "a-.b", "a.-b", "a.b-",
                   "A.b", "a.b c", "a.b_c", "a1.2b", "é.a", "a.é", "a.b\u{0}", "tw.reuse-2", "a.b.", "a--b.c", "ab.c-d-e"]
        for id in ids { #expect(RuleLoader.isValidID(id) == reference(id), "\(id)") }
    }

    /// What a loaded rule is made of, as text: ids, parameters, every checked expression, slots and columns.
    static func fingerprint(_ rules: [Rule]) -> [String] {
        rules.map { rule in
            let parts: [String] = [
                rule.id, rule.title, rule.description, "\(rule.severity)", "\(rule.parameters)", rule.conditionText,
                "\(rule.condition)", "\(rule.lets)", "\(rule.escalations)", "\(String(describing: rule.score))",
                "\(String(describing: rule.subject))", "\(String(describing: rule.iteration))",
                "\(rule.evidence.map { ($0.label, $0.value, $0.source ?? "", $0.format, $0.factPaths) })", "\(rule.vars)",
                "\(rule.slotCount) \(rule.factPathCount) \(rule.iterationFields) \(rule.iterationPath ?? "")",
                "\(rule.letTexts) \(rule.escalationTexts) \(rule.references) \(String(describing: rule.runbook)) \(rule.location)",
                "\(rule.isOverride) \(rule.overrideJustification ?? "-") \(rule.isDisabled) \(rule.overlayJustifications)",
            ]
            return parts.joined(separator: "\n")
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
