import Testing
@testable import TWAdvise
import TWAdviseRunbooks

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
