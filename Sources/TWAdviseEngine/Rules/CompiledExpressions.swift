/// The parsed expressions of a rule file, keyed by their exact text, in a compact form the build writes and a
/// run reads back without the lexer and parser: the `EmbedKnowledgeBase` plugin records every expression the
/// loader parses in a built-in rule file (``RuleLoader/recordedExpressions``), and a run looks each one up by
/// its text (``RuleLoader/parse(_:)``); a text not in the table is parsed as before. Names are still resolved
/// and types checked at run time, against the schema the rules are loaded with.
///
/// Body grammar (numbers in decimal, strings as `LENGTH:BYTES` in UTF-8, a range as `START,END:`):
/// - table: COUNT `:` then COUNT pairs of a key string and a node;
/// - node: `l` RANGE LITERAL | `n` RANGE NAME | `.` RANGE BASE FIELD | `u` RANGE OP OPERAND |
///   `b` RANGE OP LHS RHS | `c` RANGE NAME COUNT `:` ARGS | `x` RANGE FUNCTION VARIABLE COLLECTION BODY |
///   `[` RANGE COUNT `:` ITEMS;
/// - literal: `i` INT `:` | `f` BITS `:` (a float's bit pattern) | `d` BITS `:` (a duration's) | `s` STRING |
///   `t` | `F`.
///
/// The whole is sealed (``EmbeddedSeal``, tag ``tag``): a table whose checksum or version does not match is
/// not used at all.
package enum CompiledExpressions {
    /// The form's name and version in its seal.
    package static let tag = "twadvise-expressions/1"
    /// Deepest nesting decoded (the parser accepts 64 levels; each may take a few nodes).
    static let maxDepth = 512

    /// The sealed form of `table`, keys in sorted order (the same table always gives the same text).
    package static func encode(_ table: [String: Expr]) -> String {
        var out: [UInt8] = []
        out.appendDecimal(table.count)
        out.append(UInt8(ascii: ":"))
        for key in table.keys.sorted() {
            guard let expr = table[key] else { continue }
            out.appendString(key)
            write(expr, into: &out)
        }
        return EmbeddedSeal.seal(out, tag: tag)
    }

    /// The table `encode` wrote; `nil` when `text` is not that form, or is damaged.
    package static func decode(_ text: String) -> [String: Expr]? {
        var text = text
        return text.withUTF8 { sealed -> [String: Expr]? in
            guard let body = EmbeddedSeal.open(sealed, tag: tag) else { return nil }
            var reader = Reader(bytes: UnsafeBufferPointer(rebasing: sealed[body]))
            guard let count = reader.number(), reader.expect(":"), count <= reader.bytes.count else { return nil }
            var table: [String: Expr] = [:]
            table.reserveCapacity(count)
            for _ in 0..<count {
                guard let key = reader.string(), let expr = reader.node(depth: 0) else { return nil }
                table[key] = expr
            }
            return reader.position == reader.bytes.count && table.count == count ? table : nil
        }
    }

    // MARK: - Writing

    private static func range(_ range: TextRange, into out: inout [UInt8]) {
        out += Array("\(range.start),\(range.end):".utf8)
    }

    private static func write(_ expr: Expr, into out: inout [UInt8]) {
        switch expr {
        case .literal(let value, let r):
            out.append(UInt8(ascii: "l"))
            range(r, into: &out)
            switch value {
            case .int(let v): out += Array("i\(v):".utf8)
            case .float(let v): out += Array("f\(v.bitPattern):".utf8)
            case .duration(let v): out += Array("d\(v.bitPattern):".utf8)
            case .string(let v): out.append(UInt8(ascii: "s")); out.appendString(v)
            case .bool(let v): out.append(UInt8(ascii: v ? "t" : "F"))
            default:
                // The parser makes no other literal; a table with one would not decode, and is not written.
                preconditionFailure("CompiledExpressions: a literal the parser does not make: \(value)")
            }
        case .name(let name, let r):
            out.append(UInt8(ascii: "n"))
            range(r, into: &out)
            out.appendString(name)
        case .member(let base, let field, let r):
            out.append(UInt8(ascii: "."))
            range(r, into: &out)
            write(base, into: &out)
            out.appendString(field)
        case .unary(let op, let operand, let r):
            out.append(UInt8(ascii: "u"))
            range(r, into: &out)
            out.appendString(op)
            write(operand, into: &out)
        case .binary(let op, let lhs, let rhs, let r):
            out.append(UInt8(ascii: "b"))
            range(r, into: &out)
            out.appendString(op)
            write(lhs, into: &out)
            write(rhs, into: &out)
        case .call(let name, let arguments, let r):
            out.append(UInt8(ascii: "c"))
            range(r, into: &out)
            out.appendString(name)
            out.appendDecimal(arguments.count)
            out.append(UInt8(ascii: ":"))
            for argument in arguments { write(argument, into: &out) }
        case .comprehension(let function, let variable, let collection, let body, let r):
            out.append(UInt8(ascii: "x"))
            range(r, into: &out)
            out.appendString(function)
            out.appendString(variable)
            write(collection, into: &out)
            write(body, into: &out)
        case .list(let items, let r):
            out.append(UInt8(ascii: "["))
            range(r, into: &out)
            out.appendDecimal(items.count)
            out.append(UInt8(ascii: ":"))
            for item in items { write(item, into: &out) }
        }
    }

    // MARK: - Reading

    private struct Reader: EmbeddedByteReader {
        let bytes: UnsafeBufferPointer<UInt8>
        var position = 0

        init(bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
        }

        mutating func node(depth: Int) -> Expr? {
            guard depth <= CompiledExpressions.maxDepth, position < bytes.count else { return nil }
            let kind = bytes[position]
            position += 1
            guard let r = range() else { return nil }
            switch kind {
            case UInt8(ascii: "l"):
                guard position < bytes.count else { return nil }
                let literal = bytes[position]
                position += 1
                switch literal {
                case UInt8(ascii: "i"):
                    guard let v = signed(), expect(":") else { return nil }
                    return .literal(.int(v), r)
                case UInt8(ascii: "f"), UInt8(ascii: "d"):
                    guard let bits = unsigned(), expect(":") else { return nil }
                    let v = Double(bitPattern: bits)
                    return .literal(literal == UInt8(ascii: "f") ? .float(v) : .duration(v), r)
                case UInt8(ascii: "s"):
                    return string().map { .literal(.string($0), r) }
                case UInt8(ascii: "t"): return .literal(.bool(true), r)
                case UInt8(ascii: "F"): return .literal(.bool(false), r)
                default: return nil
                }
            case UInt8(ascii: "n"):
                return string().map { .name($0, r) }
            case UInt8(ascii: "."):
                guard let base = node(depth: depth + 1), let field = string() else { return nil }
                return .member(base, field, r)
            case UInt8(ascii: "u"):
                guard let op = string(), let operand = node(depth: depth + 1) else { return nil }
                return .unary(op, operand, r)
            case UInt8(ascii: "b"):
                guard let op = string(), let lhs = node(depth: depth + 1), let rhs = node(depth: depth + 1) else { return nil }
                return .binary(op, lhs, rhs, r)
            case UInt8(ascii: "c"), UInt8(ascii: "["):
                var name = ""
                if kind == UInt8(ascii: "c") {
                    guard let n = string() else { return nil }
                    name = n
                }
                guard let count = number(), expect(":"), count <= bytes.count - position else { return nil }
                var items: [Expr] = []
                items.reserveCapacity(count)
                for _ in 0..<count {
                    guard let item = node(depth: depth + 1) else { return nil }
                    items.append(item)
                }
                return kind == UInt8(ascii: "c") ? .call(name, items, r) : .list(items, r)
            case UInt8(ascii: "x"):
                guard let function = string(), let variable = string(), let collection = node(depth: depth + 1),
                      let body = node(depth: depth + 1) else { return nil }
                return .comprehension(function: function, variable: variable, collection: collection, body: body, range: r)
            default:
                return nil
            }
        }

        mutating func range() -> TextRange? {
            guard let start = number(), expect(","), let end = number(), expect(":") else { return nil }
            return TextRange(start, end)
        }
    }
}
