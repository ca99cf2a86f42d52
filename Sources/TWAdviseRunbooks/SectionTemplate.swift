internal import Mustache

/// A runbook section template parsed once into its structure: `### ` subsections, paragraphs and fenced code
/// blocks, and the block-level `{{#name}}`/`{{^name}}` sections that include or leave out whole blocks (or,
/// inside a code block, whole lines). Each paragraph and code line is a Mustache template of its own, so a
/// rendering is a ``RunbookSteps`` built from typed blocks, not Markdown cut apart after the fact.
///
/// What a template may do is checked when it is parsed (at build time for the built-in knowledge base, when
/// loaded for a team's templates): a heading inside a block-level section, a section left open across a
/// blank line inside a paragraph, or an unclosed code block is an error naming its line.
struct SectionTemplate: Sendable {
    /// The section says `{{! note }}`: it asks for no change, so beside a finding of medium or above it is a
    /// row of the top table, never a section.
    var isNote = false
    var subsections: [Subsection] = []

    struct Subsection: Sendable {
        var heading: String?
        var nodes: [Node]
    }

    /// A template piece: fixed text, or a Mustache template when it holds a tag.
    enum Piece: Sendable {
        case text(String)
        case template(MustacheTemplate)

        func render(_ context: [String: Any]) -> String {
            switch self {
            case .text(let text): return text
            case .template(let template): return template.render(context)
            }
        }
    }

    /// A block-level `{{#name}}` (or inverted `{{^name}}`) section, decided by Mustache itself.
    struct Condition: Sendable {
        var name: String
        var inverted: Bool
        var test: MustacheTemplate

        func holds(_ context: [String: Any]) -> Bool { !test.render(context).isEmpty }
    }

    indirect enum Node: Sendable {
        case prose(Piece)
        case code(language: String, writesFile: Bool, lines: [CodeNode])
        case conditional(Condition, [Node])
    }

    indirect enum CodeNode: Sendable {
        case line(Piece, changesHostFiles: Bool)
        case conditional(Condition, [CodeNode])
    }

    private init() {}

    /// Parses `text` (a section, already ``TemplateVariables/guarded(_:)``); `file` names it in errors.
    init(parsing text: String, file: String) throws(RunbookTemplateError) {
        var parser = Parser(file: file)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for (index, line) in lines.enumerated() {
            try parser.take(line, number: index + 1, next: index + 1 < lines.count ? lines[index + 1] : nil)
        }
        self = try parser.finish()
    }

    /// The section rendered for one finding's context.
    func render(_ context: [String: Any]) -> RunbookSteps {
        var result: [RunbookSubsection] = []
        for subsection in subsections {
            let blocks = Self.render(subsection.nodes, context)
            // A heading with nothing under it says nothing: a subsection that applies only sometimes is one
            // whose blocks are all inside a section.
            if !blocks.isEmpty {
                result.append(RunbookSubsection(heading: subsection.heading, blocks: blocks))
            }
        }
        return RunbookSteps(subsections: result)
    }

    private static func render(_ nodes: [Node], _ context: [String: Any]) -> [RunbookBlock] {
        var blocks: [RunbookBlock] = []
        for node in nodes {
            switch node {
            case .prose(let piece):
                let text = MarkdownReport.tidy(MissingValue.resolveProse(piece.render(context)))
                if text != "\n" { blocks.append(.prose(String(text.dropLast()))) }
            case .code(let language, let writesFile, let lines):
                blocks.append(.code(RunbookCode(language: language, lines: render(lines, context), writesFile: writesFile)))
            case .conditional(let condition, let inner):
                if condition.holds(context) { blocks += render(inner, context) }
            }
        }
        return blocks
    }

    private static func render(_ nodes: [CodeNode], _ context: [String: Any]) -> [RunbookCode.Line] {
        var lines: [RunbookCode.Line] = []
        for node in nodes {
            switch node {
            case .line(let piece, let changesHostFiles):
                lines.append(RunbookCode.Line(MissingValue.resolveCommand(piece.render(context)), changesHostFiles: changesHostFiles))
            case .conditional(let condition, let inner):
                if condition.holds(context) { lines += render(inner, context) }
            }
        }
        return lines
    }

