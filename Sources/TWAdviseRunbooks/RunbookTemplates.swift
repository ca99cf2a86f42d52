internal import Dispatch
internal import Mustache
import Synchronization

/// The Markdown templates findings render through: the document (`report.md`) and one section per
/// runbook id, kept in topic files (`ports.md`, `timewait.md`, ...) where each section starts with
/// `<!-- runbook: ID -->`.
public struct RunbookTemplates: Sendable {
    /// The document template.
    public private(set) var report: String
    /// Section templates by runbook id.
    public private(set) var sections: [String: String]
    /// Templates parsed so far, by section id (`""` for the document): each is parsed once, when a report
    /// first needs it, so a section of a rule that did not fire is never parsed.
    let parsed = ParsedTemplates()

    /// Builds the templates from files: name (without `.md`) → text. `report` is the document template;
    /// every other file is split into sections at its `<!-- runbook: ID -->` markers.
    public init(files: [String: String]) throws(RunbookTemplateError) {
        let files = files.mapValues(Self.unixLines)
        guard let report = files["report"] else {
            throw RunbookTemplateError(file: "report.md", message: "no document template 'report.md'")
        }
        self.report = report
        self.sections = [:]
        for name in files.keys.sorted() where name != "report" {
            guard let text = files[name] else { continue }
            try merge(sectionsOf: text, file: name + ".md")
        }
        try Self.validate(report, file: "report.md", isSection: false)
        for (id, section) in sections { try Self.validate(section, file: "section '\(id)'") }
    }

    /// The built-in templates, split into sections but not parsed: a test and the build check every one
    /// (``init(files:)`` on the same files), so at run time each is parsed only when a report needs it.
    package init(trusted files: [String: String]) {
        self.report = files["report"] ?? ""
        self.sections = [:]
        for name in files.keys.sorted() where name != "report" {
            guard let text = files[name] else { continue }
            try? merge(sectionsOf: text, file: name + ".md")
        }
    }

    /// The document template, parsed once.
    func reportTemplate() throws(RunbookTemplateError) -> FrameTemplate {
        try parsed.frame(report, file: "report.md")
    }

    /// Parses the document template now, when it parses, so that the first report finds it parsed (one that
    /// does not parse is not kept: the report meets the same error).
    package func prepareReport() {
        _ = try? reportTemplate()
    }

    /// Parses every section now (a benchmark's and a profiler's measure of what first reports pay).
    package func prepareSections() {
        for id in sections.keys { _ = try? sectionTemplate(id) }
    }

    /// The sections of `ids` that a template defines, each parsed once (``sectionTemplate(_:)``). Those not
    /// parsed yet are parsed side by side, one per CPU (a first report pays for every section it shows, and
    /// sections parse independently); a section that does not parse throws, the first in id order.
    func sectionTemplates(_ ids: some Sequence<String>) throws(RunbookTemplateError) -> [String: SectionTemplate] {
        let wanted = Set(ids).filter { sections[$0] != nil }.sorted()
        let unparsed = wanted.filter { !parsed.hasSection($0) }
        if unparsed.count > 1 {
            let templates = self
            DispatchQueue.concurrentPerform(iterations: unparsed.count) { index in
                _ = try? templates.sectionTemplate(unparsed[index])
            }
        }
        var result: [String: SectionTemplate] = [:]
        for id in wanted {
            if let section = try sectionTemplate(id) { result[id] = section }
        }
        return result
    }

    /// Section `id`, guarded (``TemplateVariables/guarded(_:)``) and parsed once into its structure; `nil`
    /// when no template defines it.
    func sectionTemplate(_ id: String) throws(RunbookTemplateError) -> SectionTemplate? {
        guard let text = sections[id] else { return nil }
        return try parsed.section(id, text: text, file: "section '\(id)'")
    }

    /// Replaces templates with those of `overrides` (same names override, new sections add).
    public mutating func override(with overrides: [String: String]) throws(RunbookTemplateError) {
        guard !overrides.isEmpty else { return }
        let overrides = overrides.mapValues(Self.unixLines)
        self = RunbookTemplates(report: report, sections: sections)  // a fresh cache: none of the old parses

        for name in overrides.keys.sorted() {
            guard let text = overrides[name] else { continue }
            if name == "report" {
                try Self.validate(text, file: "report.md", isSection: false)
                report = text
            } else {
                var added = RunbookTemplates(report: report, sections: [:])
                try added.merge(sectionsOf: text, file: name + ".md")
                for (id, section) in added.sections {
                    do {
                        try Self.validate(section, file: "\(name).md")
                    } catch {
                        // The section's line, counted in the file a person edits (section 'ID' of it).
                        var located = error
                        located.line = error.line.map { Self.fileLine(of: id, in: text, sectionLine: $0) }
                        located.message = "section '\(id)': " + error.message
                        throw located
                    }
                    sections[id] = section
                }
            }
        }
    }

