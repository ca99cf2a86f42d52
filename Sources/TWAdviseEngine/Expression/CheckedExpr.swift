/// An expression after type checking: names resolved to slots or fact paths, operators chosen by type.
package indirect enum CheckedExpr: Sendable {
    case constant(FactValue)
    /// A parameter, a `let` binding or an iteration variable.
    case slot(Int)
    /// A fact path from the root of the fact tree.
    case fact([String])
    /// A fact path resolved once per evaluation into the evaluator's cache at `index`.
    case cachedFact(Int, [String])
    /// A field of a record value; `path` names it in "missing" reports (`sockets.destinations[].time_wait`).
    case member(CheckedExpr, String, path: String)
    /// A field of the current item of a rule's `for_each`, read from a column built once per evaluation.
    case iterationField(Int, path: String)
    /// The field of every record of a list.
    case project(CheckedExpr, String, path: String)
    case negate(CheckedExpr)
    case not(CheckedExpr)
    case and(CheckedExpr, CheckedExpr)
    case or(CheckedExpr, CheckedExpr)
    case arithmetic(ArithmeticOperator, CheckedExpr, CheckedExpr, result: FactType)
    case compare(ComparisonOperator, CheckedExpr, CheckedExpr)
    case membership(CheckedExpr, CheckedExpr, negated: Bool)
    case call(Builtin, [CheckedExpr])
    case comprehension(Builtin, slot: Int, collection: CheckedExpr, body: CheckedExpr)
    case list([CheckedExpr])
}

package enum ArithmeticOperator: String, Sendable {
    case add = "+", subtract = "-", multiply = "*", divide = "/", remainder = "%"
}

/// Why an arithmetic result is undefined; the evaluators report ``message(for:)`` as the reason.
package enum ArithmeticFailure: Sendable {
    case overflow, divisionByZero, remainderByZero, nonFinite

    package func message(for op: ArithmeticOperator) -> String {
        switch self {
        case .overflow: return "integer overflow in '\(op.rawValue)'"
        case .divisionByZero: return "division by zero"
        case .remainderByZero: return "remainder by zero"
        case .nonFinite: return "non-finite result of '\(op.rawValue)'"
        }
    }
}

extension ArithmeticOperator {
    /// The one definition of integer arithmetic, for both evaluators: the result, or why it is undefined.
    /// Integers divide as doubles, so `.divide` is not defined here.
    @inline(__always)
    package func apply(_ x: Int64, _ y: Int64) -> (Int64, ArithmeticFailure?) {
        let (value, overflowed): (Int64, Bool)
        switch self {
        case .add: (value, overflowed) = x.addingReportingOverflow(y)
        case .subtract: (value, overflowed) = x.subtractingReportingOverflow(y)
        case .multiply: (value, overflowed) = x.multipliedReportingOverflow(by: y)
        case .remainder:
            if y == 0 { return (0, .remainderByZero) }
            (value, overflowed) = x.remainderReportingOverflow(dividingBy: y)
        case .divide: return (0, .divisionByZero)
        }
        return overflowed ? (0, .overflow) : (value, nil)
    }

    /// The one definition of floating-point arithmetic: the result, or why it is undefined.
    @inline(__always)
    package func apply(_ x: Double, _ y: Double) -> (Double, ArithmeticFailure?) {
        let value: Double
        switch self {
        case .add: value = x + y
        case .subtract: value = x - y
        case .multiply: value = x * y
        case .divide:
            if y == 0 { return (0, .divisionByZero) }
            value = x / y
        case .remainder:
            if y == 0 { return (0, .remainderByZero) }
            value = x.truncatingRemainder(dividingBy: y)
        }
        return value.isFinite ? (value, nil) : (0, .nonFinite)
    }
}

package enum ComparisonOperator: String, Sendable {
    case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
}

