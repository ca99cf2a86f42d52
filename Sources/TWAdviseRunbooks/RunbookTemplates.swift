internal import Mustache

/// The Markdown templates findings render through: the document (`report.md`) and one section per
/// runbook id, kept in topic files (`ports.md`, `timewait.md`, ...) where each section starts with
/// `<!-- runbook: ID -->`.
public struct RunbookTemplates: Sendable {
    /// The document template.
    public private(set) var report: String
    /// Section templates by runbook id.
    public private(set) var sections: [String: String]

    /// Builds the templates from files: name (without `.md`) → text. `report` is the document template;
    /// every other file is split into sections at its `<!-- runbook: ID -->` markers.
    public init(files: [String: String]) throws(RunbookTemplateError) {
        guard let report = files["report"] else {
            throw RunbookTemplateError(file: "report.md", message: "no document template 'report.md'")
        }
        self.report = report
        self.sections = [:]
        for name in files.keys.sorted() where name != "report" {
            guard let text = files[name] else { continue }
            try merge(sectionsOf: text, file: name + ".md")
        }
        try Self.validate(report, file: "report.md")
        for (id, section) in sections { try Self.validate(section, file: "section '\(id)'") }
    }

    /// Replaces templates with those of `overrides` (same names override, new sections add).
    public mutating func override(with overrides: [String: String]) throws(RunbookTemplateError) {
        for name in overrides.keys.sorted() {
            guard let text = overrides[name] else { continue }
            if name == "report" {
                try Self.validate(text, file: "report.md")
                report = text
            } else {
                try merge(sectionsOf: text, file: name + ".md")
            }
        }
    }

    private mutating func merge(sectionsOf text: String, file: String) throws(RunbookTemplateError) {
        var current: String?
        var body: [Substring] = []
        func flush() {
            if let id = current {
                sections[id] = body.joined(separator: "\n").trimmingCharacters(in: "\n") + "\n"
            }
        }
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: " ")
            if trimmed.hasPrefix("<!-- runbook:") && trimmed.hasSuffix("-->") {
                flush()
                let id = trimmed.dropFirst("<!-- runbook:".count).dropLast(3).trimmingCharacters(in: " ")
                guard !id.isEmpty else {
                    throw RunbookTemplateError(file: file, line: index + 1, message: "runbook marker without an id")
                }
                current = id
                body = []
            } else if current != nil {
                body.append(line)
            }
        }
        flush()
    }

    static func validate(_ text: String, file: String) throws(RunbookTemplateError) {
        do {
            _ = try MustacheTemplate(string: text)
        } catch {
            throw RunbookTemplateError(file: file, message: "invalid template: \(error)")
        }
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
}

extension StringProtocol {
    func trimmingCharacters(in character: Character) -> String {
        var s = Substring(self)
        while s.first == character { s.removeFirst() }
        while s.last == character { s.removeLast() }
        return String(s)
    }
}
