internal import Yams

/// A YAML scalar with where it stands in its file, so that errors inside an embedded expression point at
/// the right line and column (plain, quoted and block scalars).
package struct YAMLScalar: Sendable, Hashable {
    package enum Style: Sendable, Hashable {
        case plain, singleQuoted, doubleQuoted, literal, folded
    }

    package var value: String
    package var style: Style
    package var location: SourceLocation
    /// The source line of the scalar's first content line and its indentation, for block scalars.
    package var blockStart: (line: Int, indent: Int)? {
        get { blockLine.map { ($0, blockIndent) } }
        set { blockLine = newValue?.line; blockIndent = newValue?.indent ?? 0 }
    }

    private var blockLine: Int?
    private var blockIndent = 0

    package init(value: String, style: Style, location: SourceLocation) {
        self.value = value
        self.style = style
        self.location = location
    }

    /// Whether YAML reads it as null (`~`, `null`, empty plain).
    package var isNull: Bool {
        style == .plain && (value.isEmpty || value == "~" || value == "null" || value == "Null" || value == "NULL")
    }

    /// The location of the `offset`-th Unicode scalar of the value.
    package func location(atOffset offset: Int) -> SourceLocation {
        var loc = location
        switch style {
        case .plain:
            if !value.unicodeScalars.prefix(offset).contains("\n") { loc.column += offset }
        case .singleQuoted, .doubleQuoted:
            if !value.unicodeScalars.prefix(offset).contains("\n") { loc.column += 1 + offset }
        case .literal, .folded:
            guard let start = blockStart else { return loc }
            let before = value.unicodeScalars.prefix(offset)
            let lineIndex = before.filter { $0 == "\n" }.count
            let column = before.count - (before.lastIndex(of: "\n").map { before.distance(from: before.startIndex, to: $0) + 1 } ?? 0)
            loc.line = start.line + (style == .literal ? lineIndex : 0)
            loc.column = start.indent + 1 + (style == .literal ? column : offset)
        }
        return loc
    }
}

/// A YAML tree with locations, converted from Yams so that Yams types stay out of every signature.
package indirect enum YAMLNode: Sendable {
    case scalar(YAMLScalar)
    case mapping([(key: YAMLScalar, value: YAMLNode)], SourceLocation)
    case sequence([YAMLNode], SourceLocation)

    package var location: SourceLocation {
        switch self {
        case .scalar(let s): return s.location
        case .mapping(_, let l), .sequence(_, let l): return l
        }
    }

    /// `a mapping`, `a list`, `a string` — for "expected X, found Y".
    package var kindName: String {
        switch self {
        case .scalar(let s): return s.isNull ? "nothing" : "a scalar"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        }
    }
}

