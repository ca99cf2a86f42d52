/// The values of one expression for every row of an iterated collection, stored by type so that evaluating
/// a rule over 10,000 destinations is a few tight loops rather than 10,000 walks of the expression tree.
package enum Column {
    /// The same value in every row (an expression that does not depend on the row).
    case scalar(FactValue)
    /// `known[i] == false` marks an unknown row; `known == nil` means every row is known.
    case ints([Int64], known: [Bool]?)
    /// Floats or, with `duration`, durations in seconds.
    case numbers([Double], duration: Bool, known: [Bool]?)
    /// Three-valued: 0 false, 1 true, 2 unknown.
    case bools([UInt8])
    /// Anything else (strings, versions, records, lists), one value per row.
    case values([FactValue])

    package static let falseByte: UInt8 = 0
    package static let trueByte: UInt8 = 1
    package static let unknownByte: UInt8 = 2

    /// Stores `values` in the most specific representation that holds all of them.
    package init(_ values: [FactValue]) {
        var ints = 0, floats = 0, durations = 0, bools = 0, unknown = 0
        for value in values {
            switch value {
            case .int: ints += 1
            case .float: floats += 1
            case .duration: durations += 1
            case .bool: bools += 1
            case .unknown: unknown += 1
            default: break
            }
        }
        let n = values.count
        let known: [Bool]? = unknown == 0 ? nil : values.map { !$0.isUnknown }
        if ints + unknown == n, ints > 0 {
            self = .ints(values.map { if case .int(let v) = $0 { return v } else { return 0 } }, known: known)
        } else if floats + unknown == n, floats > 0 {
            self = .numbers(values.map { $0.number ?? 0 }, duration: false, known: known)
        } else if durations + unknown == n, durations > 0 {
            self = .numbers(values.map { $0.number ?? 0 }, duration: true, known: known)
        } else if bools + unknown == n, bools > 0 {
            self = .bools(values.map(Column.truthByte))
        } else {
            self = .values(values)
        }
    }

    /// The value in `row`, as the row-by-row evaluator would have produced it.
    package func value(at row: Int) -> FactValue {
        switch self {
        case .scalar(let v): return v
        case .ints(let v, let known): return known?[row] == false ? .unknown : .int(v[row])
        case .numbers(let v, let duration, let known):
            if known?[row] == false { return .unknown }
            return duration ? .duration(v[row]) : .float(v[row])
        case .bools(let v):
            switch v[row] {
            case Column.trueByte: return .bool(true)
            case Column.falseByte: return .bool(false)
            default: return .unknown
            }
        case .values(let v): return v[row]
        }
    }

    /// A three-valued byte for a value: true, false, or unknown for anything that is not a boolean.
    package static func truthByte(_ value: FactValue) -> UInt8 {
        switch value {
        case .bool(true): return trueByte
        case .bool(false): return falseByte
        default: return unknownByte
        }
    }

    /// The first of the smallest (`wanted` -1) or largest (`wanted` 1) values, compared as the row-by-row
    /// evaluator compares them.
    package static func extreme<T: Comparable>(_ values: [T], wanted: Int) -> T {
        var best = values[0]
        for v in values.dropFirst() where order(v, best) == wanted { best = v }
        return best
    }

    /// Whether some row is unknown.
    package var hasUnknown: Bool {
        switch self {
        case .scalar(let v): return v.isUnknown
        case .ints(_, let known), .numbers(_, _, let known): return known != nil && known!.contains(false)
        case .bools(let v): return v.contains(Column.unknownByte)
        case .values(let v): return v.contains(where: \.isUnknown)
        }
    }

    /// The rows as three-valued bytes, for a boolean column (`nil` when this is not one).
    package func truth(rows: Int) -> [UInt8]? {
        switch self {
        case .bools(let v): return v
        case .scalar(.bool(let b)): return [UInt8](repeating: b ? Column.trueByte : Column.falseByte, count: rows)
        case .scalar(.unknown): return [UInt8](repeating: Column.unknownByte, count: rows)
        case .values(let v): return v.map(Column.truthByte)
        default: return nil
        }
    }

    /// Integer view: the column's integers, or a scalar integer repeated.
    fileprivate var intView: View<Int64>? {
        switch self {
        case .ints(let v, let known): return .column(v, known)
        case .scalar(.int(let v)): return .scalar(v)
        default: return nil
        }
    }

    /// Numeric view: integers, floats and durations as doubles (as `FactValue.number` gives them).
    fileprivate var numberView: View<Double>? {
        switch self {
        case .ints(let v, let known): return .column(v.map(Double.init), known)
        case .numbers(let v, _, let known): return .column(v, known)
        case .scalar(let value): return value.number.map(View.scalar)
        default: return nil
        }
    }
}

/// One operand's values: the same for every row, or a column with its known-mask.
private enum View<T> {
    case scalar(T)
    case column([T], [Bool]?)

    var values: RowValues<T> {
        switch self {
        case .scalar(let v): return .scalar(v)
        case .column(let v, _): return .column(v)
        }
    }

    var known: [Bool]? {
        if case .column(_, let k) = self { return k }
        return nil
    }
}

/// Combines two known-masks: a row is known when it is known on both sides.
private func bothKnown(_ a: [Bool]?, _ b: [Bool]?, rows: Int) -> [Bool]? {
    switch (a, b) {
    case (nil, nil): return nil
    case (let x?, nil): return x
    case (nil, let y?): return y
    case (let x?, let y?): return (0..<rows).map { x[$0] && y[$0] }
    }
}

