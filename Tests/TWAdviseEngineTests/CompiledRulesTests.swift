import Foundation
import Testing
@testable import TWAdviseEngine

/// The schema's checking text and the checked form of rules: what the build writes is what a run reads, and
/// anything else is refused whole.
@Suite("Checked rules and the schema they were checked against")
struct CompiledRulesTests {
    static let rules = """
        rules:
          - id: demo.first
            title: first
            severity: medium
            params:
              limit: {value: 3, doc: "a limit"}
              ratio: {value: 0.25, doc: "a ratio"}
              wait: {value: 90s, doc: "a duration"}
            for_each: i in items
            let:
              heavy: i.load * 2
            condition: heavy >= limit and not i.local and i.name not in ["x", "y"] and kernel.version >= version("4.12")
            escalate:
              high: heavy > limit * 10
            score: heavy / max(limit, 1)
            subject: i.name
            evidence:
              - {label: "load", value: i.load, source: "items.txt"}
              - {label: "share", value: x, format: percent}
            vars:
              total: "sum(j in items: j.load)"
              any_local: "any(j in items: j.local)"
            runbook: demo
            references:
              - {title: "a reference", url: "https://example.org/a"}
              - {title: "no address"}
          - id: demo.second
            title: second
            severity: low
            params:
              limit: {same_as: demo.first.limit, doc: "the same threshold"}
            condition: b >= limit and has(a) and -a < 0 and timeout > 1m and count(numbers) >= 0
        """

    static func loaded() -> [Rule] {
        let (set, diagnostics) = RuleSet.load([RuleSource(path: "demo.yaml", text: rules)], schema: TestSchema.schema, testsOfCompiled: false)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        return set.rules
    }

    @Test("rules decode to what the loader made, field by field, and encode again to the same text")
    func roundTrip() throws {
        var loader = RuleLoader(schema: TestSchema.schema)
        loader.loadsTests = false
        let rules = loader.load(text: Self.rules, file: "demo.yaml")
        #expect(rules.count == 2 && loader.diagnostics.isEmpty)
        let sealed = try #require(CompiledRules.encode(rules))
        let decoded = try #require(CompiledRules.decode(sealed, file: "demo.yaml", factSources: loader.factSources))
        #expect(Self.dump(decoded) == Self.dump(rules))
        #expect(decoded.map(\.factSources) == rules.map(\.factSources))
        #expect(CompiledRules.encode(decoded) == sealed)
        // They decide as the loaded rules do.
        let facts = FactValue.record([
            "items": .list([.record(["name": .string("big"), "load": .int(40), "local": .bool(false)]),
                            .record(["name": .string("x"), "load": .int(40), "local": .bool(false)])]),
            "x": .float(0.5), "a": .int(1), "b": .int(5), "timeout": .duration(120), "numbers": .list([]),
            "kernel": .record(["version": .version(Version([6, 1]))]),
        ])
        let expected = RuleSet(schema: TestSchema.schema, rules: rules).evaluate(facts).findings
        let found = RuleSet(schema: TestSchema.schema, rules: decoded).evaluate(facts).findings
        #expect(found.count == 2)
        func stable(_ findings: [Finding]) -> [String] {
            findings.map { f in
                "\(f.id) \(f.severity) \(f.score) \(f.subject ?? "-") \(f.evidence.map { "\($0.label)=\($0.value)" }) "
                    + "\(f.parameters.sorted { $0.key < $1.key }) \(f.vars.sorted { $0.key < $1.key }) \(f.references)"
            }
        }
        #expect(stable(found) == stable(expected))
    }