    /// `text` with CRLF and CR line ends as LF: a template saved on another system reads as it was written.
    static func unixLines(_ text: String) -> String {
        guard text.utf8.contains(0x0D) else { return text }
        var out = String.UnicodeScalarView()
        var scalars = text.unicodeScalars.makeIterator()
        var pending = scalars.next()
        while let scalar = pending {
            pending = scalars.next()
            if scalar == "\r" {
                out.append("\n")
                if pending == "\n" { pending = scalars.next() }
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// Line `sectionLine` of section `id` as a line of the file `text` it was cut from.
    static func fileLine(of id: String, in text: String, sectionLine: Int) -> Int {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let marker = lines.firstIndex(where: {
            let t = $0.trimmingCharacters(in: " ")
            return t.hasPrefix("<!-- runbook:") && t.dropFirst("<!-- runbook:".count).dropLast(3).trimmingCharacters(in: " ") == id
        }) else { return sectionLine }
        var first = marker + 1
        while first < lines.count, lines[first].isEmpty { first += 1 }  // the section's text starts here
        return first + sectionLine
    }

    private init(report: String, sections: [String: String]) {
        self.report = report
        self.sections = sections
    }

    /// Cuts a template file into its sections at the `<!-- runbook: ID -->` markers. Works on the UTF-8 bytes
    /// (a built-in knowledge base is cut on every run: Character-by-Character trimming cost milliseconds).
    private mutating func merge(sectionsOf text: String, file: String) throws(RunbookTemplateError) {
        let bytes = Array(text.utf8)
        let marker = Array("<!-- runbook:".utf8)
        let close = Array("-->".utf8)
        var current: String?
        var bodyStart = 0
        func flush(upTo end: Int) {
            guard let id = current else { return }
            var from = min(bodyStart, bytes.count)
            var to = max(from, min(end, bytes.count))
            while from < to, bytes[from] == 0x0A { from += 1 }
            while to > from, bytes[to - 1] == 0x0A { to -= 1 }
            sections[id] = String(decoding: bytes[from..<to], as: UTF8.self) + "\n"
        }
        var lineStart = 0
        var lineNumber = 0
        while lineStart <= bytes.count {
            lineNumber += 1
            var lineEnd = lineStart
            while lineEnd < bytes.count, bytes[lineEnd] != 0x0A { lineEnd += 1 }
            var first = lineStart, last = lineEnd
            while first < last, bytes[first] == 0x20 { first += 1 }
            while last > first, bytes[last - 1] == 0x20 { last -= 1 }
            if last - first >= marker.count + close.count, bytes[first..<first + marker.count].elementsEqual(marker),
               bytes[last - close.count..<last].elementsEqual(close) {
                flush(upTo: lineStart)
                var idStart = first + marker.count, idEnd = last - close.count
                while idStart < idEnd, bytes[idStart] == 0x20 { idStart += 1 }
                while idEnd > idStart, bytes[idEnd - 1] == 0x20 { idEnd -= 1 }
                guard idEnd > idStart else {
                    throw RunbookTemplateError(file: file, line: lineNumber, message: "runbook marker without an id")
                }
                current = String(decoding: bytes[idStart..<idEnd], as: UTF8.self)
                bodyStart = lineEnd + 1
            }
            lineStart = lineEnd + 1
        }
        flush(upTo: bytes.count)
    }

    /// Lists whose length grows with the host (one item per finding, per rule, per warning). A loop over one
    /// inside a loop over another would make rendering quadratic in the number of findings.
    static let unboundedLists: Set<String> = ["findings", "top", "insufficient", "warnings", "disabled", "overridden"]

    /// Checks a template as Mustache, its loops, and (a section) its structure of subsections and blocks.
    static func validate(_ text: String, file: String, isSection: Bool = true) throws(RunbookTemplateError) {
        try TemplateForm.check(text, file: file)
        do {
            _ = try MustacheTemplate(string: text)
        } catch {
            throw RunbookTemplateError(file: file, error)
        }
        try checkNesting(text, file: file)
        if isSection { _ = try SectionTemplate(parsing: TemplateVariables.guarded(text), file: file) } else { try checkFrame(text, file: file) }
    }

    /// The document frame holds no commands: the checks of what a command may print are made on sections, so
    /// a code fence in `report.md`, or an indented line with a value (an indented code block), is refused.
    static func checkFrame(_ text: String, file: String) throws(RunbookTemplateError) {
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let unindented = line.drop { $0 == " " }
            if line.count - unindented.count <= 3, unindented.hasPrefix("```") || unindented.hasPrefix("~~~") {
                throw RunbookTemplateError(file: file, line: index + 1, message: "a code block in the document frame: commands belong in a rule's section, where what they print is checked")
            }
            if line.hasPrefix("    ") || line.hasPrefix("\t"), line.containsCharacters("{{") {
                throw RunbookTemplateError(file: file, line: index + 1, message: "an indented line with a value is a code block in Markdown: not allowed in the document frame")
            }
        }
    }

    /// Refuses a loop over an unbounded list inside another (and delimiter changes, which would hide one),
    /// so that rendering work stays linear in the number of findings.
    static func checkNesting(_ text: String, file: String) throws(RunbookTemplateError) {
        var open: [String] = []
        var line = 1
        var counted = text.startIndex
        // The tags as every other check reads them (``TemplateVariables/tags(_:includingOthers:)``); lines
        // counted on the bytes between one tag and the next (a line feed is always a Character of its own).
        for tag in TemplateVariables.tags(text, includingOthers: true) {
            line += text.utf8[counted..<tag.range.lowerBound].lazy.filter { $0 == 0x0A }.count
            counted = tag.range.lowerBound
            let name = tag.name ?? ""
            switch tag.kind {
            case "=":
                throw RunbookTemplateError(file: file, line: line, message: "changing the tag delimiters is not supported in runbook templates")
            case "#", "^":
                if unboundedLists.contains(name), let outer = open.last(where: unboundedLists.contains) {
                    throw RunbookTemplateError(file: file, line: line, message:
                        "'{{#\(name)}}' inside '{{#\(outer)}}': a loop over one list of findings inside another makes the report quadratic; not allowed")
                }
                open.append(name)
            case "/":
                if let index = open.lastIndex(of: name) { open.removeSubrange(index...) }
            default:
                continue
            }
        }
    }
}

/// Parsed templates shared by copies of one ``RunbookTemplates`` (its texts never change once built).
final class ParsedTemplates: Sendable {
    private let report = Mutex<FrameTemplate?>(nil)
    private let sections = Mutex<[String: SectionTemplate]>([:])

    func hasSection(_ id: String) -> Bool { sections.withLock { $0[id] != nil } }

    func section(_ id: String, text: String, file: String) throws(RunbookTemplateError) -> SectionTemplate {
        if let known = sections.withLock({ $0[id] }) { return known }
        let section = try SectionTemplate(parsing: TemplateVariables.guarded(text), file: file)
        sections.withLock { $0[id] = section }
        return section
    }

    func frame(_ text: String, file: String) throws(RunbookTemplateError) -> FrameTemplate {
        if let known = report.withLock({ $0 }) { return known }
        let frame: FrameTemplate
        do {
            frame = try FrameTemplate(text)
        } catch {
            throw RunbookTemplateError(file: file, error)
        }
        report.withLock { $0 = frame }
        return frame
    }
}

/// A runbook template that cannot be used.
public struct RunbookTemplateError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var message: String

    public init(file: String, line: Int? = nil, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String { line.map { "\(file):\($0): \(message)" } ?? "\(file): \(message)" }

    /// A template that does not parse, said as a person fixes it: the line, the mistake and the text there.
    init(file: String, _ error: any Error) {
        guard let parse = error as? MustacheTemplate.ParserError else {
            self.init(file: file, message: "invalid template: \(error)")
            return
        }
        let reason: String
        switch parse.error as? MustacheTemplate.Error {
        case .sectionCloseNameIncorrect?: reason = "a closing tag {{/...}} names another section than the one open"
        case .unfinishedName?: reason = "a tag is not closed with }}"
        case .expectedSectionEnd?: reason = "a section is never closed: {{/name}} is missing"
        case .invalidSetDelimiter?: reason = "a delimiter change {{=... =}} is malformed"
        default: reason = "invalid Mustache (\(parse.error))"
        }
        let text = parse.context.line.trimmingCharacters(in: " ")
        self.init(file: file, line: parse.context.lineNumber,
                  message: "\(reason), column \(parse.context.columnNumber): \(text.count > 80 ? String(text.prefix(80)) + "..." : text)")
    }
}

extension StringProtocol {
    func trimmingCharacters(in character: Character) -> String {
        var s = Substring(self)
        while s.first == character { s.removeFirst() }
        while s.last == character { s.removeLast() }
        return String(s)
    }
}
