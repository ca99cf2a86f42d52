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
        // A section opened inside a line and closed on its own: Mustache then reads the next lines' spaces and
        // tags as not standalone (found by a hostile review: a cut there dropped a blank line).
        "# Runbook for {{{host}}}\n\nVerdict: {{#a}}\n**{{{name}}}**\n{{/a}}\n{{^a}}\nnone\n{{/a}}\n{{#b}}\nInput: {{{host}}}\n{{/b}}\nend\n",
        "|{{# a }}\n{{/ a }}\n   {{! c }}",
        // Spaces and tabs after the last line end, which Mustache drops at its input's end.
        "line {{name}}\n\t", "{{name}}\n \t ", "a\u{2028}  ", "x\n\nplain\n  \t",
    ]

    /// A frame made of random pieces (text, blanks, tabs, line ends, values, comments, sections, nested),
    /// from a fixed seed: the same frames on every run.
    static func randomFrame(_ seed: inout UInt64, depth: Int = 0) -> String {
        func next(_ bound: Int) -> Int {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((seed >> 33) % UInt64(bound))
        }
        let atoms = ["x", " ", "  ", "\t", "\n", "\n", "\n", "{{name}}", "{{{host}}}", "{{&name}}", "{{! c }}", "{{! c\nd }}", "| a |", "\u{2028}", "é"]
        var out = ""
        for _ in 0..<(1 + next(12)) {
            if depth < 2, next(5) == 0 {
                let name = ["a", "b", "list"][next(3)]
                let kind = next(2) == 0 ? "#" : "^"
                let space = next(4) == 0 ? " " : ""
                out += "{{\(kind)\(space)\(name)\(space)}}" + randomFrame(&seed, depth: depth + 1) + "{{/\(space)\(name)\(space)}}"
            } else {
                out += atoms[next(atoms.count)]
            }
        }
        return out
    }

    @Test("3,000 random frames render the same cut as whole, for every context")
    func randomFramesRenderAsTheWhole() throws {
        var seed: UInt64 = 22
        var compared = 0
        for _ in 0..<3_000 {
            let frame = Self.randomFrame(&seed)
            guard let whole = try? FrameTemplate(frame, cutting: false) else { continue }
            let cut = try FrameTemplate(frame)
            for context in Self.contexts where cut.render(context) != whole.render(context) {
                Issue.record("\(frame.debugDescription) with \(context): cut \(cut.render(context).debugDescription), whole \(whole.render(context).debugDescription)")
            }
            compared += 1
        }
        #expect(compared > 2_000)
    }

    @Test("each frame renders the same whole and cut at every possible place, for every context")
    func piecesRenderAsTheWhole() throws {
        for frame in Self.frames {
            guard let whole = try? FrameTemplate(frame, cutting: false) else {
                // A frame that does not parse whole does not parse cut either: the same error reaches the user.
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
        // Cut only after a line with no tag: the blank line, "| x |" and "|---|".
        #expect(pieces == ["# {{{host}}}\n\n", "{{#a}}\nA is set\n{{/a}}\n{{^a}}\nA is not\n{{/a}}\n| x |\n", "|---|\n",
                           "{{#list}}\n| {{{x}}} |\n{{/list}}\nend {{name}}\n"])
        // A comment holding "{{#a}}" opens no section; a section left open keeps the frame whole.
        #expect(FrameTemplate.cut(Self.frames[1]).first == "{{! a comment\nover two lines with {{#a}} in it }}\nline\n")
        // A line end Mustache knows and the cut does not (U+2028) keeps the frame whole.
        #expect(FrameTemplate.cut("a\n\u{2028}\nb\n") == ["a\n\u{2028}\nb\n"])
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
        #expect(parsed == pieces.dropLast().filter { $0.contains("{{") }.count + 1)
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