    @Test("a load that reads no tests takes the checked rules; one that reads tests, or a damaged form, loads the text")
    func loadPrefersChecked() throws {
        let other = try #require(CompiledRules.encode(Self.loaded().filter { $0.id == "demo.first" }))
        var source = RuleSource(path: "demo.yaml", text: Self.rules)
        source.checked = other
        let decoded = RuleSet.load([source], schema: TestSchema.schema, testsOfCompiled: false).ruleSet
        #expect(decoded.rules.map(\.id) == ["demo.first"])
        #expect(decoded.checkedSources == 1)
        #expect(RuleSet.load([source], schema: TestSchema.schema, testsOfCompiled: true).ruleSet.rules.map(\.id) == ["demo.first", "demo.second"])
        let bytes = Array(other.utf8)
        for position in [0, 5, 20, bytes.count / 2, bytes.count - 1] {
            var damaged = bytes
            damaged[position] ^= 0x01
            source.checked = String(decoding: damaged, as: UTF8.self)
            #expect(CompiledRules.decode(source.checked!, file: "demo.yaml", factSources: [:]) == nil, "byte \(position)")
            #expect(RuleSet.load([source], schema: TestSchema.schema, testsOfCompiled: false).ruleSet.rules.count == 2, "byte \(position)")
        }
        let older = "twadvise-rules/0" + other.dropFirst(CompiledRules.tag.count)
        #expect(CompiledRules.decode(older, file: "demo.yaml", factSources: [:]) == nil)
        for garbage in ["", "twadvise-rules/1", String(other.prefix(30)), other + "x"] {
            #expect(CompiledRules.decode(garbage, file: "demo.yaml", factSources: [:]) == nil, "\(garbage.prefix(30))")
        }
    }

    @Test("a checked body that is well sealed but wrong inside is refused, not half read")
    func sealedGarbage() {
        let bodies = ["1:", "999999:", "1:2:id", "0:x", "1:" + String(repeating: "(", count: 2_000), "2:"]
        for body in bodies {
            let sealed = EmbeddedSeal.seal(Array(body.utf8), tag: CompiledRules.tag)
            #expect(CompiledRules.decode(sealed, file: "x", factSources: [:]) == nil, "\(body.prefix(20))")
        }
        #expect(CompiledRules.decode(EmbeddedSeal.seal(Array("0:".utf8), tag: CompiledRules.tag), file: "x", factSources: [:])?.isEmpty == true)
    }

    @Test("a well-sealed form whose slots or indices fall outside what the rule allocates is refused, as is one nested too deep")
    func indicesChecked() throws {
        let rule = try #require(Self.loaded().first)
        #expect(CompiledRules.indicesFit(rule))
        var broken: [Rule] = []
        var r = rule; r.slotCount = -1; broken.append(r)
        r = rule; r.slotCount = CompiledRules.maxSlots + 1; broken.append(r)
        r = rule; r.condition = .slot(rule.slotCount); broken.append(r)
        r = rule; r.condition = .cachedFact(rule.factPathCount, ["a"]); broken.append(r)
        r = rule; r.condition = .iterationField(rule.iterationFields.count, path: "items[].x"); broken.append(r)
        r = rule; r.lets = [(slot: -1, expr: .constant(.int(1)))]; broken.append(r)
        r = rule; r.vars = [(name: "v", expr: .comprehension(.any, slot: rule.slotCount + 3, collection: .fact(["items"]), body: .constant(.bool(true))))]; broken.append(r)
        r = rule; r.parameters[0].slot = 99; broken.append(r)
        var deep = CheckedExpr.constant(.bool(true))
        for _ in 0..<(CompiledRules.maxDepth + 10) { deep = .not(deep) }
        r = rule; r.condition = deep; broken.append(r)
        for (i, bad) in broken.enumerated() {
            let sealed = try #require(CompiledRules.encode([bad]))
            #expect(CompiledRules.decode(sealed, file: "demo.yaml", factSources: [:]) == nil, "case \(i)")
        }
    }