    /// Whether a code line (as written in the template) writes or removes a file in the host's
    /// `/etc/sysctl.d`: a runbook for another network namespace leaves such lines out.
    static func changesHostFiles(_ line: String) -> Bool {
        line.containsCharacters("/etc/sysctl.d/99-twadvise") || line.containsCharacters("> /etc/sysctl.d/")
    }

    /// A line that is a section tag alone (`{{#name}}`, `{{^name}}`, `{{/name}}`): its kind and name.
    static func standaloneTag(_ line: String) -> (kind: Character, name: String)? {
        let t = line.trimmingCharacters(in: " ")
        guard t.hasPrefix("{{"), t.hasSuffix("}}"), !t.hasPrefix("{{{"), t.count > 5 else { return nil }
        let body = t.dropFirst(2).dropLast(2)
        guard let kind = body.first, "#^/!".contains(kind) else { return nil }
        let name = body.dropFirst().trimmingCharacters(in: " ")
        guard !name.contains("{"), !name.contains("}") else { return nil }
        return (kind, name)
    }

    /// Builds the structure line by line.
    private struct Parser {
        let file: String
        var result = SectionTemplate()
        var heading: String?
        /// Open block-level sections, each with the nodes gathered inside it so far; the bottom is the
        /// subsection's own list.
        var stack: [(condition: Condition?, nodes: [Node], line: Int)] = [(nil, [], 0)]
        var paragraph: [String] = []
        var paragraphLine = 0
        /// Sections opened inside the current paragraph: they must close in it.
        var inline: [String] = []
        var code: (language: String, line: Int, stack: [(condition: Condition?, nodes: [CodeNode])], lines: [String])?

        /// Paragraphs and code blocks so far: merging compares them pairwise, so their number is bounded.
        var blocks = 0

        init(file: String) { self.file = file }

        /// Most paragraphs and code blocks in one section.
        static let maxBlocks = 500

        /// Sections on a line of their own show or hide whole blocks: they test a value (`plan.set_tw_reuse`,
        /// `vars.owner`) or a flag of the finding, never loop over a list (a loop belongs inside a line).
        static let blockFlags: Set<String> = ["hasSubject", "hasReferences", "hasJustifications", "inContainer"]

        mutating func countBlock(_ line: Int) throws(RunbookTemplateError) {
            blocks += 1
            guard blocks <= Self.maxBlocks else {
                throw error(line, "more than \(Self.maxBlocks) paragraphs and code blocks in one section")
            }
        }

        /// Whether a section `{{#name}}` tests one value (`vars.owner`, `known.shell.port`) or a flag of the
        /// finding, rather than stepping into a group of values or looping over a list.
        static func testsOneValue(_ name: String) -> Bool {
            guard let dot = name.firstIndex(of: ".") else { return blockFlags.contains(name) }
            return TemplateVariables.isGroup(String(name[..<dot]))
        }

        func checkBlockSection(_ name: String, number: Int) throws(RunbookTemplateError) {
            guard Self.testsOneValue(name) else {
                throw error(number, "'{{#\(name)}}' on a line of its own shows or hides whole blocks, so it must test one value (vars.NAME, plan.NAME, current.NAME, notes.NAME, params.NAME) or a flag (\(Self.blockFlags.sorted().joined(separator: ", "))); a loop over a list belongs inside one line or paragraph")
            }
        }

