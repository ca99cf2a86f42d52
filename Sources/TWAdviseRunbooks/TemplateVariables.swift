internal import TWAdviseEngine

/// The host values a runbook section prints, found by reading its tags: `{{{current.tcp_tw_reuse}}}`,
/// `{{{shell.remote_host}}}`, `{{#plan.file_max}}`.
///
/// A value printed outside a section that tests it (`{{#current.x}}...{{/current.x}}`) must never come out
/// empty in a command: ``MarkdownReport`` fills such a value, when the host did not give it, with a marker,
/// and replaces every command line that holds a marker with a comment that says what could not be read.
public struct TemplateVariables: Sendable, Hashable {
    /// The namespaces of host values a section can use.
    public static let namespaces: Set<String> = ["current", "shell", "vars", "plan", "params", "notes"]

    /// Whether `name` names a group of values: one of ``namespaces``, or `known` (which of them the host gave).
    static func isGroup(_ name: String) -> Bool { namespaces.contains(name) || name == "known" }

    /// `namespace.name` printed as a value.
    public private(set) var printed: Set<String> = []
    /// `namespace.name` tested by a section or an inverted section.
    public private(set) var tested: Set<String> = []

    /// The variables of `template`.
    public init(_ template: String) {
        for tag in Self.tags(template) {
            guard let name = tag.name, let dot = name.firstIndex(of: "."), Self.namespaces.contains(String(name[..<dot])) else { continue }
            switch tag.kind {
            case "#", "^": tested.insert(name)
            case "/": continue
            default: if !tag.insideOwnSection { printed.insert(name) }
            }
        }
    }

    /// One `{{...}}` tag: where it is, its kind (`#`, `^`, `/`, or nil for a value; with `includingOthers`,
    /// also `!`, `=` or `>` with no name) and name, and whether it stands inside a section that tests the same
    /// name (so it prints only when the value is there).
    struct Tag {
        var range: Range<String.Index>
        var kind: Character?
        var name: String?
        var insideOwnSection: Bool
    }

    /// The tags of `template` in order, up to the first `{{` left unclosed; comments, delimiter changes and
    /// partials only `includingOthers`.
    static func tags(_ template: String, includingOthers: Bool = false) -> [Tag] {
        var tags: [Tag] = []
        var open: [String] = []  // positive sections open here
        var index = template.startIndex
        while let start = template[index...].firstCharacterRange(of: "{{") {
            guard let close = template[start.upperBound...].firstCharacterRange(of: "}}") else { break }
            var end = close.upperBound
            var body = template[start.upperBound..<close.lowerBound]
            if body.first == "{", end < template.endIndex, template[end] == "}" {
                body = body.dropFirst()
                end = template.index(after: end)
            }
            body = body.drop { $0 == " " }
            var kind: Character? = body.first
            if kind == "#" || kind == "^" || kind == "/" { body = body.dropFirst() } else if kind == "&" { body = body.dropFirst(); kind = nil } else { kind = nil }
            if let first = body.first, "!=>".contains(first) {
                if includingOthers { tags.append(Tag(range: start.lowerBound..<end, kind: first, name: nil, insideOwnSection: false)) }
                index = end
                continue
            }
            let name = String(body.filter { $0 != " " })
            tags.append(Tag(range: start.lowerBound..<end, kind: kind, name: name, insideOwnSection: open.contains(name)))
            switch kind {
            case "#": open.append(name)
            case "/": if let i = open.lastIndex(of: name) { open.remove(at: i) }
            default: break
            }
            index = end
        }
        return tags
    }

    /// `template` with every value of ``namespaces`` printed outside a section that tests it wrapped so that,
    /// when the host did not give it, a marker stands in its place (``MarkdownReport`` then turns a command
    /// line holding a marker into a comment). Values inside their own section print as they are.
    public static func guarded(_ template: String) -> String {
        var out = ""
        var last = template.startIndex
        for tag in tags(template) where tag.kind == nil && !tag.insideOwnSection {
            guard let name = tag.name, let dot = name.firstIndex(of: "."), namespaces.contains(String(name[..<dot])) else { continue }
            out += template[last..<tag.range.lowerBound]
            let short = String(name[name.index(after: dot)...])
            // `known.NAME` is true for every value the host gave, an empty one (no reserved ports) included. A
            // value the host did not give prints nothing, so the value needs no section of its own: three tags
            // instead of five for Mustache to parse (a first report parses every section it shows).
            out += "\(template[tag.range]){{^known.\(name)}}\(MissingValue.marker(short)){{/known.\(name)}}"
            last = tag.range.upperBound
        }
        out += template[last...]
        return out
    }

    /// Printed values no section guards: they must always have a value, or the line is replaced.
    public var unguarded: Set<String> { printed.subtracting(tested) }

    /// Every name of `namespace` the template uses (printed or tested).
    public func names(in namespace: String) -> Set<String> {
        Set(printed.union(tested).compactMap { $0.hasPrefix(namespace + ".") ? String($0.dropFirst(namespace.count + 1)) : nil })
    }
}

/// The marker a missing, unguarded value renders as: private-use characters that no host value contains
/// (host values are escaped, and escaping replaces nothing in this range, so the marker is added here only).
enum MissingValue {
    static let open: Character = "\u{F8F0}"
    static let close: Character = "\u{F8F1}"

    static func marker(_ name: String) -> String { "\(open)\(name)\(close)" }