    @Test("a later file's same_as reaches a parameter of rules that came checked")
    func sameAsAfterChecked() throws {
        var first = RuleSource(path: "first.yaml", text: "rules: []\n")
        let checked: String = try #require(CompiledRules.encode(Self.loaded().filter { $0.id == "demo.first" }))
        first.checked = checked
        let second = RuleSource(path: "second.yaml", text: """
            rules:
              - id: team.follows
                title: follows
                severity: low
                params:
                  limit: {same_as: demo.first.limit, doc: "the same"}
                condition: b >= limit
            """)
        let (set, diagnostics) = RuleSet.load([first, second], schema: TestSchema.schema, testsOfCompiled: false)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(set.rule(id: "team.follows")?.parameters.first?.value == .int(3))
    }

    @Test("what the form does not keep is not written: tests, overlay changes, table values")
    func notKept() throws {
        var rules = Self.loaded()
        rules[0].isDisabled = true
        #expect(CompiledRules.encode(rules) == nil)
        rules = Self.loaded()
        rules[1].overlayJustifications = ["why"]
        #expect(CompiledRules.encode(rules) == nil)
        rules = Self.loaded()
        rules[0].parameters[0].value = .table(FactTable(count: 0, columns: [:]))
        #expect(CompiledRules.encode(rules) == nil)
        let withTests = RuleSet.load([RuleSource(path: "demo.yaml", text: Self.rules + """

                tests:
                  - {name: t, facts: {b: 9}, expect: [{severity: low}]}
            """)], schema: TestSchema.schema)
        #expect(withTests.diagnostics.isEmpty, "\(withTests.diagnostics)")
        #expect(CompiledRules.encode(withTests.ruleSet.rules) == nil)
    }