/// The order the row-by-row evaluator uses for numbers: NaN compares as greater, as there.
@inline(__always)
private func order<T: Comparable>(_ a: T, _ b: T) -> Int { a < b ? -1 : (a == b ? 0 : 1) }

@inline(__always)
private func holds(_ op: ComparisonOperator, _ order: Int) -> Bool {
    switch op {
    case .equal: return order == 0
    case .notEqual: return order != 0
    case .less: return order < 0
    case .lessOrEqual: return order <= 0
    case .greater: return order > 0
    case .greaterOrEqual: return order >= 0
    }
}

extension Column {
    /// `lhs op rhs` for every row, when both sides are numeric; `nil` otherwise (the caller goes row by row).
    package static func compare(_ op: ComparisonOperator, _ lhs: Column, _ rhs: Column, rows: Int) -> Column? {
        if let l = lhs.intView, let r = rhs.intView {
            return .bools(compareRows(op, l.values, l.known, r.values, r.known, rows: rows))
        }
        if let l = lhs.numberView, let r = rhs.numberView {
            return .bools(compareRows(op, l.values, l.known, r.values, r.known, rows: rows))
        }
        return nil
    }

    private static func compareRows<T: Comparable>(_ op: ComparisonOperator, _ l: RowValues<T>, _ lk: [Bool]?, _ r: RowValues<T>, _ rk: [Bool]?,
                                                   rows: Int) -> [UInt8] {
        var out = [UInt8](repeating: Column.falseByte, count: rows)
        out.withUnsafeMutableBufferPointer { o in
            switch (l, r) {
            case (.column(let a), .scalar(let b)):
                a.withUnsafeBufferPointer { a in for i in 0..<rows where holds(op, order(a[i], b)) { o[i] = Column.trueByte } }
            case (.scalar(let a), .column(let b)):
                b.withUnsafeBufferPointer { b in for i in 0..<rows where holds(op, order(a, b[i])) { o[i] = Column.trueByte } }
            case (.column(let a), .column(let b)):
                a.withUnsafeBufferPointer { a in
                    b.withUnsafeBufferPointer { b in for i in 0..<rows where holds(op, order(a[i], b[i])) { o[i] = Column.trueByte } }
                }
            case (.scalar(let a), .scalar(let b)):
                if holds(op, order(a, b)) { for i in 0..<rows { o[i] = Column.trueByte } }
            }
            for mask in [lk, rk] {
                guard let mask else { continue }
                for i in 0..<rows where !mask[i] { o[i] = Column.unknownByte }
            }
        }
        return out
    }

    /// `lhs op rhs` for every row, for numeric operands; `nil` otherwise. `undefined` receives what the
    /// row-by-row evaluator would have recorded (overflow, division by zero); such rows are unknown.
    package static func arithmetic(_ op: ArithmeticOperator, _ lhs: Column, _ rhs: Column, result: FactType, rows: Int,
                                   undefined: inout Set<String>) -> Column? {
        if op != .divide, let l = lhs.intView, let r = rhs.intView {
            let (out, known) = combine(l, r, rows: rows, zero: 0, op: op, undefined: &undefined) { op.apply($0, $1) }
            return .ints(out, known: known)
        }
        guard let l = lhs.numberView, let r = rhs.numberView else { return nil }
        let (out, known) = combine(l, r, rows: rows, zero: 0.0, op: op, undefined: &undefined) { op.apply($0, $1) }
        return .numbers(out, duration: result == .duration, known: known)
    }

    /// Applies `f` to every row known on both sides; a row where `f` gives a reason is unknown, and the reason
    /// goes to `undefined`.
    @inline(__always)
    private static func combine<T>(_ l: View<T>, _ r: View<T>, rows: Int, zero: T, op: ArithmeticOperator, undefined: inout Set<String>,
                                   _ f: (T, T) -> (T, ArithmeticFailure?)) -> ([T], [Bool]?) {
        let a = l.values, b = r.values
        var known = bothKnown(l.known, r.known, rows: rows)
        var out = [T](repeating: zero, count: rows)
        for i in 0..<rows where known?[i] ?? true {
            let (value, failure) = f(a[i], b[i])
            if let failure {
                undefined.insert(failure.message(for: op))
                if known == nil { known = [Bool](repeating: true, count: rows) }
                known![i] = false
            } else {
                out[i] = value
            }
        }
        return (out, known)
    }

    /// Kleene `and`/`or` of two boolean columns.
    package static func logic(and: Bool, _ lhs: [UInt8], _ rhs: [UInt8]) -> [UInt8] {
        let decisive = and ? Column.falseByte : Column.trueByte
        var out = [UInt8](repeating: 0, count: lhs.count)
        for i in 0..<lhs.count {
            let a = lhs[i], b = rhs[i]
            if a == decisive || b == decisive {
                out[i] = decisive
            } else if a == Column.unknownByte || b == Column.unknownByte {
                out[i] = Column.unknownByte
            } else {
                out[i] = a
            }
        }
        return out
    }
}

/// A side of a binary operation: one value for every row, or a column.
private enum RowValues<T> {
    case scalar(T)
    case column([T])

    subscript(i: Int) -> T {
        switch self {
        case .scalar(let v): return v
        case .column(let v): return v[i]
        }
    }
}