        /// A command prints only values made for commands: `shell.` (shell-safe), `current.` and `plan.`
        /// (shell-safe), `params.` (the rule file's) and the rule's `id`; a `vars.` or host text value in a
        /// command could carry `$(...)` from a process name.
        func checkCommand(_ line: String, number: Int) throws(RunbookTemplateError) {
            for tag in TemplateVariables.tags(line) {
                guard let name = tag.name else { continue }
                if tag.kind != nil {
                    // A section over a group of values (`{{#vars}}`) or a list would let a name allowed here
                    // (`{{{id}}}`) find a host value of that group instead.
                    guard Self.testsOneValue(name) || name == "id" else {
                        throw error(number, "'{{#\(name)}}' in a command: a section inside a command line may test only one value (shell.NAME, plan.NAME, ...) or a flag")
                    }
                    continue
                }
                let allowed = name == "id" || ["shell.", "current.", "plan.", "params."].contains { name.hasPrefix($0) }
                guard allowed else {
                    throw error(number, "'\(name)' printed in a command: a command takes only shell., current., plan. and params. values (escaped for a shell) and id; use {{{shell.\(name.split(separator: ".").last ?? "")}}} with the same var")
                }
            }
        }

        /// Prose may not make Markdown structure the document would not know: only `### ` headings, only
        /// ``` fences at the start of a line, no setext underline or rule, no indented code.
        func checkProse(_ line: String, number: Int, startsParagraph: Bool) throws(RunbookTemplateError) {
            let unindented = line.drop { $0 == " " }
            if unindented.hasPrefix("```") || unindented.hasPrefix("~~~") {
                throw error(number, "a code fence must be ``` at the start of its line")
            }
            if unindented.hasPrefix("#") {
                let marks = unindented.prefix { $0 == "#" }.count
                let after = unindented.dropFirst(marks).first
                if marks <= 6, after == nil || after == " " || after == "\t" {
                    throw error(number, "only '### ' headings, at the start of a line, make a subsection")
                }
            }
            let trimmed = line.trimmingCharacters(in: " ")
            if trimmed.count >= 2, trimmed.allSatisfy({ $0 == "=" || $0 == "-" }) {
                throw error(number, "a line of '=' or '-' alone makes a heading or a rule in Markdown: not allowed in a section")
            }
            if startsParagraph, line.hasPrefix("    ") || line.hasPrefix("\t") {
                throw error(number, "an indented paragraph is a code block in Markdown: fence commands with ```")
            }
            for tag in TemplateVariables.tags(line) {
                if let name = tag.name, TemplateVariables.isGroup(name) {
                    throw error(number, "'\(name)' alone names a group of values, not one: use \(name).NAME")
                }
            }
        }

        func error(_ line: Int, _ message: String) -> RunbookTemplateError {
            RunbookTemplateError(file: file, line: line, message: message)
        }

        func piece(_ text: String, line: Int) throws(RunbookTemplateError) -> Piece {
            guard text.containsCharacters("{{") else { return .text(text) }
            do {
                return .template(try MustacheTemplate(string: text))
            } catch {
                var located = RunbookTemplateError(file: file, error)
                located.line = line + (located.line ?? 1) - 1
                throw located
            }
        }

        func condition(_ kind: Character, _ name: String, line: Int) throws(RunbookTemplateError) -> Condition {
            let text = "{{\(kind)\(name)}}1{{/\(name)}}"
            do {
                return Condition(name: name, inverted: kind == "^", test: try MustacheTemplate(string: text))
            } catch {
                throw self.error(line, "invalid section name '\(name)'")
            }
        }

        mutating func flushParagraph() throws(RunbookTemplateError) {
            guard !paragraph.isEmpty else { return }
            if let open = inline.last {
                throw error(paragraphLine, "'{{#\(open)}}' opened in this paragraph is not closed in it: close it before the blank line, or put the tag on a line of its own before the paragraph")
            }
            try countBlock(paragraphLine)
            stack[stack.count - 1].nodes.append(.prose(try piece(paragraph.joined(separator: "\n"), line: paragraphLine)))
            paragraph = []
        }

