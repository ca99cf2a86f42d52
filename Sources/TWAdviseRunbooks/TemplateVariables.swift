/// The host values a runbook section prints, found by reading its tags: `{{{current.tcp_tw_reuse}}}`,
/// `{{{shell.remote_host}}}`, `{{#plan.file_max}}`.
///
/// A value printed outside a section that tests it (`{{#current.x}}...{{/current.x}}`) must never come out
/// empty in a command: ``MarkdownReport`` fills such a value, when the host did not give it, with a marker,
/// and replaces every command line that holds a marker with a comment that says what could not be read.
public struct TemplateVariables: Sendable, Hashable {
    /// The namespaces of host values a section can use.
    public static let namespaces: Set<String> = ["current", "shell", "vars", "plan", "params", "notes"]

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

    /// One `{{...}}` tag: where it is, its kind (`#`, `^`, `/`, or nil for a value) and name, and whether it
    /// stands inside a section that tests the same name (so it prints only when the value is there).
    struct Tag {
        var range: Range<String.Index>
        var kind: Character?
        var name: String?
        var insideOwnSection: Bool
    }

    static func tags(_ template: String) -> [Tag] {
        var tags: [Tag] = []
        var open: [String] = []  // positive sections open here
        var index = template.startIndex
        while let start = template[index...].firstRange(of: "{{") {
            guard let close = template[start.upperBound...].firstRange(of: "}}") else { break }
            var end = close.upperBound
            var body = template[start.upperBound..<close.lowerBound]
            if body.first == "{", end < template.endIndex, template[end] == "}" {
                body = body.dropFirst()
                end = template.index(after: end)
            }
            body = body.drop { $0 == " " }
            var kind: Character? = body.first
            if kind == "#" || kind == "^" || kind == "/" { body = body.dropFirst() } else if kind == "&" { body = body.dropFirst(); kind = nil } else { kind = nil }
            if let first = body.first, "!=>".contains(first) { index = end; continue }
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
            // `known.NAME` is true for every value the host gave, an empty one (no reserved ports) included.
            out += "{{#known.\(name)}}\(template[tag.range]){{/known.\(name)}}{{^known.\(name)}}\(MissingValue.marker(short)){{/known.\(name)}}"
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