    @Test("every stored property of a rule is one the form writes (a new one fails here until it is kept)")
    func everyFieldKept() throws {
        let rule = try #require(Self.loaded().first)
        let labels = Mirror(reflecting: rule).children.compactMap(\.label)
        // Written by CompiledRules.Writer.write(_:) or set when decoding (tests empty, not disabled, no
        // overlay, factSources the loader's).
        #expect(labels == ["id", "title", "description", "severity", "parameters", "runbook", "references", "location",
                           "isOverride", "overrideJustification", "isDisabled", "overlayJustifications", "conditionText",
                           "iterationText", "letTexts", "escalationTexts", "escalations", "iteration", "lets", "condition",
                           "score", "subject", "evidence", "vars", "tests", "slotCount", "factPathCount", "iterationFields",
                           "iterationPath", "factSources"])
        #expect(Mirror(reflecting: try #require(rule.parameters.first)).children.compactMap(\.label)
                == ["name", "value", "type", "doc", "slot", "link", "defaultValue"])
        #expect(Mirror(reflecting: try #require(rule.evidence.first)).children.compactMap(\.label)
                == ["label", "value", "source", "format", "factPaths"])
        #expect(Mirror(reflecting: try #require(rule.references.first)).children.compactMap(\.label) == ["title", "url"])
    }

    // MARK: - The schema's checking text

    @Test("a schema's checking text reads back to the same schema, docs and record names included")
    func schemaText() throws {
        let text = try #require(TestSchema.schema.checkingText)
        #expect(text.hasPrefix(FactSchema.checkingTextHeader + "root facts\n"))
        #expect(text.contains("items[].load\tint\tload\titems.txt\n"))
        #expect(text.contains("items\tlist:record:item\titems\titems.txt\n"))
        let read = try #require(FactSchema(checkingText: text))
        #expect(read == TestSchema.schema)
        #expect(read.checkingText == text)
        // Rules checked against the text are the rules checked against the schema.
        var fromText = RuleLoader(schema: read)
        fromText.loadsTests = false
        #expect(Self.dump(fromText.load(text: Self.rules, file: "demo.yaml")) == Self.dump(Self.loaded()))
    }

    @Test("two schemas that differ only in a doc give two texts (types compare their docs: the checks could differ)")
    func docsCount() throws {
        func schema(_ doc: String) -> FactSchema {
            let r = FactType.record(RecordType(name: "r", fields: ["x": FieldSpec(.int, doc)]))
            return FactSchema(root: RecordType(name: "facts", fields: ["a": FieldSpec(r, "one"), "bs": FieldSpec(.list(r), "many")]))
        }
        #expect(schema("A").checkingText != schema("B").checkingText)
        // The same rule checks against one and not the other: a text that left docs out would have hidden it.
        let mixed = FactSchema(root: RecordType(name: "facts", fields: [
            "a": FieldSpec(.record(RecordType(name: "r", fields: ["x": FieldSpec(.int, "A")])), "one"),
            "bs": FieldSpec(.list(.record(RecordType(name: "r", fields: ["x": FieldSpec(.int, "B")]))), "many"),
        ]))
        var checker = TypeChecker(schema: mixed)
        #expect(throws: ExpressionError.self) { try checker.check(try Parser.parse("a in bs")) }
        let text: String = try #require(mixed.checkingText)
        let read = try #require(FactSchema(checkingText: text))
        var again = TypeChecker(schema: read)
        #expect(throws: ExpressionError.self) { try again.check(try Parser.parse("a in bs")) }
    }

    @Test("a schema that cannot be written on lines has no checking text")
    func schemaNotWritable() {
        func schema(_ fields: [String: FieldSpec]) -> FactSchema { FactSchema(root: RecordType(name: "facts", fields: fields)) }
        #expect(schema(["#a": FieldSpec(.int, "")]).checkingText == nil)
        #expect(schema(["a": FieldSpec(.int, "two\nlines")]).checkingText == nil)
        #expect(schema(["a": FieldSpec(.int, "a\ttab")]).checkingText == nil)
        #expect(schema(["a.b": FieldSpec(.int, "")]).checkingText == nil)
        #expect(schema(["a[": FieldSpec(.int, "")]).checkingText == nil)
        #expect(schema(["a\tb": FieldSpec(.int, "")]).checkingText == nil)
        #expect(schema(["a": FieldSpec(.int, "", sources: ["x\ty"])]).checkingText == nil)
        #expect(schema(["a": FieldSpec(.int, "", sources: ["x\ny"])]).checkingText == nil)
        #expect(schema(["a": FieldSpec(.list(.list(.record(RecordType(name: "r", fields: [:])))), "")]).checkingText == nil)
        #expect(schema(["a": FieldSpec(.record(RecordType(name: "r:s", fields: [:])), "")]).checkingText == nil)
        #expect(schema(["a": FieldSpec(.list(.list(.int)), "", sources: ["with space"])]).checkingText != nil)
        #expect(FactSchema(root: RecordType(name: "", fields: [:])).checkingText == nil)
    }

    @Test("a checking text with a line out of place is refused whole")
    func schemaTextRefused() throws {
        let good = try #require(TestSchema.schema.checkingText)
        #expect(FactSchema(checkingText: good) != nil)
        let broken = [
            "", "# only a comment\n", "facts\n", good.replacingOccurrences(of: "root facts\n", with: ""),
            good + "orphan.child\tint\t\n",                          // a field under no record
            good + "a\tint\t\n",                                     // a field twice
            good.replacingOccurrences(of: "\tint\t", with: "\tinteger\t"),
            good.replacingOccurrences(of: "list:record:item", with: "list:"),
            good + "b\n",                                            // no type
            good + "b\tint\n",                                       // no doc column
            good + "\tint\t\n",                                      // no path
            good + "x.[]\tint\t\n",
            good + "deep\t" + String(repeating: "list:", count: 20_000) + "int\t\n",  // nesting past the cap
        ]
        for text in broken { #expect(FactSchema(checkingText: text) == nil, "\(text.suffix(40))") }
    }

    /// Every field of every rule as text, factSources left out (the same dictionary may print in another order).
    static func dump(_ rules: [Rule]) -> String {
        rules.map { rule in
            var rule = rule
            rule.factSources = [:]
            var text = ""
            Swift.dump(rule, to: &text)
            return text
        }.joined(separator: "\n")
    }
}