extension CheckedExpr {
    /// Rewrites every `.fact` into `.cachedFact`, giving each distinct path an index in `table`.
    /// Facts do not change during an evaluation, so each path is looked up once per rule, not per subject.
    package func indexingFacts(_ table: inout [[String]]) -> CheckedExpr {
        func go(_ e: CheckedExpr) -> CheckedExpr { e.indexingFacts(&table) }
        switch self {
        case .fact(let path):
            if let i = table.firstIndex(of: path) { return .cachedFact(i, path) }
            table.append(path)
            return .cachedFact(table.count - 1, path)
        case .constant, .slot, .cachedFact, .iterationField: return self
        case .member(let b, let f, let p): return .member(b.indexingFacts(&table), f, path: p)
        case .project(let b, let f, let p): return .project(b.indexingFacts(&table), f, path: p)
        case .negate(let a): return .negate(a.indexingFacts(&table))
        case .not(let a): return .not(a.indexingFacts(&table))
        case .and(let a, let b): let x = a.indexingFacts(&table); return .and(x, b.indexingFacts(&table))
        case .or(let a, let b): let x = a.indexingFacts(&table); return .or(x, b.indexingFacts(&table))
        case .arithmetic(let op, let a, let b, let r): let x = a.indexingFacts(&table); return .arithmetic(op, x, b.indexingFacts(&table), result: r)
        case .compare(let op, let a, let b): let x = a.indexingFacts(&table); return .compare(op, x, b.indexingFacts(&table))
        case .membership(let a, let b, let n): let x = a.indexingFacts(&table); return .membership(x, b.indexingFacts(&table), negated: n)
        case .call(let f, let args): return .call(f, args.map { $0.indexingFacts(&table) })
        case .comprehension(let f, let slot, let c, let body):
            let x = c.indexingFacts(&table)
            return .comprehension(f, slot: slot, collection: x, body: body.indexingFacts(&table))
        case .list(let items): return .list(items.map { $0.indexingFacts(&table) })
        }
    }
}

extension CheckedExpr {
    /// Rewrites `slot.field` for the iteration slot into `.iterationField`, collecting the fields in `fields`.
    package func columnizing(slot: Int, _ fields: inout [String]) -> CheckedExpr {
        func go(_ e: CheckedExpr) -> CheckedExpr { e.columnizing(slot: slot, &fields) }
        switch self {
        case .member(.slot(let s), let field, let path) where s == slot:
            if let i = fields.firstIndex(of: field) { return .iterationField(i, path: path) }
            fields.append(field)
            return .iterationField(fields.count - 1, path: path)
        case .constant, .slot, .fact, .cachedFact, .iterationField: return self
        case .member(let b, let f, let p): return .member(go(b), f, path: p)
        case .project(let b, let f, let p): return .project(go(b), f, path: p)
        case .negate(let a): return .negate(go(a))
        case .not(let a): return .not(go(a))
        case .and(let a, let b): let x = go(a); return .and(x, go(b))
        case .or(let a, let b): let x = go(a); return .or(x, go(b))
        case .arithmetic(let op, let a, let b, let r): let x = go(a); return .arithmetic(op, x, go(b), result: r)
        case .compare(let op, let a, let b): let x = go(a); return .compare(op, x, go(b))
        case .membership(let a, let b, let n): let x = go(a); return .membership(x, go(b), negated: n)
        case .call(let f, let args): return .call(f, args.map(go))
        case .comprehension(let f, let s, let c, let body): let x = go(c); return .comprehension(f, slot: s, collection: x, body: go(body))
        case .list(let items): return .list(items.map(go))
        }
    }
}

extension CheckedExpr {
    /// The fact paths this expression reads, the most specific form of each (`sockets.destinations[].in_use`,
    /// not `sockets.destinations`); `slots` gives the paths a `let` binding's slot reads.
    package func factPaths(slots: [Int: Set<String>]) -> Set<String> {
        func go(_ e: CheckedExpr) -> Set<String> { e.factPaths(slots: slots) }
        switch self {
        case .constant: return []
        case .slot(let i): return slots[i] ?? []
        case .fact(let p), .cachedFact(_, let p): return [p.joined(separator: ".")]
        case .member(let base, _, let path):
            switch base {
            case .slot(let i): return slots[i] ?? [path]  // a let binding's record reads what the binding reads
            case .fact, .cachedFact: return [path]
            default: return go(base)
            }
        case .iterationField(_, let path), .project(_, _, let path): return [path]
        case .negate(let a), .not(let a): return go(a)
        case .and(let a, let b), .or(let a, let b), .arithmetic(_, let a, let b, _), .compare(_, let a, let b),
             .membership(let a, let b, _):
            return go(a).union(go(b))
        case .call(_, let args), .list(let args): return args.reduce(into: []) { $0.formUnion(go($1)) }
        case .comprehension(_, _, let c, let body): return go(c).union(go(body))
        }
    }
}