    /// A command line holding a marker, replaced by a comment naming what could not be read.
    static func resolveCommand(_ line: String) -> String {
        guard line.contains(open) else { return line }
        let indent = line.prefix { $0 == " " }
        return "\(indent)# not shown: \(markers(in: Substring(line)).joined(separator: ", ")) could not be read on this host; read it first (sysctl -a, ss), then decide"
    }

    /// Prose with each marker replaced by `unknown (NAME could not be read)`.
    static func resolveProse(_ text: String) -> String {
        guard text.contains(open) else { return text }
        var fixed = text
        for name in markers(in: Substring(text)) { fixed = fixed.replacing(marker(name), with: "unknown (\(name) could not be read)") }
        return fixed
    }

    private static func markers(in line: Substring) -> [String] {
        var names: [String] = []
        var rest = line
        while let start = rest.firstIndex(of: open), let end = rest[start...].firstIndex(of: close) {
            let name = String(rest[rest.index(after: start)..<end])
            if !names.contains(name) { names.append(name) }
            rest = rest[rest.index(after: end)...]
        }
        return names
    }
}

/// The forms a runbook template may take, checked when it loads (a team's `--runbooks` templates are input
/// like any other): bounded sizes, and only tags whose meaning the checks of runbook values can see.
enum TemplateForm {
    /// Largest template (a document or one section), in bytes.
    static let maxBytes = 64 << 10
    /// Longest line, in bytes.
    static let maxLineBytes = 4 << 10
    /// Most tags in one template.
    static let maxTags = 1_000

    /// Refuses a template over the bounds, and any tag but `{{{name}}}`, `{{name}}`, `{{&name}}`,
    /// `{{#name}}`, `{{^name}}`, `{{/name}}` and `{{! comment }}`, with spaces only around a dotted name
    /// (`vars.owner`): no partials, no transforms, no delimiter changes, no other whitespace, each of which
    /// the checks of unguarded values and of loops inside loops could not see.
    static func check(_ text: String, file: String) throws(RunbookTemplateError) {
        guard text.utf8.count <= maxBytes else {
            throw RunbookTemplateError(file: file, message: "larger than the limit of \(maxBytes >> 10) KiB for one template")
        }
        var line = 1
        var lineBytes = 0
        var tags = 0
        let scalars = Array(text.unicodeScalars)
        var i = 0
        while i < scalars.count {
            let scalar = scalars[i]
            if scalar == "\n" {
                line += 1
                lineBytes = 0
                i += 1
                continue
            }
            if scalar.isControlCharacter, scalar != "\t" {
                throw RunbookTemplateError(file: file, line: line, message: "the control character U+\(String(scalar.value, radix: 16, uppercase: true)) in a template: not allowed")
            }
            lineBytes += UTF8.width(scalar)
            guard lineBytes <= maxLineBytes else {
                throw RunbookTemplateError(file: file, line: line, message: "a line longer than \(maxLineBytes) bytes")
            }
            guard scalar == "{", i + 1 < scalars.count, scalars[i + 1] == "{" else {
                i += 1
                continue
            }
            tags += 1
            guard tags <= maxTags else {
                throw RunbookTemplateError(file: file, line: line, message: "more than \(maxTags) tags in one template")
            }
            var j = i + 2
            let triple = j < scalars.count && scalars[j] == "{"
            if triple { j += 1 }
            var close = j
            while close + 1 < scalars.count, !(scalars[close] == "}" && scalars[close + 1] == "}") {
                guard scalars[close] != "\n" else { break }
                close += 1
            }
            guard close + 1 < scalars.count, scalars[close] == "}", scalars[close + 1] == "}" else {
                throw RunbookTemplateError(file: file, line: line, message: "a tag is not closed with }} on its line")
            }
            var end = close + 2
            if triple {
                guard end < scalars.count, scalars[end] == "}" else {
                    throw RunbookTemplateError(file: file, line: line, message: "a tag opened with {{{ is not closed with }}}")
                }
                end += 1
            }
            let body = scalars[j..<close]
            if body.first != "!" || triple {
                var name = body[...]
                if !triple, let sigil = name.first, "#^/&".unicodeScalars.contains(sigil) { name = name.dropFirst() }
                while name.first == " " { name = name.dropFirst() }
                while name.last == " " { name = name.dropLast() }
                guard isName(name) else {
                    if body.first == "=" {
                        throw RunbookTemplateError(file: file, line: line, message: "changing the tag delimiters is not supported")
                    }
                    let shown = String(String.UnicodeScalarView(scalars[i..<end]))
                    throw RunbookTemplateError(file: file, line: line, message:
                        "'\(Escaping.terminalValue(shown))' is not a tag a runbook template may use: {{{name}}}, {{#name}}, {{^name}}, {{/name}} or {{! comment }}, a dotted name with spaces only around it (no partials, transforms or delimiter changes)")
                }
            }
            lineBytes += scalars[(i + 1)..<end].reduce(0) { $0 + UTF8.width($1) }
            i = end
        }
    }

    /// `name` or `namespace.name`: letters, digits and `_`, not starting with a digit, joined by single dots.
    static func isName(_ name: ArraySlice<Unicode.Scalar>) -> Bool {
        guard let first = name.first, first != "." else { return false }
        var previousDot = false
        for (index, s) in name.enumerated() {
            let letter = (s >= "a" && s <= "z") || (s >= "A" && s <= "Z") || s == "_"
            let digit = s >= "0" && s <= "9"
            if s == "." {
                if previousDot { return false }
                previousDot = true
                continue
            }
            guard letter || (digit && index > 0) else { return false }
            previousDot = false
        }
        return !previousDot
    }
}
