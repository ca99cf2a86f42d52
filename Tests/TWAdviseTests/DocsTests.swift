import Foundation
import Testing
import TWAdvise
import TWAdviseEngine
import TWAdviseTestSupport

/// Documents that are generated or that describe output: kept true by tests.
@Suite("Docs", .enabled(if: FileListing.sourceTreePresent, "source tree not present"))
struct DocsTests {
    @Test("docs/facts.md is the generated fact reference (regenerate: twadvise rules facts --format markdown > docs/facts.md)")
    func factsReference() throws {
        let onDisk = try String(contentsOfFile: PeerFixtures.packageRoot + "/docs/facts.md", encoding: .utf8)
        #expect(onDisk == HostFactSchema.markdownReference)
    }

    @Test("the README's embedding example is Examples/Embedding/main.swift, which CI builds and runs")
    func embeddingExample() throws {
        let readme = try String(contentsOfFile: PeerFixtures.packageRoot + "/README.md", encoding: .utf8)
        let example = try String(contentsOfFile: PeerFixtures.packageRoot + "/Examples/Embedding/main.swift", encoding: .utf8)
        let blocks = readme.components(separatedBy: "```swift\n").dropFirst().compactMap { $0.components(separatedBy: "```").first }
        #expect(blocks.filter { $0.hasPrefix("import TWAdvise\n") } == [example])
    }

    @Test("the rule examples in README.md and docs/rules.md pass the full lint (runbook variables included) and their own tests",
          arguments: ["README.md", "docs/rules.md"])
    func ruleExamples(file: String) throws {
        let text = try String(contentsOfFile: PeerFixtures.packageRoot + "/" + file, encoding: .utf8)
        let blocks = text.components(separatedBy: "```yaml\n").dropFirst().compactMap { $0.components(separatedBy: "```").first }
            .filter { $0.hasPrefix("rules:") }
        #expect(!blocks.isEmpty)
        for block in blocks {
            let catalog = RuleCatalog(extra: [RuleSource(path: file, text: block)])
            #expect(catalog.diagnostics.isEmpty, "\(catalog.renderedDiagnostics())")
            // What `rules lint` adds: every variable the runbook section uses is one the rule provides.
            let runbook = try catalog.runbookDiagnostics().filter { $0.location.file == file && $0.severity == .error }
            #expect(runbook.isEmpty, "\(runbook.map { $0.message })")
            let ruleSet = RuleSet(schema: catalog.ruleSet.schema, rules: catalog.ruleSet.rules.filter { $0.location.file == file })
            let report = ruleSet.runTests()
            #expect(report.failures.isEmpty, "\(report.failures)")
            #expect(report.passed >= 2)
        }
    }

    static let jsonschemaAvailable: Bool = {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import jsonschema"]
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }()

    @Test("every golden JSON report validates against docs/report.schema.json",
          .enabled(if: jsonschemaAvailable, "python3 with jsonschema not installed (.ci/run installs it)"))
    func reportSchema() throws {
        let script = """
            import json, sys, glob, jsonschema
            schema = json.load(open(sys.argv[1]))
            jsonschema.Draft202012Validator.check_schema(schema)
            files = sorted(glob.glob(sys.argv[2] + "/*.json"))
            assert files, "no golden JSON"
            for f in files:
                jsonschema.validate(json.load(open(f)), schema, cls=jsonschema.Draft202012Validator)
            print(len(files))
            """
        let result = try CLIRunner.process("/usr/bin/env", ["python3", "-c", script, PeerFixtures.packageRoot + "/docs/report.schema.json",
                                                            PeerFixtures.packageRoot + "/Tests/TWAdviseTests/Golden"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == String(Scenario.allCases.count))
    }
}
