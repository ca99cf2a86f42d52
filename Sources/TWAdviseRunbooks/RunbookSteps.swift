/// A finding's runbook section as a document: subsections (Why, Immediate steps, Persistent configuration,
/// Verify, Rollback, ...) of prose and code blocks, typed. Built from a section template parsed once
/// (``SectionTemplate``), so grouping, merging per subject and pointing back compare these blocks, never the
/// Markdown they print as; the Markdown runbook and the JSON report (`steps`) carry the same document.
public struct RunbookSteps: Sendable, Hashable, Codable {
    public var subsections: [RunbookSubsection]

    public init(subsections: [RunbookSubsection]) {
        self.subsections = subsections
    }

    /// The document as Markdown: `### heading`, then its blocks, each separated by one blank line.
    public var markdown: String {
        subsections.map(\.markdown).filter { !$0.isEmpty }.joined(separator: "\n\n")
    }
}

/// One `### heading` of a runbook section and what follows it (text before the first heading has none).
public struct RunbookSubsection: Sendable, Hashable, Codable {
    /// The heading's text without `### ` (`Immediate steps`), or nil for text before the first heading.
    public var heading: String?
    public var blocks: [RunbookBlock]

    public init(heading: String?, blocks: [RunbookBlock]) {
        self.heading = heading
        self.blocks = blocks
    }

    public var markdown: String {
        ((heading.map { ["### " + $0] } ?? []) + blocks.map(\.markdown)).joined(separator: "\n\n")
    }
}

/// A paragraph (already escaped Markdown) or a fenced code block.
public enum RunbookBlock: Sendable, Hashable, Codable {
    case prose(String)
    case code(RunbookCode)

    public var markdown: String {
        switch self {
        case .prose(let text): return text
        case .code(let code): return code.markdown
        }
    }

    public var isCode: Bool { if case .code = self { return true } else { return false } }

    private enum CodingKeys: String, CodingKey { case kind, text, code }

    /// `{"kind": "prose", "text": ...}` or `{"kind": "code", "code": {...}}`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(String.self, forKey: .kind) {
        case "prose": self = .prose(try container.decode(String.self, forKey: .text))
        case "code": self = .code(try container.decode(RunbookCode.self, forKey: .code))
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .kind, in: container, debugDescription: "unknown block kind '\(other)'")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .prose(let text):
            try container.encode("prose", forKey: .kind)
            try container.encode(text, forKey: .text)
        case .code(let code):
            try container.encode("code", forKey: .kind)
            try container.encode(code, forKey: .code)
        }
    }
}

/// A fenced code block: commands for a person to copy, one per line, with what the template declared about
/// them (the block writes a file; a line writes or removes a file in the host's `/etc/sysctl.d`).
public struct RunbookCode: Sendable, Hashable, Codable {
    /// One line of a code block.
    public struct Line: Sendable, Hashable, Codable {
        public var text: String
        /// The line writes or removes a file under the host's `/etc/sysctl.d` (inside another network
        /// namespace it would change the host at its next boot, never the namespace: such reports drop it).
        public var changesHostFiles: Bool

        public init(_ text: String, changesHostFiles: Bool = false) {
            self.text = text
            self.changesHostFiles = changesHostFiles
        }
    }

    /// The fence's info string (`sh`).
    public var language: String
    public var lines: [Line]
    /// The block writes a file through a here-document: its lines belong together and are never merged
    /// line by line with another subject's.
    public var writesFile: Bool

    public init(language: String, lines: [Line], writesFile: Bool = false) {
        self.language = language
        self.lines = lines
        self.writesFile = writesFile
    }

    public var markdown: String {
        (["```" + language] + lines.map(\.text) + ["```"]).joined(separator: "\n")
    }
}
