/// Columns of iterated collections, built once per evaluation and shared by every rule that reads them.
///
/// Confined to one ``RuleSet/evaluate(_:profile:)`` call; never shared across tasks.
package final class ColumnStore {
    private var values: [String: [FactValue]] = [:]
    private var typed: [String: Column] = [:]

    package init() {}

    private static func key(_ path: String?, _ field: String?) -> String? {
        path.map { $0 + "|" + (field ?? "") }
    }

    /// The field of every item (`field == nil`: the items themselves); cached by `path` when the
    /// collection is a fact path. A table's field comes from its column, without building its records.
    package func values(of items: FactRows, path: String?, field: String?) -> [FactValue] {
        let key = Self.key(path, field)
        if let key, let column = values[key], column.count == items.count { return column }
        let column: [FactValue]
        if let field, let cells = items.table?.columns[field] {
            column = (0..<items.count).map(cells.value(at:))
        } else {
            column = field.map { f in items.map { $0[f] } } ?? Array(items)
        }
        if let key { values[key] = column }
        return column
    }

    /// The same values as ``values(of:path:field:)``, stored by type; a table's typed column is taken as it is.
    package func column(of items: FactRows, path: String?, field: String?) -> Column {
        let key = Self.key(path, field)
        if let key, let column = typed[key] { return column }
        let column: Column
        if let field, let cells = items.table?.columns[field] {
            column = Column(cells)
        } else {
            column = Column(values(of: items, path: path, field: field))
        }
        if let key { typed[key] = column }
        return column
    }
}

/// Evaluates an expression for every row of a collection at once, giving the same value per row as
/// ``Evaluator`` would, one row at a time.
///
/// Row-independent parts are evaluated once by the scalar evaluator; numeric comparisons, arithmetic and
/// logic run as loops over typed columns; anything else falls back to the scalar evaluator row by row.
/// ``sawUnknown`` tells the caller when some row met an unknown value or an undefined operation, so that
/// callers that must report *which* facts were missing can redo those rows one at a time.
package struct VectorEvaluator {
    /// Below this many rows, row by row is as fast and simpler.
    package static let minimumRows = 32

    package let rows: Int
    private let rowSlot: Int
    private let items: FactRows
    /// Rule mode: the fields `.iterationField` indexes name. Comprehension mode (`nil`): `.iterationField`
    /// belongs to an enclosing rule's iteration and is the same for every row here.
    private let fieldNames: [String]?
    private let path: String?
    private let store: ColumnStore
    private var scalar: Evaluator
    private var letColumns: [Int: Column] = [:]
    package private(set) var sawUnknown = false

    package init(items: FactRows, slot: Int, fieldNames: [String]?, path: String?, store: ColumnStore, scalar: Evaluator) {
        self.rows = items.count
        self.rowSlot = slot
        self.items = items
        self.fieldNames = fieldNames
        self.path = path
        self.store = store
        self.scalar = scalar
    }

    /// Evaluates a `let` for every row and binds its slot for what follows.
    package mutating func bind(_ slot: Int, _ expr: CheckedExpr) {
        let column = evaluate(expr)
        if case .scalar(let value) = column {
            scalar.slots[slot] = value
        } else {
            letColumns[slot] = column
        }
    }

    private func dependsOnRow(_ e: CheckedExpr) -> Bool {
        switch e {
        case .constant, .fact, .cachedFact: return false
        case .slot(let s): return s == rowSlot || letColumns[s] != nil
        case .iterationField: return fieldNames != nil
        case .member(let b, _, _), .project(let b, _, _), .negate(let b), .not(let b): return dependsOnRow(b)
        case .and(let a, let b), .or(let a, let b), .arithmetic(_, let a, let b, _), .compare(_, let a, let b),
             .membership(let a, let b, _):
            return dependsOnRow(a) || dependsOnRow(b)
        case .call(_, let args), .list(let args): return args.contains(where: dependsOnRow)
        case .comprehension(_, _, let c, let body): return dependsOnRow(c) || dependsOnRow(body)
        }
    }

    private mutating func field(_ name: String?) -> Column {
        let column = store.column(of: items, path: path, field: name)
        if column.hasUnknown { sawUnknown = true }
        return column
    }

    package mutating func evaluate(_ e: CheckedExpr) -> Column {
        guard dependsOnRow(e) else { return .scalar(once(e)) }
        switch e {
        case .iterationField(let i, _):
            return field(fieldNames![i])
        case .member(.slot(let s), let name, _) where s == rowSlot:
            return field(name)
        case .slot(let s):
            return s == rowSlot ? field(nil) : letColumns[s]!
        case .not(let a):
            guard let t = evaluate(a).truth(rows: rows) else { return rowByRow(e) }
            return .bools(t.map { $0 == Column.unknownByte ? $0 : 1 - $0 })
        case .and(let a, let b), .or(let a, let b):
            let isAnd: Bool
            if case .and = e { isAnd = true } else { isAnd = false }
            guard let l = evaluate(a).truth(rows: rows), let r = evaluate(b).truth(rows: rows) else { return rowByRow(e) }
            return .bools(Column.logic(and: isAnd, l, r))
        case .compare(let op, let a, let b):
            let l = evaluate(a), r = evaluate(b)
            if let result = Column.compare(op, l, r, rows: rows) { return result }
            return .bools((0..<rows).map { Column.truthByte(scalar.compare(op, l.value(at: $0), r.value(at: $0))) })
        case .arithmetic(let op, let a, let b, let type):
            var undefined: Set<String> = []
            guard let result = Column.arithmetic(op, evaluate(a), evaluate(b), result: type, rows: rows, undefined: &undefined) else {
                return rowByRow(e)
            }
            if !undefined.isEmpty { sawUnknown = true }
            return result
        default:
            return rowByRow(e)
        }
    }

    /// A row-independent expression, evaluated once.
    private mutating func once(_ e: CheckedExpr) -> FactValue {
        scalar.missing = []
        scalar.undefined = []
        let value = scalar.evaluate(e)
        if value.isUnknown || !scalar.missing.isEmpty || !scalar.undefined.isEmpty { sawUnknown = true }
        return value
    }

    /// The scalar evaluator, one row at a time, with the row's item and `let` values bound.
    private mutating func rowByRow(_ e: CheckedExpr) -> Column {
        var out: [FactValue] = []
        out.reserveCapacity(rows)
        for row in 0..<rows {
            if fieldNames != nil { scalar.currentIndex = row }
            scalar.slots[rowSlot] = items[row]
            for (slot, column) in letColumns { scalar.slots[slot] = column.value(at: row) }
            out.append(once(e))
        }
        return Column(out)
    }
}

