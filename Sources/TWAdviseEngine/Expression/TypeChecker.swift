/// Resolves names and checks types against a ``FactSchema``.
package struct TypeChecker {
    /// A name visible to an expression: a parameter, a `let` binding or an iteration variable.
    package struct Binding: Sendable {
        package var slot: Int
        package var type: FactType
        /// How the binding is described in messages ("parameter", "let binding", "iteration variable").
        package var kind: String
        /// The path its record fields are reported under when missing.
        package var path: String
    }

    package let schema: FactSchema
    package private(set) var bindings: [String: Binding] = [:]
    package private(set) var slotCount = 0

    package init(schema: FactSchema) {
        self.schema = schema
    }

    /// Declares a name; fails when it would hide a fact or another name.
    package mutating func declare(_ name: String, type: FactType, kind: String, path: String? = nil) -> Result<Int, DeclarationError> {
        if schema.root.fields[name] != nil { return .failure(DeclarationError(message: "\(kind) '\(name)' hides the fact '\(name)'")) }
        if let existing = bindings[name] { return .failure(DeclarationError(message: "'\(name)' is already declared as a \(existing.kind)")) }
        if Builtin(rawValue: name) != nil || Lexer.keywords.contains(name) { return .failure(DeclarationError(message: "'\(name)' is a reserved name")) }
        let slot = slotCount
        slotCount += 1
        bindings[name] = Binding(slot: slot, type: type, kind: kind, path: path ?? name)
        return .success(slot)
    }

    package struct DeclarationError: Error, Sendable {
        package var message: String
    }

    /// `let:` names whose expression has an error: a use of one is an error that follows from it.
    package var failedBindings: Set<String> = []

    package mutating func undeclare(_ name: String) {
        bindings[name] = nil
    }

    /// Checks `expr`, returning its resolved form and type.
    package mutating func check(_ expr: Expr) throws(ExpressionError) -> (CheckedExpr, FactType) {
        switch expr {
        case .literal(let value, _):
            return (.constant(value), Self.type(of: value))
        case .name(let name, let range):
            if let binding = bindings[name] { return (.slot(binding.slot), binding.type) }
            if let spec = schema.root.fields[name] { return (.fact([name]), spec.type) }
            if failedBindings.contains(name) { throw ExpressionError(range, "'\(name)' has an error where it is bound", followsFrom: name) }
            let candidates = Array(bindings.keys) + Array(schema.root.fields.keys)
            throw ExpressionError(range, "unknown name '\(name)'", notes: Suggestions.note(for: name, in: candidates))
        case .member(let baseExpr, let field, let range):
            let (base, baseType) = try check(baseExpr)
            let record: RecordType
            var isList = false
            switch baseType {
            case .record(let r): record = r
            case .list(.record(let r)): record = r; isList = true
            default:
                throw ExpressionError(range, "'\(baseExpr.dottedPath ?? "value")' is \(baseType), which has no field '\(field)'")
            }
            guard let spec = record.fields[field] else {
                let close = Suggestions.closest(to: field, in: record.fields.keys)
                throw ExpressionError(range, "\(describe(baseExpr)) has no field '\(field)'" + (close.map { "; did you mean '\($0)'?" } ?? ""))
            }
            let path = (reportPath(baseExpr) ?? record.name) + (isList ? "[]." : ".") + field
            if isList { return (.project(base, field, path: path), .list(spec.type)) }
            if case .fact(let basePath) = base { return (.fact(basePath + [field]), spec.type) }
            return (.member(base, field, path: path), spec.type)
        case .unary(let op, let operandExpr, let range):
            let (operand, type) = try check(operandExpr)
            if op == "not" {
                guard type == .bool else { throw ExpressionError(range, "'not' needs a bool, found \(type)") }
                return (.not(operand), .bool)
            }
            guard type.isNumeric || type == .duration else { throw ExpressionError(range, "'-' needs a number or duration, found \(type)") }
            return (.negate(operand), type)
        case .binary(let op, let lhsExpr, let rhsExpr, let range):
            return try checkBinary(op, lhsExpr, rhsExpr, range)
        case .list(let items, let range):
            var checked: [CheckedExpr] = []
            var element: FactType?
            for item in items {
                let (c, t) = try check(item)
                if let e = element, e != t {
                    if e.isNumeric && t.isNumeric { element = .float } else {
                        throw ExpressionError(item.range, "list items must have one type: \(e) and \(t)")
                    }
                } else {
                    element = element ?? t
                }
                checked.append(c)
            }
            guard let element else { throw ExpressionError(range, "an empty list has no type; leave it out") }
            return (.list(checked), .list(element))
        case .call(let name, let arguments, let range):
            return try checkCall(name, arguments, range)
        case .comprehension(let name, let variable, let collectionExpr, let bodyExpr, let range):
            guard let builtin = Builtin(rawValue: name), builtin.takesComprehension else {
                throw ExpressionError(range, "'\(name)' does not take the 'x in list: ...' form",
                                      notes: ["it is taken by any, all, count, sum, min and max"])
            }
            let (collection, collectionType) = try check(collectionExpr)
            guard case .list(let element) = collectionType else {
                throw ExpressionError(collectionExpr.range, "'\(variable) in ...' needs a list, found \(collectionType)")
            }
            let slot: Int
            switch declare(variable, type: element, kind: "iteration variable", path: (reportPath(collectionExpr) ?? variable) + "[]") {
            case .success(let s): slot = s
            case .failure(let error): throw ExpressionError(range, error.message)
            }
            defer { undeclare(variable) }
            let (body, bodyType) = try check(bodyExpr)
            switch builtin {
            case .any, .all, .count:
                guard bodyType == .bool else { throw ExpressionError(bodyExpr.range, "'\(name)' needs a bool condition, found \(bodyType)") }
                return (.comprehension(builtin, slot: slot, collection: collection, body: body), builtin == .count ? .int : .bool)
            default:
                guard bodyType.isNumeric || bodyType == .duration else {
                    throw ExpressionError(bodyExpr.range, "'\(name)' needs a number, found \(bodyType)")
                }
                return (.comprehension(builtin, slot: slot, collection: collection, body: body), bodyType)
            }
        }
    }

    private func describe(_ expr: Expr) -> String { expr.dottedPath ?? "value" }

    private func reportPath(_ expr: Expr) -> String? {
        switch expr {
        case .name(let n, _): return bindings[n]?.path ?? n
        case .member(let base, let field, _): return reportPath(base).map { $0 + "." + field }
        default: return nil
        }
    }

    static func type(of value: FactValue) -> FactType {
        switch value {
        case .int: return .int
        case .float: return .float
        case .bool: return .bool
        case .string: return .string
        case .duration: return .duration
        case .version: return .version
        case .list(let items): return .list(items.first.map(type(of:)) ?? .int)
        case .record: return .record(RecordType(name: "record", fields: [:]))
        case .table(let table):
            let fields = table.columns.mapValues { FieldSpec($0.type, "") }
            return .list(.record(RecordType(name: "record", fields: fields)))
        case .unknown: return .int
        }
    }

    private mutating func checkBinary(_ op: String, _ lhsExpr: Expr, _ rhsExpr: Expr, _ range: TextRange) throws(ExpressionError) -> (CheckedExpr, FactType) {
        // Both operands are checked even when the left one fails: every mistake of the expression is reported.
        let left: (CheckedExpr, FactType)
        do {
            left = try check(lhsExpr)
        } catch {
            var first = error
            do {
                _ = try check(rhsExpr)
            } catch {
                first.others += [error] + error.others
                first.others[first.others.count - 1 - error.others.count].others = []
            }
            throw first
        }
        var (lhs, lt) = left
        var (rhs, rt) = try check(rhsExpr)
        switch op {
        case "and", "or":
            guard lt == .bool else { throw ExpressionError(lhsExpr.range, "'\(op)' needs bool operands, found \(lt)") }
            guard rt == .bool else { throw ExpressionError(rhsExpr.range, "'\(op)' needs bool operands, found \(rt)") }
            return (op == "and" ? .and(lhs, rhs) : .or(lhs, rhs), .bool)
        case "in", "not in":
            guard case .list(let element) = rt else { throw ExpressionError(rhsExpr.range, "'\(op)' needs a list on the right, found \(rt)") }
            guard element == lt || (element.isNumeric && lt.isNumeric) else {
                throw ExpressionError(range, "cannot look for \(lt) in a list of \(element)")
            }
            return (.membership(lhs, rhs, negated: op == "not in"), .bool)
        case "==", "!=", "<", "<=", ">", ">=":
            // A string literal compared with a version is a version literal: `kernel.version >= "4.12"`.
            if lt == .version, rt == .string { (rhs, rt) = try versionLiteral(rhs, rhsExpr) }
            if rt == .version, lt == .string { (lhs, lt) = try versionLiteral(lhs, lhsExpr) }
            let comparable = lt == rt || (lt.isNumeric && rt.isNumeric)
            guard comparable else { throw ExpressionError(range, "cannot compare \(lt) with \(rt)") }
            if op != "==" && op != "!=" {
                guard lt.isNumeric || lt == .duration || lt == .version || lt == .string else {
                    throw ExpressionError(range, "'\(op)' does not order \(lt) values")
                }
            } else {
                if case .list = lt { throw ExpressionError(range, "lists cannot be compared with '\(op)'") }
                if case .record = lt { throw ExpressionError(range, "records cannot be compared with '\(op)'") }
            }
            return (.compare(ComparisonOperator(rawValue: op)!, lhs, rhs), .bool)
        default:
            let arithmetic = ArithmeticOperator(rawValue: op)!
            let result: FactType
            switch (arithmetic, lt, rt) {
            case (.add, .string, .string): result = .string
            case (_, .int, .int): result = arithmetic == .divide ? .float : .int
            case (_, let a, let b) where a.isNumeric && b.isNumeric: result = .float
            case (.add, .duration, .duration), (.subtract, .duration, .duration): result = .duration
            case (.multiply, .duration, let n) where n.isNumeric: result = .duration
            case (.multiply, let n, .duration) where n.isNumeric: result = .duration
            case (.divide, .duration, let n) where n.isNumeric: result = .duration
            case (.divide, .duration, .duration): result = .float
            default:
                throw ExpressionError(range, "'\(op)' cannot combine \(lt) and \(rt)")
            }
            return (.arithmetic(arithmetic, lhs, rhs, result: result), result)
        }
    }

    private func versionLiteral(_ checked: CheckedExpr, _ expr: Expr) throws(ExpressionError) -> (CheckedExpr, FactType) {
        guard case .constant(.string(let text)) = checked else {
            throw ExpressionError(expr.range, "a version compares with a version or a string literal; use version(...)")
        }
        guard let version = Version(parsing: text), text.unicodeScalars.allSatisfy({ ($0 >= "0" && $0 <= "9") || $0 == "." }) else {
            throw ExpressionError(expr.range, "'\(text)' is not a version such as \"4.12\"")
        }
        return (.constant(.version(version)), .version)
    }

    private mutating func checkCall(_ name: String, _ arguments: [Expr], _ range: TextRange) throws(ExpressionError) -> (CheckedExpr, FactType) {
        guard let builtin = Builtin(rawValue: name) else {
            throw ExpressionError(range, "unknown function '\(name)'", notes: Suggestions.note(for: name, in: Builtin.allCases.map(\.rawValue)))
        }
        if builtin == .has {
            guard arguments.count == 1, arguments[0].dottedPath != nil else {
                throw ExpressionError(range, "'has' takes one fact path, as in has(sysctl.tcp_tw_reuse)")
            }
        }
        var checked: [CheckedExpr] = []
        var types: [FactType] = []
        for argument in arguments {
            let (c, t) = try check(argument)
            checked.append(c)
            types.append(t)
        }
        func arity(_ n: Int) throws(ExpressionError) {
            guard arguments.count == n else {
                throw ExpressionError(range, "'\(name)' takes \(n) argument\(n == 1 ? "" : "s"), found \(arguments.count)", notes: ["usage: \(builtin.signature)"])
            }
        }
        func fail(_ message: String) -> ExpressionError {
            ExpressionError(range, message, notes: ["usage: \(builtin.signature)"])
        }
        switch builtin {
        case .min, .max:
            if arguments.count == 1 {
                guard case .list(let e) = types[0], e.isNumeric || e == .duration || e == .version else { throw fail("'\(name)' of one argument needs a list of numbers") }
                return (.call(builtin, checked), e)
            }
            guard arguments.count >= 2 else { throw fail("'\(name)' needs a list or at least two values") }
            if types.allSatisfy({ $0 == .int }) { return (.call(builtin, checked), .int) }
            if types.allSatisfy(\.isNumeric) { return (.call(builtin, checked), .float) }
            if types.allSatisfy({ $0 == .duration }) { return (.call(builtin, checked), .duration) }
            throw fail("'\(name)' needs numbers of one kind, found \(types.map(\.description).joined(separator: ", "))")
        case .abs:
            try arity(1)
            guard types[0].isNumeric || types[0] == .duration else { throw fail("'abs' needs a number, found \(types[0])") }
            return (.call(builtin, checked), types[0])
        case .ceil, .floor:
            try arity(1)
            guard types[0].isNumeric else { throw fail("'\(name)' needs a number, found \(types[0])") }
            return (.call(builtin, checked), .int)
        case .first:
            try arity(1)
            guard case .list(let element) = types[0] else { throw fail("'first' needs a list, found \(types[0])") }
            return (.call(builtin, checked), element)
        case .count:
            try arity(1)
            guard case .list = types[0] else { throw fail("'count' needs a list, found \(types[0])") }
            return (.call(builtin, checked), .int)
        case .sum:
            try arity(1)
            guard case .list(let e) = types[0], e.isNumeric || e == .duration else { throw fail("'sum' needs a list of numbers, found \(types[0])") }
            return (.call(builtin, checked), e)
        case .any, .all:
            try arity(1)
            guard types[0] == .list(.bool) else { throw fail("'\(name)' needs a list of bool, found \(types[0])") }
            return (.call(builtin, checked), .bool)
        case .has:
            return (.call(builtin, checked), .bool)
        case .contains, .startsWith:
            try arity(2)
            guard types[0] == .string, types[1] == .string else { throw fail("'\(name)' needs two strings, found \(types[0]) and \(types[1])") }
            return (.call(builtin, checked), .bool)
        case .str:
            try arity(1)
            return (.call(builtin, checked), .string)
        case .version:
            try arity(1)
            guard types[0] == .string else { throw fail("'version' needs a string, found \(types[0])") }
            if case .constant(.string(let text)) = checked[0], Version(parsing: text) == nil {
                throw ExpressionError(arguments[0].range, "'\(text)' is not a version such as \"4.12\"")
            }
            return (.call(builtin, checked), .version)
        case .default:
            try arity(2)
            guard types[0] == types[1] || (types[0].isNumeric && types[1].isNumeric) else {
                throw fail("'default' needs a fallback of the value's type: \(types[0]), found \(types[1])")
            }
            return (.call(builtin, checked), types[0] == types[1] ? types[0] : .float)
        }
    }
}
