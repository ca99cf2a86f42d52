public import TWAdviseEngine
import TWAdviseFacts

/// The built-in rules and runbook templates, embedded at build time from `rules/` and `runbooks/`.
public enum KnowledgeBase {
    #if TWADVISE_NO_EMBEDDED_KNOWLEDGE
    static let embedded: [(path: String, text: String, compiled: String, expressions: String, checked: String)] = []
    static let embeddedSchema = ""
    #else
    static let embedded = EmbeddedKnowledgeBase.files
    static let embeddedSchema = EmbeddedKnowledgeBase.schema
    #endif

    /// Whether the build type-checked the built-in rules against the schema this TWAdvise declares
    /// (`rules/host-facts.schema` is ``HostFactSchema/schema``'s checking text): only then does a diagnosis
    /// decode the checked rules instead of loading their files. Read once a process.
    package static let checkedRulesApply: Bool = {
        guard !embeddedSchema.isEmpty, let text = HostFactSchema.schema.checkingText else { return false }
        return text == embeddedSchema
    }()

    /// Built-in rule files, in file-name order, named `builtin:rules/NAME.yaml` in messages. Each carries the
    /// YAML tree and the expressions the build parsed, so that loading it parses neither again.
    public static var ruleSources: [RuleSource] { ruleSources(withChecked: false) }

    /// ``ruleSources``, each with the rules the build checked when they were checked against `schema`
    /// (``checkedRulesApply``): a load that does not read in-file tests then decodes those.
    package static func ruleSources(checkedAgainst schema: FactSchema) -> [RuleSource] {
        ruleSources(withChecked: checkedRulesApply && schema == HostFactSchema.schema)
    }

    private static func ruleSources(withChecked: Bool) -> [RuleSource] {
        embedded.filter { $0.path.hasPrefix("rules/") }.map { file in
            guard !file.compiled.isEmpty else { return RuleSource(path: "builtin:" + file.path, text: file.text) }
            var source = RuleSource(path: "builtin:" + file.path, text: file.text, compiled: file.compiled,
                                    expressions: file.expressions.isEmpty ? nil : file.expressions)
            if withChecked, !file.checked.isEmpty { source.checked = file.checked }
            return source
        }
    }

    /// Built-in runbook templates by file name without extension (`ports`, `timewait`, ...).
    public static var runbookTemplates: [String: String] {
        var result: [String: String] = [:]
        for file in embedded where file.path.hasPrefix("runbooks/") && file.path.hasSuffix(".md") {
            let name = String(file.path.dropFirst("runbooks/".count).dropLast(3))
            result[name] = file.text
        }
        return result
    }

    /// Rule files (`*.yaml`, `*.yml`) of a directory, or the file itself, sorted by name. A directory is
    /// listed, bounded and its names checked as ``RuleDirectory`` does for the engine alone; a file in it is
    /// read only while its symbolic links stay inside the directory, and only a regular file.
    public static func ruleSources(at path: String) throws(RuleSourceError) -> [RuleSource] {
        guard isDirectory(path) else { return [try textSource(path)] }
        let directory = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path  // no "team//x.yaml"
        return try RuleDirectory.sources(directory) { name, directoryFD, file throws(RuleSourceError) in
            try textSource(file, named: name, beneath: directoryFD).text
        }
    }

    /// Most runbook template files read from one directory.
    public static let maxTemplateFiles = 100
    /// Largest runbook template file, in bytes (a section is bounded again when it is checked).
    public static let maxTemplateFileBytes = 1 << 20
    /// Most bytes of runbook templates read from one directory, all files together.
    public static let maxTemplateBytes = 4 << 20

    /// The Markdown templates (`*.md`) of a directory, by name without `.md`: at most ``maxTemplateFiles``
    /// files of ``maxTemplateFileBytes`` each, ``maxTemplateBytes`` in all.
    public static func runbookTemplates(at directory: String) throws(RuleSourceError) -> [String: String] {
        try RuleDirectory.withFiles(in: directory, endingWith: [".md"], maxFiles: maxTemplateFiles, kind: "template file") { directoryFD, names throws(RuleSourceError) in
            var files: [String: String] = [:]
            var fileOf: [String: String] = [:]
            var total = 0
            for name in names {
                let text = try textSource(directory + "/" + name, named: name, beneath: directoryFD, limit: maxTemplateFileBytes).text
                total += text.utf8.count
                guard total <= maxTemplateBytes else {
                    throw RuleSourceError(path: directory, reason: "template files larger than \(maxTemplateBytes >> 20) MiB together")
                }
                // The name without its ".md", cut by bytes: a scalar that joins the dot to the name (U+0600)
                // must not make "report\u{600}.md" the document frame. Two names Swift takes for one key (é
                // composed and decomposed) are refused, never one silently dropped.
                let key = String(decoding: name.utf8.dropLast(3), as: UTF8.self)
                if let other = fileOf[key] {
                    throw RuleSourceError(path: directory, reason: "template files '\(other)' and '\(name)' have one name: rename one")
                }
                fileOf[key] = name
                files[key] = text
            }
            return files
        }
    }

    /// One rule or overlay file as a source, within the size limit and as UTF-8. With `directory`, the file
    /// `name` was listed in the directory open there (`file` is its path, for messages): it is read through
    /// that descriptor, only when its symbolic links stay inside, and only when it is a regular file.
    static func textSource(_ file: String, named name: String? = nil, beneath directory: Int32? = nil,
                           limit: Int = YAMLLimits.maxBytes) throws(RuleSourceError) -> RuleSource {
        let bytes: [UInt8]
        if let directory, let name {
            // Opened so that no link can lead out of the directory, checked on the descriptor itself.
            do throws(FileReadError) {
                bytes = try SystemFile(confined: name, beneath: directory).readAll(limit: limit)
            } catch {
                throw RuleSourceError(path: file, reason: error == .tooLarge(limit: limit)
                                      ? "larger than the limit of \(limit >> 20) MiB" : error.description)
            }
        } else {
            do {
                bytes = try InputFile.read(file, limit: limit)
            } catch {
                throw RuleSourceError(path: file, reason: error.reason)
            }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw RuleSourceError(path: file, reason: "not valid UTF-8")
        }
        return RuleSource(path: file, text: text)
    }
}

/// A rule path that could not be read: the engine's ``RuleFileError`` (a path and why), one type for a
/// rule file wherever it is read.
public typealias RuleSourceError = RuleFileError