extension Evaluator {
    /// `builtin(x in items: body)` over columns; `nil` when some row met an unknown, so that the caller's
    /// row-by-row evaluation records exactly which facts were missing.
    mutating func vectorComprehension(_ builtin: Builtin, slot: Int, collection: CheckedExpr, body: CheckedExpr,
                                      items: FactRows, store: ColumnStore) -> FactValue? {
        var path: String?
        if case .cachedFact(_, let p) = collection { path = p.joined(separator: ".") }
        if case .fact(let p) = collection { path = p.joined(separator: ".") }
        var vector = VectorEvaluator(items: items, slot: slot, fieldNames: nil, path: path, store: store, scalar: self)
        let column = vector.evaluate(body)
        guard !vector.sawUnknown, !column.hasUnknown else { return nil }
        let rows = items.count
        switch builtin {
        case .any, .all, .count:
            guard let truth = column.truth(rows: rows) else { return nil }
            let trues = truth.reduce(0) { $0 + Int($1) }
            switch builtin {
            case .any: return .bool(trues > 0)
            case .all: return .bool(trues == rows)
            default: return .int(Int64(trues))
            }
        case .sum:
            switch column {
            case .ints(let values, nil):
                var total: Int64 = 0
                for v in values {
                    let (next, overflowed) = total.addingReportingOverflow(v)
                    if overflowed { return nil }
                    total = next
                }
                return .int(total)
            case .numbers(let values, let duration, nil):
                var total = 0.0
                for v in values { total += v }
                return duration ? .duration(total) : .float(total)
            default:
                return nil
            }
        case .min, .max:
            let wanted = builtin == .min ? -1 : 1
            switch column {
            case .ints(let values, nil):
                return .int(Column.extreme(values, wanted: wanted))
            case .numbers(let values, let duration, nil):
                let best = Column.extreme(values, wanted: wanted)
                return duration ? .duration(best) : .float(best)
            default:
                return nil
            }
        default:
            return nil
        }
    }
}
