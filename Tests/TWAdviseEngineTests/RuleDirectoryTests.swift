import Foundation
import Testing
import TWAdviseTestSupport
@testable import TWAdviseEngine

/// The engine alone, for another domain: rules from a directory and facts from JSON, both checked.
@Suite("Rule directories and schema-checked facts")
struct RuleDirectoryTests {
    static let rule = """
        rules:
          - id: queue.deep
            title: Queue is deep
            severity: high
            condition: a > 10
            evidence:
              - {label: depth, value: a}
            tests:
              - facts: {a: 20}
                expect: [{severity: high}]
        """

    @Test("every *.yaml and *.yml of a directory, sorted by name; other files and hidden ones are not rules")
    func loads() throws {
        let tree = try TemporaryTree([
            "b.yml": Self.rule.replacing("queue.deep", with: "queue.b"),
            "a.yaml": Self.rule,
            "notes.txt": "not a rule",
            ".hidden.yaml": "garbage: [",
        ])
        let sources = try RuleDirectory.sources(tree.root)
        #expect(sources.map(\.path) == [tree.path("a.yaml"), tree.path("b.yml")])
        let (rules, diagnostics) = try RuleSet.load(directory: tree.root, schema: TestSchema.schema)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(rules.rules.map(\.id) == ["queue.deep", "queue.b"])
        let facts = try TestSchema.schema.facts(json: #"{"a": 12, "items": [{"name": "q", "load": 3}]}"#)
        #expect(rules.evaluate(facts).findings.map(\.id) == ["queue.b", "queue.deep"])
    }

    @Test("a link, a FIFO, a file too large or not UTF-8, no rule file, no directory: each fails the load, naming it")
    func hostile() throws {
        let tree = try TemporaryTree(["ok.yaml": Self.rule, "outside/secret.yaml": Self.rule])
        try tree.symlink("rules/link.yaml", to: tree.path("outside/secret.yaml"))
        try tree.write("rules/ok.yaml", Self.rule)
        #expect(throws: RuleFileError(path: tree.path("rules/link.yaml"), reason: "a symbolic link: not followed")) {
            try RuleDirectory.sources(tree.path("rules"))
        }

        try tree.mkdir("fifo")
        #expect(mkfifo(tree.path("fifo/pipe.yaml"), 0o600) == 0)
        #expect(throws: RuleFileError(path: tree.path("fifo/pipe.yaml"), reason: "not a regular file")) {
            try RuleDirectory.sources(tree.path("fifo"))
        }

        try tree.write("big/huge.yaml", [UInt8](repeating: 0x20, count: YAMLLimits.maxBytes + 1))
        #expect(throws: RuleFileError(path: tree.path("big/huge.yaml"), reason: "larger than the limit of \(YAMLLimits.maxBytes >> 20) MiB")) {
            try RuleDirectory.sources(tree.path("big"))
        }

        try tree.write("latin/x.yaml", [0x66, 0xE9, 0x0A])
        #expect(throws: RuleFileError(path: tree.path("latin/x.yaml"), reason: "not valid UTF-8")) {
            try RuleDirectory.sources(tree.path("latin"))
        }

        // A name that is not UTF-8, or that holds a newline, would be shown garbled or add a line: refused.
        try tree.mkdir("names")
        let badName = tree.path("names") + "/x\u{1B}[2J.yaml"
        #expect(FileManager.default.createFile(atPath: badName, contents: Data(Self.rule.utf8)))
        #expect(throws: RuleFileError(path: tree.path("names"), reason: "a rule file named 'x\\x1b[2J.yaml': not UTF-8 or holding a control character")) {
            try RuleDirectory.sources(tree.path("names"))
        }

        try tree.mkdir("empty")
        #expect(throws: RuleFileError(path: tree.path("empty"), reason: "no *.yaml or *.yml rule file in the directory")) {
            try RuleDirectory.sources(tree.path("empty"))
        }
        #expect(throws: RuleFileError(path: tree.path("absent"), reason: "no such file or directory")) {
            try RuleDirectory.sources(tree.path("absent"))
        }
        #expect(throws: RuleFileError(path: tree.path("ok.yaml"), reason: "not a directory")) {
            try RuleDirectory.sources(tree.path("ok.yaml"))
        }
    }

    @Test("a directory the reader may not open is refused with its reason", .enabled(if: getuid() != 0, "root reads any directory"))
    func permissionDenied() throws {
        let tree = try TemporaryTree(["closed/a.yaml": Self.rule])
        tree.chmod("closed", 0o000)
        defer { tree.chmod("closed", 0o700) }
        #expect(throws: RuleFileError(path: tree.path("closed"), reason: "permission denied")) {
            try RuleDirectory.sources(tree.path("closed"))
        }
    }

    @Test("facts from JSON: typed by the schema; null or left out is unknown")
    func facts() throws {
        let facts = try TestSchema.schema.facts(json: """
            {"a": 3, "x": 2, "flag": true, "name": "web-1", "timeout": 60, "kernel": {"version": "6.1.0"},
             "items": [{"name": "q", "load": 7, "local": false}], "numbers": [1, 2], "b": null}
            """)
        guard case .record(let fields) = facts else {
            Issue.record("facts are not a record")
            return
        }
        #expect(fields["a"] == .int(3))
        #expect(fields["x"] == .float(2))
        #expect(fields["timeout"] == .duration(60))
        #expect(fields["kernel"] == .record(["version": .version(Version([6, 1, 0]))]))
        #expect(fields["items"] == .list([.record(["name": .string("q"), "load": .int(7), "local": .bool(false)])]))
        #expect(fields["b"] == nil)
    }

    @Test("a misspelled key, a wrong type, a number in quotes, a document that is not one: errors at their place")
    func badFacts() {
        func problems(_ json: String) -> [String] {
            do {
                _ = try TestSchema.schema.facts(json: json, file: "f.json")
                return []
            } catch {
                return error.diagnostics.map(\.description)
            }
        }
        let typo = problems(#"{"itemz": []}"#)
        #expect(typo.count == 1 && typo[0].hasPrefix("f.json:1:2: error: no fact 'itemz'") && typo[0].contains("did you mean 'items'?"), "\(typo)")
        #expect(problems(#"{"items": [{"nmae": "q"}]}"#).first?.contains("no fact 'items[].nmae'") == true)
        #expect(problems(#"{"a": "3"}"#).first?.contains("'a' must be int, found '3'") == true)
        #expect(problems(#"{"a": 1.5}"#).first?.contains("'a' must be int") == true)
        #expect(problems(#"{"items": {"name": "q"}}"#).first?.contains("'items' must be a list") == true)
        #expect(problems(#"[1, 2]"#).first?.contains("must be a mapping of facts fields") == true)
        #expect(problems("").first?.contains("no facts: the document is empty") == true)
        #expect(!problems(#"{"a": [1,"#).isEmpty)
        // Bounded: a document of many problems reports at most Diagnostic.maxPerFile of them, and says so.
        let many = "{" + (0..<200).map { "\"k\($0)\": 1" }.joined(separator: ", ") + "}"
        #expect(problems(many).count == Diagnostic.maxPerFile + 1)
    }
}
