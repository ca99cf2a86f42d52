import Testing
@testable import TWAdviseRunbooks
import TWAdvise

/// The document frame is parsed in pieces cut outside every section (swift-mustache's parse grows with a
/// template's length times its tags); the pieces must render exactly the text the whole template renders.
@Suite("The document frame in pieces")
struct FrameTemplateTests {
    /// Contexts that take each branch of the frames below: values present, absent, empty lists and lists.
    static var contexts: [[String: Any]] { [
        [:],
        ["host": "h<1>", "a": true, "list": [["x": "1"], ["x": "2"]], "b": false, "name": "n & m"],
        ["host": "", "a": false, "list": [[String: Any]](), "b": true, "name": "q"],
    ] }

    static let frames: [String] = [
        "# {{{host}}}\n\n{{#a}}\nA is set\n{{/a}}\n{{^a}}\nA is not\n{{/a}}\n| x |\n|---|\n{{#list}}\n| {{{x}}} |\n{{/list}}\nend {{name}}\n",
        "{{! a comment\nover two lines with {{#a}} in it }}\nline\n{{#b}}\n  {{#a}}\n  both\n  {{/a}}\n{{/b}}\n{{{host}}}{{{name}}}\n",
        "no tags at all\nsecond line\n",
        "{{#a}}unclosed at the end\n",
        "text {{{host}}} without a final newline",
    ]

    @Test("each frame renders the same whole and cut at every possible place, for every context")
    func piecesRenderAsTheWhole() throws {
        for frame in Self.frames {
            guard let whole = try? FrameTemplate(frame, cutting: false) else {
                // A frame that does not parse whole does not parse cut either: the same error reaches the user.
                #expect(frame == Self.frames[3])
                #expect(throws: (any Error).self) { try FrameTemplate(frame) }
                continue
            }
            #expect(whole.pieces.count == 1)
            let cut = try FrameTemplate(frame)
            for context in Self.contexts {
                #expect(cut.render(context) == whole.render(context), "\(frame.debugDescription)")
            }
        }
    }

    @Test("cuts fall only at line ends outside sections and tags, and the pieces join to the text")
    func cutsAreOutsideSections() {
        let frame = Self.frames[0]
        let pieces = FrameTemplate.cut(frame)
        #expect(pieces.joined() == frame)
        #expect(pieces == ["# {{{host}}}\n", "\n", "{{#a}}\nA is set\n{{/a}}\n", "{{^a}}\nA is not\n{{/a}}\n", "| x |\n", "|---|\n",
                           "{{#list}}\n| {{{x}}} |\n{{/list}}\n", "end {{name}}\n"])
        // A comment holding "{{#a}}" opens no section; a section left open keeps the frame whole.
        #expect(FrameTemplate.cut(Self.frames[1]).first == "{{! a comment\nover two lines with {{#a}} in it }}\n")
        #expect(FrameTemplate.cut(Self.frames[3]) == [Self.frames[3]])
        #expect(FrameTemplate.cut("{{=<% %>=}}\n<%x%>\n") == ["{{=<% %>=}}\n<%x%>\n"])
    }

    @Test("the built-in report.md is parsed line by line outside sections, each piece alone")
    func builtInFrameIsCut() throws {
        let report = try #require(KnowledgeBase.runbookTemplates["report"])
        let pieces = FrameTemplate.cut(report)
        #expect(pieces.joined() == report)
        #expect(pieces.count > 4, "the frame was not cut: \(pieces.count) piece(s)")
        // Every piece parsed alone (none fell back to the whole), text lines joined.
        let frame = try FrameTemplate(report)
        let parsed = frame.pieces.filter { if case .template = $0 { true } else { false } }.count
        #expect(parsed == pieces.filter { $0.contains("{{") }.count)
    }

    /// The blank-line tidying of a report, as it read by `Character` before it read bytes.
    static func tidiedByCharacter(_ text: String) -> String {
        var lines: [Substring] = []
        var blank = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let isBlank = line.allSatisfy { $0 == " " }
            blank = isBlank ? blank + 1 : 0
            if blank <= 1 { lines.append(isBlank ? "" : line) }
        }
        while lines.first?.isEmpty == true { lines.removeFirst() }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test("a report's blank lines are tidied byte by byte as they were Character by Character")
    func tidyReadsBytesAsCharacters() {
        let texts = ["", "\n\n\n", "a\n\n\n\nb\n  \n \nc\n\n", "a\r\n\r\nb", "a\n\r\n\nb", " \u{301}\n\n\nx",
                     "\n \u{301}\n", "é\n\n\n\u{1F1EB}\u{1F1F7}\n   \n", "a\r\n   \n\nb\r", "\r\n\n\n"]
        for text in texts {
            #expect(MarkdownReport.tidy(text) == Self.tidiedByCharacter(text), "\(text.debugDescription)")
        }
    }
}
