/// A YAML tree in a compact text form that the build writes and a run reads back without a YAML parser:
/// the built-in rules are parsed by libyaml once, when the package is built (the `EmbedKnowledgeBase`
/// plugin), and each run only decodes this form, which costs a small fraction of parsing the YAML again.
///
/// Grammar (every number in decimal, every string length-prefixed in UTF-8 bytes, so no escaping):
/// - scalar: `s` STYLE LINE `,` COLUMN [`;` BLOCKLINE `,` INDENT] `:` LENGTH `:` BYTES, STYLE one of `p'"|>`;
/// - mapping: `m` LINE `,` COLUMN `:` COUNT `:` then COUNT pairs of a key scalar and a node;
/// - sequence: `q` LINE `,` COLUMN `:` COUNT `:` then COUNT nodes.
///
/// File names are not stored: the reader names the file every location is in. The whole is sealed
/// (``EmbeddedSeal``, tag ``tag``): a form whose checksum or version does not match is not decoded.
package enum CompiledYAML {
    /// The form's name and version in its seal.
    package static let tag = "twadvise-yaml/1"

    /// The compact form of `node`.
    package static func encode(_ node: YAMLNode) -> String {
        var out: [UInt8] = []
        write(node, into: &out)
        return EmbeddedSeal.seal(out, tag: tag)
    }

    /// The tree `encode` wrote, with every location in `file`; `nil` when the text is not that form (a
    /// truncated, damaged or hand-edited file, or another version): the caller then parses the YAML text instead.
    ///
    /// With `skippingRuleTests`, the value of each rule's `tests:` key (a mapping's key two levels down:
    /// root → `rules:` list → rule) is read over, not built, and the key is left out: a diagnosis does not load
    /// the built-in rules' tests, which are a third of the tree.
    package static func decode(_ text: String, file: String, skippingRuleTests: Bool = false) -> YAMLNode? {
        var text = text
        return text.withUTF8 { sealed -> YAMLNode? in
            guard let body = EmbeddedSeal.open(sealed, tag: tag) else { return nil }
            let bytes = UnsafeBufferPointer(rebasing: sealed[body])
            var reader = Reader(bytes: bytes, file: file)
            reader.skipsRuleTests = skippingRuleTests
            guard let node = reader.node(depth: 0), reader.position == bytes.count else { return nil }
            return node
        }
    }

    private static func write(_ node: YAMLNode, into out: inout [UInt8]) {
        switch node {
        case .scalar(let scalar):
            write(scalar, into: &out)
        case .mapping(let pairs, let location):
            out.append(UInt8(ascii: "m"))
            header(location, count: pairs.count, into: &out)
            for (key, value) in pairs {
                write(key, into: &out)
                write(value, into: &out)
            }
        case .sequence(let items, let location):
            out.append(UInt8(ascii: "q"))
            header(location, count: items.count, into: &out)
            for item in items { write(item, into: &out) }
        }
    }

    private static func write(_ scalar: YAMLScalar, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "s"))
        let style: Character = switch scalar.style {
        case .plain: "p"
        case .singleQuoted: "'"
        case .doubleQuoted: "\""
        case .literal: "|"
        case .folded: ">"
        }
        out.append(style.asciiValue!)
        out += Array("\(scalar.location.line),\(scalar.location.column)".utf8)
        if let block = scalar.blockStart { out += Array(";\(block.line),\(block.indent)".utf8) }
        let value = Array(scalar.value.utf8)
        out += Array(":\(value.count):".utf8)
        out += value
    }

    private static func header(_ location: SourceLocation, count: Int, into out: inout [UInt8]) {
        out += Array("\(location.line),\(location.column):\(count):".utf8)
    }

    private struct Reader: EmbeddedByteReader {
        let bytes: UnsafeBufferPointer<UInt8>
        let file: String
        var position = 0
        var skipsRuleTests = false

        init(bytes: UnsafeBufferPointer<UInt8>, file: String) {
            self.bytes = bytes
            self.file = file
        }

        mutating func node(depth: Int) -> YAMLNode? {
            guard depth <= YAMLDocument.maxDepth, position < bytes.count else { return nil }
            let kind = bytes[position]
            switch kind {
            case UInt8(ascii: "s"):
                return scalar().map(YAMLNode.scalar)
            case UInt8(ascii: "m"), UInt8(ascii: "q"):
                position += 1
                guard let location = location(), expect(":"), let count = number(), expect(":"),
                      count <= bytes.count - position else { return nil }
                if kind == UInt8(ascii: "q") {
                    var items: [YAMLNode] = []
                    items.reserveCapacity(count)
                    for _ in 0..<count {
                        guard let item = node(depth: depth + 1) else { return nil }
                        items.append(item)
                    }
                    return .sequence(items, location)
                }
                var pairs: [(key: YAMLScalar, value: YAMLNode)] = []
                pairs.reserveCapacity(count)
                for _ in 0..<count {
                    guard position < bytes.count, bytes[position] == UInt8(ascii: "s"), let key = scalar() else { return nil }
                    if skipsRuleTests, depth == 2, key.value == "tests" {
                        guard skip(depth: depth + 1) else { return nil }
                        continue
                    }
                    guard let value = node(depth: depth + 1) else { return nil }
                    pairs.append((key, value))
                }
                return .mapping(pairs, location)
            default:
                return nil
            }
        }

        /// Reads over one node as ``node(depth:)`` would read it, building nothing; `false` where that fails.
        mutating func skip(depth: Int) -> Bool {
            guard depth <= YAMLDocument.maxDepth, position < bytes.count else { return false }
            let kind = bytes[position]
            position += 1
            switch kind {
            case UInt8(ascii: "s"):
                return skipScalarAfterKind()
            case UInt8(ascii: "m"), UInt8(ascii: "q"):
                guard number() != nil, expect(","), number() != nil, expect(":"), let count = number(), expect(":"),
                      count <= bytes.count - position else { return false }
                for _ in 0..<count {
                    if kind == UInt8(ascii: "m") {
                        guard position < bytes.count, bytes[position] == UInt8(ascii: "s") else { return false }
                        position += 1
                        guard skipScalarAfterKind() else { return false }
                    }
                    guard skip(depth: depth + 1) else { return false }
                }
                return true
            default:
                return false
            }
        }

        /// Reads over a scalar whose `s` was read.
        mutating func skipScalarAfterKind() -> Bool {
            guard position < bytes.count, "p'\"|>".utf8.contains(bytes[position]) else { return false }
            position += 1
            guard number() != nil, expect(","), number() != nil else { return false }
            if position < bytes.count, bytes[position] == UInt8(ascii: ";") {
                position += 1
                guard number() != nil, expect(","), number() != nil else { return false }
            }
            guard expect(":"), let length = number(), expect(":"), length <= bytes.count - position else { return false }
            position += length
            return true
        }

        mutating func scalar() -> YAMLScalar? {
            position += 1  // "s"
            guard position < bytes.count else { return nil }
            let style: YAMLScalar.Style
            switch bytes[position] {
            case UInt8(ascii: "p"): style = .plain
            case UInt8(ascii: "'"): style = .singleQuoted
            case UInt8(ascii: "\""): style = .doubleQuoted
            case UInt8(ascii: "|"): style = .literal
            case UInt8(ascii: ">"): style = .folded
            default: return nil
            }
            position += 1
            guard let location = location() else { return nil }
            var block: (line: Int, indent: Int)?
            if position < bytes.count, bytes[position] == UInt8(ascii: ";") {
                position += 1
                guard let line = number(), expect(","), let indent = number() else { return nil }
                block = (line, indent)
            }
            guard expect(":"), let length = number(), expect(":"), length <= bytes.count - position else { return nil }
            let value = String(decoding: UnsafeBufferPointer(rebasing: bytes[position..<position + length]), as: UTF8.self)
            position += length
            var scalar = YAMLScalar(value: value, style: style, location: location)
            scalar.blockStart = block
            return scalar
        }

        mutating func location() -> SourceLocation? {
            guard let line = number(), expect(","), let column = number() else { return nil }
            return SourceLocation(file: file, line: line, column: column)
        }

    }
}
