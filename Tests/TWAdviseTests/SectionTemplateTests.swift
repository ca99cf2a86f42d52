import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import TWAdviseRunbooks
import TWAdvise
import TWAdviseEngine
import TWAdviseTestSupport

/// A runbook section parsed once into subsections, paragraphs and code blocks: what each block is comes from
/// the template, never from the shape of the rendered text.
@Suite("Section templates as documents")
struct SectionTemplateTests {
    static func parse(_ text: String) throws -> SectionTemplate {
        try SectionTemplate(parsing: TemplateVariables.guarded(text), file: "t.md")
    }

    @Test("subsections, paragraphs and code blocks are typed; block-level sections include or leave out whole blocks")
    func structure() throws {
        let section = try Self.parse("""
            {{! note }}
            ### Why

            Line one
            line two.
            {{#vars.extra}}

            Only with extra: {{{vars.extra}}}.
            {{/vars.extra}}

            ### Immediate steps

            ```sh
            {{#vars.first}}
            sysctl -w net.ipv4.tcp_tw_reuse=1
            {{/vars.first}}
            ss -Htan dst {{{shell.host}}}
            ```

            ### Persistent configuration

            ```sh
            cat > /etc/sysctl.d/99-twadvise-x.conf <<'CONF'
            x = 1
            CONF
            ```
            """)
        #expect(section.isNote)
        let known: [String: Any] = ["known": ["shell": ["host": true]]]
        var context: [String: Any] = ["vars": ["first": "yes"], "shell": ["host": "10.0.0.9"]]
        context.merge(known) { a, _ in a }
        let steps = section.render(context)
        #expect(steps.subsections.map(\.heading) == ["Why", "Immediate steps", "Persistent configuration"])
        #expect(steps.subsections[0].blocks == [.prose("Line one\nline two.")])
        #expect(steps.subsections[1].blocks == [.code(RunbookCode(language: "sh", lines: [
            .init("sysctl -w net.ipv4.tcp_tw_reuse=1"), .init("ss -Htan dst 10.0.0.9"),
        ]))])
        guard case .code(let persistent) = steps.subsections[2].blocks.first else {
            Issue.record("no code block under Persistent configuration")
            return
        }
        #expect(persistent.writesFile)
        #expect(persistent.lines.map(\.changesHostFiles) == [true, false, false])

        let withExtra = section.render(["vars": ["extra": "more"], "known": ["shell": [String: Bool]()]])
        #expect(withExtra.subsections[0].blocks == [.prose("Line one\nline two."), .prose("Only with extra: more.")])
        // A command whose value the host did not give becomes a comment, never a command with a hole.
        #expect(withExtra.subsections[1].blocks == [.code(RunbookCode(language: "sh", lines: [
            .init("# not shown: host could not be read on this host; read it first (sysctl -a, ss), then decide"),
        ]))])
    }

    @Test("a section tag between lines of a paragraph stays part of it; one before a blank line opens blocks")
    func inlineTags() throws {
        let section = try Self.parse("""
            First line
            {{#vars.a}}
            and a second.
            {{/vars.a}}
            Third line.
            """)
        #expect(section.render(["vars": ["a": "1"]]).subsections[0].blocks == [.prose("First line\nand a second.\nThird line.")])
        #expect(section.render([:]).subsections[0].blocks == [.prose("First line\nThird line.")])
    }

    @Test("a subsection with nothing in it is left out, heading included")
    func emptySubsection() throws {
        let section = try Self.parse("""
            ### Verify

            Look.

            ### Rollback

            {{#plan.x}}
            ```sh
            sysctl -w a={{{current.x}}}
            ```
            {{/plan.x}}
            """)
        #expect(section.render([:]).subsections.map(\.heading) == ["Verify"])
        #expect(section.render(["plan": ["x": "1"], "current": ["x": "2"], "known": ["current": ["x": true]]]).subsections.map(\.heading)
                == ["Verify", "Rollback"])
    }

    @Test("a host value that looks like Markdown structure stays inside its block")
    func valuesAreNotStructure() throws {
        let section = try Self.parse("""
            ### Why

            Subject {{{subject}}} here.

            ```sh
            echo {{{shell.v}}}
            ```
            """)
        let steps = section.render(["subject": "x\n\n### Rollback\n\n```sh\nrm -rf /\n```", "shell": ["v": "a<<b"],
                                    "known": ["shell": ["v": true]]])
        #expect(steps.subsections.map(\.heading) == ["Why"])
        #expect(steps.subsections[0].blocks.count == 2)
        guard case .code(let code) = steps.subsections[0].blocks[1] else {
            Issue.record("the code block is not a code block")
            return
        }
        #expect(!code.writesFile)  // declared by the template, not guessed from a value holding "<<"
    }

    @Test("structures a template may not have are refused at their line", arguments: [
        ("### A\n\n{{#vars.x}}\n### B\n\ntext\n{{/vars.x}}\n", 4, "heading inside"),
        ("### A\n\n```sh\necho\n", 3, "never closed"),
        ("### A\n\n{{#vars.x}}\n\ntext\n", 3, "never closed"),
        ("text {{#vars.x}} more\n\nlast {{/vars.x}}\n", 1, "is never closed"),
        ("text\n{{#vars.x}}\nmore\n\nlast\n{{/vars.x}}\n", 1, "not closed in it"),
        ("### A\n\n```sh\n{{#vars.x}}\necho\n```\n", 6, "not closed in it"),
        ("### A\n\n{{/vars.x}}\n", 3, "closes no section"),
        // A command prints only values escaped for a shell.
        ("### A\n\n```sh\necho {{{vars.owner}}}\n```\n", 4, "printed in a command"),
        ("### A\n\n```sh\necho {{{subject}}}\n```\n", 4, "printed in a command"),
        // Block-level sections test one value or a flag, never loop over a list.
        ("### A\n\n{{#evidence}}\n\ntext\n{{/evidence}}\n", 3, "shows or hides whole blocks"),
        // Markdown structure the document would not know.
        ("### A\n\n## B\n", 3, "only '### ' headings"),
        ("### A\n\ntext\n---\n", 4, "a line of '=' or '-' alone"),
        ("### A\n\n    indented\n", 3, "an indented paragraph"),
        ("### A\n\n~~~sh\necho\n~~~\n", 3, "a code fence must be"),
        ("### A\n\nall of {{{vars}}}\n", 3, "names a group of values"),
        // A section over a group inside a command would let {{{id}}} find vars.id.
        ("### A\n\n```sh\necho {{#vars}}{{{id}}}{{/vars}}\n```\n", 4, "in a command"),
    ])
    func refused(_ text: String, line: Int, message: String) {
        #expect {
            _ = try Self.parse(text)
        } throws: { error in
            guard let error = error as? RunbookTemplateError else { return false }
            return error.line == line && error.message.contains(message)
        }
    }

    @Test("template forms past the bounds or beyond plain tags are refused when the templates load", arguments: [
        ("{{> partial}}\n", "is not a tag a runbook template may use"),
        ("{{=<% %>=}}\n", "changing the tag delimiters is not supported"),
        ("{{ vars.x | upper }}\n", "is not a tag a runbook template may use"),
        ("{{{vars.x}}\n", "not closed with }}}"),
        ("{{vars.x\n}}\n", "not closed with }} on its line"),
        (String(repeating: "a", count: 5_000) + "\n", "a line longer than"),
        (String(repeating: "{{id}}\n", count: 1_001), "more than 1000 tags"),
        (String(repeating: "text\n", count: 14_000), "larger than the limit of 64 KiB"),
        ("Title \u{1B}]52;c;cm0K\u{07} done\n", "the control character U+1B"),
    ])
    func refusedForms(_ text: String, message: String) {
        #expect {
            try TemplateForm.check(text, file: "t.md")
        } throws: { error in
            (error as? RunbookTemplateError)?.message.contains(message) == true
        }
    }

    @Test("plain tags, dotted names with spaces around them, and comments pass the form check")
    func allowedForms() throws {
        try TemplateForm.check("{{{vars.x}}} {{ vars.y }} {{&id}} {{#plan.a}}{{/plan.a}} {{^known.x}}{{/known.x}} {{! any text: here }}\n",
                               file: "t.md")
    }

    @Test("the document frame holds no commands: a code fence or an indented line with a value is refused")
    func frameHasNoCommands() {
        for frame in ["# {{{host}}}\n\n```sh\nssh root@{{{host}}}\n```\n", "# x\n\n    ssh {{{host}}}\n", "# x\n\n  ~~~\nid\n  ~~~\n"] {
            #expect {
                _ = try RunbookTemplates(files: ["report.md": frame])
            } throws: { error in
                (error as? RunbookTemplateError)?.file == "report.md"
            }
        }
    }

    @Test("a shell value is one safe word, or a sysctl's vector of numbers; a file name with a space never passes")
    func shellValues() {
        #expect(MarkdownReport.shellValue("net.ipv4.tcp_tw_reuse") == "net.ipv4.tcp_tw_reuse")
        #expect(MarkdownReport.shellValue("32768 60999") == "32768 60999")
        #expect(MarkdownReport.shellValue("4096 131072 6291456") == "4096 131072 6291456")
        #expect(MarkdownReport.shellValue("/etc/sysctl.d/99-net.conf --expression=1eid x.conf") == "VALUE-NOT-SHELL-SAFE")
        #expect(MarkdownReport.shellValue("1  2") == "VALUE-NOT-SHELL-SAFE")
        #expect(MarkdownReport.shellValue("1 x") == "VALUE-NOT-SHELL-SAFE")
        #expect(MarkdownReport.shellValue("$(id)") == "VALUE-NOT-SHELL-SAFE")
    }

    @Test("a host value that begins a line with spaces makes no heading and no indented code block")
    func leadingSpaces() {
        #expect(MarkdownReport.host("   # Rollback") == "&#32;&#32;&#32;\\# Rollback")
        #expect(MarkdownReport.host("    rm -rf /") == "&#32;&#32;&#32;&#32;rm -rf /")
        #expect(Escaping.markdown("  - item") == "  \\- item")
    }

    @Test("a section of more than 500 blocks is refused")
    func tooManyBlocks() {
        let text = "### A\n\n" + String(repeating: "text\n\n", count: 501)
        #expect {
            _ = try Self.parse(text)
        } throws: { error in
            (error as? RunbookTemplateError)?.message.contains("more than 500 paragraphs") == true
        }
    }

    @Test("a template saved with CRLF or CR line ends reads as with LF")
    func lineEnds() {
        #expect(RunbookTemplates.unixLines("a\r\nb\rc\n") == "a\nb\nc\n")
        #expect(RunbookTemplates.unixLines("\r\n\r\n") == "\n\n")
        #expect(RunbookTemplates.unixLines("plain\n") == "plain\n")
    }

    @Test("a code block of two or more commands printed by an earlier finding points back to it; one command never does")
    func pointingBack() {
        let twoCommands = RunbookBlock.code(RunbookCode(language: "sh", lines: [.init("a"), .init("b")]))
        let oneCommand = RunbookBlock.code(RunbookCode(language: "sh", lines: [.init("a")]))
        var printed = MarkdownReport.Printed()
        let first = RunbookSteps(subsections: [RunbookSubsection(heading: "Immediate steps", blocks: [.prose("x"), twoCommands, oneCommand])])
        #expect(MarkdownReport.referringBack(first, rank: 1, printed: &printed) == first)
        let second = RunbookSteps(subsections: [RunbookSubsection(heading: "Immediate steps", blocks: [.prose("y"), twoCommands, oneCommand])])
        #expect(MarkdownReport.referringBack(second, rank: 2, printed: &printed).subsections[0].blocks
                == [.prose("y"), .prose("The same commands as in finding 1 above."), oneCommand])
        // The same subsection word for word is named in one line.
        #expect(MarkdownReport.referringBack(first, rank: 3, printed: &printed).markdown
                == "**Immediate steps:** the same as in finding 1 above.")
    }
}