/// Parses YAML text into ``YAMLNode`` with limits against hostile input.
package enum YAMLDocument {
    /// Largest rule or overlay file accepted.
    package static let maxBytes = 4 << 20
    /// Nodes visited at most: aliases are expanded by copy, so this bounds "billion laughs" documents.
    package static let maxNodes = 200_000
    /// Deepest nesting accepted.
    package static let maxDepth = 64

    /// The root node of a file that must not be empty; a parse error or an empty file becomes a diagnostic.
    package static func root(_ text: String, file: String, ifEmpty message: String, diagnostics: inout [Diagnostic]) -> YAMLNode? {
        switch parse(text, file: file) {
        case .failure(let d):
            diagnostics.append(d)
            return nil
        case .success(nil):
            diagnostics.append(Diagnostic(at: SourceLocation(file: file, line: 1, column: 1), message))
            return nil
        case .success(let node?):
            return node
        }
    }

    package static func parse(_ text: String, file: String) -> Result<YAMLNode?, Diagnostic> {
        let start = SourceLocation(file: file, line: 1, column: 1)
        guard text.utf8.count <= maxBytes else {
            return .failure(Diagnostic(at: start, "file is \(text.utf8.count) bytes; the limit is \(maxBytes)"))
        }
        let root: Node?
        do {
            // The basic resolver tags nothing: scalars are read by their text and style, which avoids
            // Yams' regular-expression tag resolution for every plain scalar.
            root = try Yams.compose(yaml: text, .basic)
        } catch let error as YamlError {
            return .failure(diagnostic(error, file: file))
        } catch {
            return .failure(Diagnostic(at: start, "cannot read YAML: \(error)"))
        }
        guard let root else { return .success(Optional<YAMLNode>.none) }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var budget = maxNodes
        do {
            return .success(try convert(root, file: file, lines: lines, budget: &budget, depth: 0))
        } catch {
            return .failure(error.diagnostic)
        }
    }

    private struct LimitError: Error {
        var diagnostic: Diagnostic
    }

    private static func location(_ mark: Mark?, _ file: String) -> SourceLocation {
        SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    private static func convert(_ node: Node, file: String, lines: [Substring], budget: inout Int, depth: Int) throws(LimitError) -> YAMLNode {
        budget -= 1
        guard budget >= 0 else {
            throw LimitError(diagnostic: Diagnostic(at: location(node.mark, file),
                "document expands to more than \(maxNodes) nodes (aliases are expanded); refusing it"))
        }
        guard depth <= maxDepth else {
            throw LimitError(diagnostic: Diagnostic(at: location(node.mark, file), "document nests deeper than \(maxDepth) levels"))
        }
        switch node {
        case .scalar(let scalar):
            return .scalar(convert(scalar, file: file, lines: lines))
        case .mapping(let mapping):
            var pairs: [(key: YAMLScalar, value: YAMLNode)] = []
            for (key, value) in mapping {
                let keyScalar: YAMLScalar
                if case .scalar(let s) = key {
                    keyScalar = convert(s, file: file, lines: lines)
                } else {
                    throw LimitError(diagnostic: Diagnostic(at: location(key.mark, file), "mapping keys must be plain names"))
                }
                pairs.append((keyScalar, try convert(value, file: file, lines: lines, budget: &budget, depth: depth + 1)))
            }
            return .mapping(pairs, location(mapping.mark, file))
        case .sequence(let sequence):
            var items: [YAMLNode] = []
            for item in sequence {
                items.append(try convert(item, file: file, lines: lines, budget: &budget, depth: depth + 1))
            }
            return .sequence(items, location(sequence.mark, file))
        case .alias(let alias):
            throw LimitError(diagnostic: Diagnostic(at: location(alias.mark, file), "unresolved alias"))
        }
    }

    private static func convert(_ scalar: Node.Scalar, file: String, lines: [Substring]) -> YAMLScalar {
        let style: YAMLScalar.Style
        switch scalar.style {
        case .singleQuoted: style = .singleQuoted
        case .doubleQuoted: style = .doubleQuoted
        case .literal: style = .literal
        case .folded: style = .folded
        default: style = .plain
        }
        var result = YAMLScalar(value: scalar.string, style: style, location: location(scalar.mark, file))
        if style == .literal || style == .folded, let mark = scalar.mark {
            // Content starts on the first non-blank line after the indicator; its indentation is the block's.
            var line = mark.line + 1
            while line <= lines.count, lines[line - 1].allSatisfy({ $0 == " " }) { line += 1 }
            if line <= lines.count {
                let indent = lines[line - 1].prefix { $0 == " " }.count
                result.blockStart = (line, indent)
            }
        }
        return result
    }

    private static func diagnostic(_ error: YamlError, file: String) -> Diagnostic {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            var message = "invalid YAML: \(problem)"
            var notes: [String] = []
            if let context {
                message += " \(context.text)"
                notes.append("\(context.text.replacingPrefix("while ", with: "")) started at line \(context.mark.line), column \(context.mark.column)")
            }
            return Diagnostic(at: SourceLocation(file: file, line: mark.line, column: mark.column), message, notes: notes)
        case .reader(let problem, _, _, _):
            return Diagnostic(at: SourceLocation(file: file, line: 1, column: 1), "invalid YAML: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let mark = context.mark
            return Diagnostic(at: SourceLocation(file: file, line: mark.line, column: mark.column),
                              "duplicate key\(duplicates.count == 1 ? "" : "s") \(duplicates.map { "'\($0)'" }.joined(separator: ", ")) in mapping")
        default:
            return Diagnostic(at: SourceLocation(file: file, line: 1, column: 1), "invalid YAML: \(error)")
        }
    }
}

extension String {
    fileprivate func replacingPrefix(_ prefix: String, with replacement: String) -> String {
        hasPrefix(prefix) ? replacement + dropFirst(prefix.count) : self
    }
}

/// Limits on rule and overlay files, for embedders that read the files themselves.
public enum YAMLLimits {
    /// Largest rule or overlay file accepted, in bytes.
    public static var maxBytes: Int { YAMLDocument.maxBytes }
    /// Nodes visited at most (aliases are expanded by copy: this bounds "billion laughs").
    public static var maxNodes: Int { YAMLDocument.maxNodes }
}
