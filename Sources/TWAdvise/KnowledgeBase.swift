public import TWAdviseEngine
import TWAdviseFacts

/// The built-in rules and runbook templates, embedded at build time from `rules/` and `runbooks/`.
public enum KnowledgeBase {
    #if TWADVISE_NO_EMBEDDED_KNOWLEDGE
    static let embedded: [(path: String, text: String, compiled: String, expressions: String)] = []
    #else
    static let embedded = EmbeddedKnowledgeBase.files
    #endif

    /// Built-in rule files, in file-name order, named `builtin:rules/NAME.yaml` in messages. Each carries the
    /// YAML tree and the expressions the build parsed, so that loading it parses neither again.
    public static var ruleSources: [RuleSource] {
        embedded
            .filter { $0.path.hasPrefix("rules/") }
            .map { $0.compiled.isEmpty ? RuleSource(path: "builtin:" + $0.path, text: $0.text)
                                       : RuleSource(path: "builtin:" + $0.path, text: $0.text, compiled: $0.compiled,
                                                    expressions: $0.expressions.isEmpty ? nil : $0.expressions) }
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

    /// Rule files (`*.yaml`, `*.yml`) of a directory, or the file itself, sorted by name.
    public static func ruleSources(at path: String) throws(RuleSourceError) -> [RuleSource] {
        if isDirectory(path) {
            let names: [String]
            do {
                names = try listDirectory(path)
            } catch {
                throw RuleSourceError(path: path, reason: error.description)
            }
            let directory = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path  // no "team//x.yaml"
            let ruleFiles = names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
            try refuseUnreadableNames(ruleFiles, in: directory)
            let files = ruleFiles.map { directory + "/" + $0 }
            if files.isEmpty { throw RuleSourceError(path: path, reason: "no *.yaml rule file in the directory") }
            // Inside a directory, a file is read only while its links stay inside it, and only a regular file.
            return try files.map { file throws(RuleSourceError) -> RuleSource in try textSource(file, within: directory) }
        }
        return [try textSource(path)]
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
        guard isDirectory(directory) else { throw RuleSourceError(path: directory, reason: "not a directory") }
        let names: [String]
        do {
            names = try listDirectory(directory)
        } catch {
            throw RuleSourceError(path: directory, reason: error.description)
        }
        let templates = names.sorted().filter { $0.hasSuffix(".md") }
        try refuseUnreadableNames(templates, in: directory)
        guard templates.count <= maxTemplateFiles else {
            throw RuleSourceError(path: directory, reason: "more than \(maxTemplateFiles) template files")
        }
        var files: [String: String] = [:]
        var total = 0
        for name in templates {
            let text = try textSource(directory + "/" + name, within: directory, limit: maxTemplateFileBytes).text
            total += text.utf8.count
            guard total <= maxTemplateBytes else {
                throw RuleSourceError(path: directory, reason: "template files larger than \(maxTemplateBytes >> 20) MiB together")
            }
            files[String(name.dropLast(3))] = text
        }
        return files
    }

    /// A name read from a directory that was not UTF-8 comes back with U+FFFD in it, and opening it would
    /// fail as "no such file": it is refused for what it is.
    static func refuseUnreadableNames(_ names: [String], in directory: String) throws(RuleSourceError) {
        if let bad = names.first(where: { $0.unicodeScalars.contains("\u{FFFD}") }) {
            throw RuleSourceError(path: directory + "/" + bad, reason: "a file name that is not valid UTF-8 (shown with U+FFFD); rename it")
        }
    }

    /// One rule or overlay file as a source, within the size limit and as UTF-8. With `directory`, the file
    /// was found in it: it is read only when its symbolic links stay inside, and only when it is a regular file.
    static func textSource(_ file: String, within directory: String? = nil, limit: Int = YAMLLimits.maxBytes) throws(RuleSourceError) -> RuleSource {
        let bytes: [UInt8]
        if let directory {
            // Opened so that no link can lead out of the directory, checked on the descriptor itself.
            do throws(FileReadError) {
                bytes = try SystemFile(confined: file, within: directory).readAll(limit: limit)
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