/// A team's `--runbooks` directory is bounded like a rules directory.
@Suite("Runbook directories")
struct RunbookDirectoryTests {
    @Test("--rules lists a directory as the engine's RuleDirectory does; only the link policy differs")
    func rulesListedOnce() throws {
        let rule = "rules:\n  - id: team.ok\n    title: ok\n    severity: low\n    condition: sockstat.tw > 1\n"
        let tree = try TemporaryTree(["b.yml": rule, "a.yaml": rule, ".hidden.yaml": rule, "notes.txt": "x", "sub/c.yaml": rule])
        let engine = try RuleDirectory.sources(tree.root).map(\.path)
        #expect(engine == [tree.path("a.yaml"), tree.path("b.yml")])
        #expect(try KnowledgeBase.ruleSources(at: tree.root + "/").map(\.path) == engine)
        // A link that stays inside: followed by --rules, never by the engine's reader.
        try tree.symlink("link.yaml", to: "a.yaml")
        #expect(try KnowledgeBase.ruleSources(at: tree.root).map(\.path) == [tree.path("a.yaml"), tree.path("b.yml"), tree.path("link.yaml")])
        #expect(throws: RuleFileError(path: tree.path("link.yaml"), reason: "a symbolic link: not followed")) {
            try RuleDirectory.sources(tree.root)
        }
        let empty = try TemporaryTree(["notes.txt": "x"])
        #expect(throws: RuleSourceError(path: empty.root, reason: "no *.yaml or *.yml rule file in the directory")) {
            try KnowledgeBase.ruleSources(at: empty.root)
        }
    }

    @Test("more than 100 template files, or more than 4 MiB of them, is refused naming the directory")
    func bounds() throws {
        var many: [String: String] = [:]
        for i in 0...100 { many["t\(i).md"] = "<!-- runbook: x.\(i) -->\n### Why\n\ntext\n" }
        let manyTree = try TemporaryTree(many)
        #expect(throws: RuleSourceError(path: manyTree.root, reason: "more than 100 template files")) {
            try KnowledgeBase.runbookTemplates(at: manyTree.root)
        }
        let large = String(repeating: "text text text\n", count: 60_000)  // 900 KB each
        let largeTree = try TemporaryTree(Dictionary(uniqueKeysWithValues: (0..<5).map { ("t\($0).md", large) }))
        #expect(throws: RuleSourceError(path: largeTree.root, reason: "template files larger than 4 MiB together")) {
            try KnowledgeBase.runbookTemplates(at: largeTree.root)
        }
        // A name that is not UTF-8 is refused for what it is, not as "no such file".
        let latin = try TemporaryTree(["ok.md": "<!-- runbook: x.ok -->\n### Why\n\ntext\n"])
        let rawName = Array((latin.root + "/caf").utf8) + [0xE9] + Array(".md".utf8) + [0]
        let fd = rawName.withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_CREAT | O_WRONLY, 0o644) } }
        #expect(fd >= 0)
        close(fd)
        #expect(throws: RuleSourceError(path: latin.root, reason: "a template file named 'caf\\xe9.md': not UTF-8 or holding a control character")) {
            try KnowledgeBase.runbookTemplates(at: latin.root)
        }
        // A name whose last scalars join its dot (U+0600 before ".md") is not "report.md" (a hostile review:
        // it replaced the frame); two names Swift takes for one (é composed, decomposed) are refused.
        let joined = try TemporaryTree(["report.md": "# {{{host}}}\n", "report\u{600}.md": "# REPLACED\n"])
        let frames = try KnowledgeBase.runbookTemplates(at: joined.root)
        #expect(frames["report"] == "# {{{host}}}\n" && frames["report\u{600}"] == "# REPLACED\n")
        let twins = try TemporaryTree(["caf\u{E9}.md": "a\n"])
        // The decomposed name by its bytes: as a Swift string it equals the composed one.
        let decomposed = Array((twins.root + "/cafe").utf8) + [0xCC, 0x81] + Array(".md".utf8) + [0]
        let twin = decomposed.withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_CREAT | O_WRONLY, 0o644) } }
        #expect(twin >= 0)
        close(twin)
        #expect(performing: { try KnowledgeBase.runbookTemplates(at: twins.root) }, throws: { error in
            (error as? RuleSourceError)?.reason.hasSuffix("have one name: rename one") == true && (error as? RuleSourceError)?.path == twins.root
        })
        let huge = try TemporaryTree(["t.md": String(repeating: "x", count: (1 << 20) + 1)])
        #expect(throws: RuleSourceError(path: huge.path("t.md"), reason: "larger than the limit of 1 MiB")) {
            try KnowledgeBase.runbookTemplates(at: huge.root)
        }
    }
}
