import Testing
import TWAdviseRunbooks

/// Template files are cut into sections at their `<!-- runbook: ID -->` markers, on every run.
@Suite("Template sections")
struct TemplateSectionTests {
    @Test("sections are the lines between markers, blank lines around them dropped; a marker on the last line gives an empty one")
    func cutAtMarkers() throws {
        let text = "intro, not a section\n  <!-- runbook: a.one -->  \n\nfirst body\n  indented\n\n<!-- runbook:b.two-->\nsecond\n<!-- runbook: c.last -->"
        let templates = RunbookTemplates(trusted: ["x": text])
        #expect(templates.sections["a.one"] == "first body\n  indented\n")
        #expect(templates.sections["b.two"] == "second\n")
        #expect(templates.sections["c.last"] == "\n")
        #expect(templates.sections.count == 3)
    }

    @Test("a marker without an id is an error naming its line")
    func markerWithoutID() throws {
        #expect(throws: RunbookTemplateError.self) {
            var templates = RunbookTemplates(trusted: [:])
            try templates.override(with: ["team": "line one\n<!-- runbook:   -->\nbody\n"])
        }
    }

    @Test("multi-byte text around and inside sections is kept byte for byte")
    func unicodeKept() throws {
        let templates = RunbookTemplates(trusted: ["x": "<!-- runbook: u.one -->\nTIME_WAIT → 60 s, ⟨U+202E⟩ é\n"])
        #expect(templates.sections["u.one"] == "TIME_WAIT → 60 s, ⟨U+202E⟩ é\n")
    }
}