        /// Takes one line; `next` tells a tag right after a paragraph's text that opens whole blocks (a blank
        /// line follows it) from one that is part of the paragraph (text follows it).
        mutating func take(_ line: String, number: Int, next: String?) throws(RunbookTemplateError) {
            if var open = code {
                if line.hasPrefix("```") {
                    guard open.stack.count == 1 else {
                        throw error(number, "'{{#\(open.stack.last!.condition!.name)}}' opened in this code block is not closed in it")
                    }
                    try countBlock(open.line)
                    let nodes = open.stack[0].nodes
                    let writesFile = open.lines.contains { $0.containsCharacters("<<") }
                    stack[stack.count - 1].nodes.append(.code(language: open.language, writesFile: writesFile, lines: nodes))
                    code = nil
                    return
                }
                if let tag = SectionTemplate.standaloneTag(line), tag.kind != "!" {
                    if tag.kind == "/" {
                        guard open.stack.count > 1, open.stack.last!.condition!.name == tag.name else {
                            throw error(number, "'{{/\(tag.name)}}' closes no section open in this code block")
                        }
                        let done = open.stack.removeLast()
                        open.stack[open.stack.count - 1].nodes.append(.conditional(done.condition!, done.nodes))
                    } else {
                        try checkBlockSection(tag.name, number: number)
                        open.stack.append((try condition(tag.kind, tag.name, line: number), []))
                    }
                } else if SectionTemplate.standaloneTag(line)?.kind != "!" {
                    try checkCommand(line, number: number)
                    open.lines.append(line)
                    open.stack[open.stack.count - 1].nodes.append(.line(try piece(line, line: number), changesHostFiles: SectionTemplate.changesHostFiles(line)))
                }
                code = open
                return
            }
            if line.hasPrefix("```") {
                try flushParagraph()
                code = (String(line.dropFirst(3)).trimmingCharacters(in: " "), number, [(nil, [])], [])
                return
            }
            if line.hasPrefix("### ") {
                try flushParagraph()
                guard stack.count == 1 else {
                    throw error(number, "a '### ' heading inside '{{#\(stack.last!.condition!.name)}}': headings may not be conditional; put the section inside the subsection")
                }
                closeSubsection()
                heading = String(line.dropFirst(4))
                return
            }
            if let tag = SectionTemplate.standaloneTag(line) {
                switch tag.kind {
                case "!":
                    if tag.name == "note" { result.isNote = true }
                    return
                case "#", "^":
                    if !paragraph.isEmpty, next?.allSatisfy({ $0 == " " }) == false {  // inside a paragraph: part of its text
                        inline.append(tag.name)
                        paragraph.append(line)
                        return
                    }
                    try flushParagraph()
                    try checkBlockSection(tag.name, number: number)
                    stack.append((try condition(tag.kind, tag.name, line: number), [], number))
                    return
                default:
                    if inline.last == tag.name {
                        inline.removeLast()
                        paragraph.append(line)
                        return
                    }
                    try flushParagraph()
                    guard stack.count > 1, stack.last!.condition!.name == tag.name else {
                        throw error(number, "'{{/\(tag.name)}}' closes no section open here")
                    }
                    let done = stack.removeLast()
                    stack[stack.count - 1].nodes.append(.conditional(done.condition!, done.nodes))
                    return
                }
            }
            if line.allSatisfy({ $0 == " " }) {
                try flushParagraph()
                return
            }
            try checkProse(line, number: number, startsParagraph: paragraph.isEmpty)
            if paragraph.isEmpty { paragraphLine = number }
            paragraph.append(line)
        }

        mutating func closeSubsection() {
            let nodes = stack[0].nodes
            if heading != nil || !nodes.isEmpty { result.subsections.append(Subsection(heading: heading, nodes: nodes)) }
            stack = [(nil, [], 0)]
        }

        mutating func finish() throws(RunbookTemplateError) -> SectionTemplate {
            if let open = code { throw error(open.line, "a code block opened here is never closed with ```") }
            try flushParagraph()
            if stack.count > 1 { throw error(stack.last!.line, "'{{#\(stack.last!.condition!.name)}}' is never closed") }
            closeSubsection()
            return result
        }
    }
}
