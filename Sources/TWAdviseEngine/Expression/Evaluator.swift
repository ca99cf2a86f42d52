/// Evaluates checked expressions with three-valued logic: an unknown input makes the result unknown
/// (never a silent zero or false), except where the known part decides (`false and unknown` is false).
///
/// Side-effect free by construction: the only inputs are the fact tree and the slot values.
package struct Evaluator {
    package let facts: FactValue
    package var slots: [FactValue]
    /// Fact paths found unknown while evaluating.
    package var missing: Set<String> = []
    /// Why a result was undefined although its inputs were known (division by zero, overflow).
    package var undefined: Set<String> = []
    /// Fact values resolved so far, by the index `.cachedFact` carries.
    private var factCache: [FactValue?]
    /// Columns of the collection a rule iterates over (one per field it reads), and the current item.
    package var columns: [[FactValue]] = []
    package var currentIndex = 0
    /// Typed columns shared by the rules of one evaluation; with it, comprehensions over long lists run as
    /// loops over columns (``VectorEvaluator``) instead of one walk of the body per item.
    package var store: ColumnStore?

    package init(facts: FactValue, slotCount: Int, factPaths: Int = 0) {
        self.facts = facts
        self.slots = [FactValue](repeating: .unknown, count: slotCount)
        self.factCache = [FactValue?](repeating: nil, count: factPaths)
    }

    private func lookup(_ path: [String]) -> FactValue {
        var value = facts
        for step in path { value = value[step] }
        return value
    }

    package mutating func evaluate(_ expr: CheckedExpr) -> FactValue {
        switch expr {
        case .constant(let v):
            return v
        case .slot(let i):
            return slots[i]
        case .iterationField(let column, let path):
            let value = columns[column][currentIndex]
            if value.isUnknown { missing.insert(path) }
            return value
        case .fact(let path):
            let value = lookup(path)
            if value.isUnknown { missing.insert(path.joined(separator: ".")) }
            return value
        case .cachedFact(let index, let path):
            let value: FactValue
            if let cached = factCache[index] {
                value = cached
            } else {
                value = lookup(path)
                factCache[index] = value
            }
            if value.isUnknown { missing.insert(path.joined(separator: ".")) }
            return value
        case .member(let base, let field, let path):
            let b = evaluate(base)
            if b.isUnknown { return .unknown }
            let value = b[field]
            if value.isUnknown { missing.insert(path) }
            return value
        case .project(let base, let field, let path):
            guard let items = evaluate(base).listItems else { return .unknown }
            var result: [FactValue] = []
            result.reserveCapacity(items.count)
            for item in items {
                let value = item[field]
                if value.isUnknown { missing.insert(path) }
                result.append(value)
            }
            return .list(result)
        case .negate(let operand):
            switch evaluate(operand) {
            case .int(let v): return v == .min ? overflow("negation") : .int(-v)
            case .float(let v): return .float(-v)
            case .duration(let v): return .duration(-v)
            default: return .unknown
            }
        case .not(let operand):
            guard case .bool(let b) = evaluate(operand) else { return .unknown }
            return .bool(!b)
        case .and(let lhs, let rhs):
            let l = evaluate(lhs)
            if l == .bool(false) { return .bool(false) }
            let r = evaluate(rhs)
            if r == .bool(false) { return .bool(false) }
            if l == .bool(true) && r == .bool(true) { return .bool(true) }
            return .unknown
        case .or(let lhs, let rhs):
            let l = evaluate(lhs)
            if l == .bool(true) { return .bool(true) }
            let r = evaluate(rhs)
            if r == .bool(true) { return .bool(true) }
            if l == .bool(false) && r == .bool(false) { return .bool(false) }
            return .unknown
        case .arithmetic(let op, let lhs, let rhs, let result):
            return arithmetic(op, evaluate(lhs), evaluate(rhs), result)
        case .compare(let op, let lhs, let rhs):
            return compare(op, evaluate(lhs), evaluate(rhs))
        case .membership(let needle, let haystack, let negated):
            let n = evaluate(needle)
            guard !n.isUnknown, let items = evaluate(haystack).listItems else { return .unknown }
            var sawUnknown = false
            for item in items {
                if item.isUnknown { sawUnknown = true; continue }
                if compare(.equal, n, item) == .bool(true) { return .bool(!negated) }
            }
            return sawUnknown ? .unknown : .bool(negated)
        case .call(let builtin, let arguments):
            return call(builtin, arguments)
        case .comprehension(let builtin, let slot, let collection, let body):
            guard let items = evaluate(collection).listItems else { return .unknown }
            if let store, items.count >= VectorEvaluator.minimumRows,
               let value = vectorComprehension(builtin, slot: slot, collection: collection, body: body, items: items, store: store) {
                return value
            }
            let saved = slots[slot]
            defer { slots[slot] = saved }
            var values: [FactValue] = []
            values.reserveCapacity(items.count)
            for item in items {
                slots[slot] = item
                let v = evaluate(body)
                // any/all can decide early
                if builtin == .any && v == .bool(true) { return .bool(true) }
                if builtin == .all && v == .bool(false) { return .bool(false) }
                values.append(v)
            }
            if builtin == .count {
                if values.contains(where: \.isUnknown) { return .unknown }
                return .int(Int64(values.filter { $0 == .bool(true) }.count))
            }
            return aggregate(builtin, values)
        case .list(let items):
            return .list(items.map { evaluate($0) })
        }
    }

    /// Evaluates a condition: `true`, `false`, or `nil` for unknown.
    package mutating func condition(_ expr: CheckedExpr) -> Bool? {
        evaluate(expr).bool
    }

    private mutating func overflow(_ what: String) -> FactValue {
        undefined.insert("integer overflow in \(what)")
        return .unknown
    }

    private mutating func arithmetic(_ op: ArithmeticOperator, _ l: FactValue, _ r: FactValue, _ result: FactType) -> FactValue {
        if l.isUnknown || r.isUnknown { return .unknown }
        switch (l, r) {
        case (.string(let a), .string(let b)):
            return .string(a + b)
        case (.int(let a), .int(let b)) where op != .divide:
            let (value, failure) = op.apply(a, b)
            if let failure {
                undefined.insert(failure.message(for: op))
                return .unknown
            }
            return .int(value)
        default:
            guard let a = l.number, let b = r.number else { return .unknown }
            let (value, failure) = op.apply(a, b)
            if let failure {
                undefined.insert(failure.message(for: op))
                return .unknown
            }
            return result == .duration ? .duration(value) : .float(value)
        }
    }

    package func compare(_ op: ComparisonOperator, _ l: FactValue, _ r: FactValue) -> FactValue {
        if l.isUnknown || r.isUnknown { return .unknown }
        let order: Int
        switch (l, r) {
        case (.int(let a), .int(let b)): order = a < b ? -1 : (a == b ? 0 : 1)
        case (.string(let a), .string(let b)): order = a < b ? -1 : (a == b ? 0 : 1)
        case (.version(let a), .version(let b)): order = a < b ? -1 : (a == b ? 0 : 1)
        case (.bool(let a), .bool(let b)): order = a == b ? 0 : (a ? 1 : -1)
        default:
            guard let a = l.number, let b = r.number else { return .unknown }
            order = a < b ? -1 : (a == b ? 0 : 1)
        }
        switch op {
        case .equal: return .bool(order == 0)
        case .notEqual: return .bool(order != 0)
        case .less: return .bool(order < 0)
        case .lessOrEqual: return .bool(order <= 0)
        case .greater: return .bool(order > 0)
        case .greaterOrEqual: return .bool(order >= 0)
        }
    }

    private mutating func call(_ builtin: Builtin, _ arguments: [CheckedExpr]) -> FactValue {
        switch builtin {
        case .has:
            var probe = self
            probe.missing = []
            return .bool(!probe.evaluate(arguments[0]).isUnknown)
        case .default:
            var probe = self
            probe.missing = []
            let value = probe.evaluate(arguments[0])
            if !value.isUnknown {
                undefined.formUnion(probe.undefined)
                return value
            }
            return evaluate(arguments[1])
        default:
            break
        }
        let values = arguments.map { evaluate($0) }
        switch builtin {
        case .min, .max:
            if values.count == 1 {
                guard let items = values[0].listItems else { return .unknown }
                return aggregate(builtin, Array(items))
            }
            return aggregate(builtin, values)
        case .abs:
            switch values[0] {
            case .int(let v): return v == .min ? overflow("abs") : .int(Swift.abs(v))
            case .float(let v): return .float(Swift.abs(v))
            case .duration(let v): return .duration(Swift.abs(v))
            default: return .unknown
            }
        case .ceil, .floor:
            guard let n = values[0].number else { return .unknown }
            let r = builtin == .ceil ? n.rounded(.up) : n.rounded(.down)
            guard r.isFinite, abs(r) < 9.2e18 else { return overflow(builtin.rawValue) }
            return .int(Int64(r))
        case .first:
            guard let items = values[0].listItems, let head = items.first else { return .unknown }
            return head
        case .count:
            guard let items = values[0].listItems else { return .unknown }
            return .int(Int64(items.count))
        case .sum, .any, .all:
            guard let items = values[0].listItems else { return .unknown }
            return aggregate(builtin, Array(items))
        case .contains, .startsWith:
            guard case .string(let a) = values[0], case .string(let b) = values[1] else { return .unknown }
            return .bool(builtin == .contains ? a.contains(b) : a.hasPrefix(b))
        case .str:
            return values[0].isUnknown ? .unknown : .string(values[0].description)
        case .version:
            guard case .string(let text) = values[0] else { return .unknown }
            return Version(parsing: text).map(FactValue.version) ?? .unknown
        case .has, .default:
            return .unknown
        }
    }

    private mutating func aggregate(_ builtin: Builtin, _ values: [FactValue]) -> FactValue {
        switch builtin {
        case .any:
            if values.contains(.bool(true)) { return .bool(true) }
            return values.allSatisfy { $0 == .bool(false) } ? .bool(false) : .unknown
        case .all:
            if values.contains(.bool(false)) { return .bool(false) }
            return values.allSatisfy { $0 == .bool(true) } ? .bool(true) : .unknown
        case .sum:
            if values.contains(where: \.isUnknown) { return .unknown }
            if values.allSatisfy({ if case .int = $0 { return true } else { return false } }) {
                var total: Int64 = 0
                for case .int(let v) in values {
                    let (next, o) = total.addingReportingOverflow(v)
                    if o { return overflow("sum") }
                    total = next
                }
                return .int(total)
            }
            let total = values.compactMap(\.number).reduce(0, +)
            if case .duration = values.first { return .duration(total) }
            return .float(total)
        case .min, .max:
            guard !values.isEmpty, !values.contains(where: \.isUnknown) else { return .unknown }
            var best = values[0]
            for v in values.dropFirst() {
                let better = compare(builtin == .min ? .less : .greater, v, best) == .bool(true)
                if better { best = v }
            }
            if values.contains(where: { if case .float = $0 { return true } else { return false } }), let n = best.number {
                return .float(n)
            }
            return best
        default:
            return .unknown
        }
    }
}
