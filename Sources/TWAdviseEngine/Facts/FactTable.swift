/// A list of records stored by column: what an embedder hands the engine for a long collection (a host's
/// destinations), built straight from its own typed arrays.
///
/// Rules see it as a list of records (`for_each: d in sockets.destinations`, `count(...)`); the engine
/// evaluates conditions over the typed columns directly and builds a row's record only for the rows it needs
/// one for (findings, missing facts). A `nil` cell is an unknown field of that row.
public struct FactTable: Sendable, Hashable {
    /// Rows in the table.
    public let count: Int
    /// Columns by field name; every column has ``count`` cells.
    public let columns: [String: FactColumn]

    /// A table of `count` rows made of these columns.
    ///
    /// - Precondition: every column has `count` cells.
    public init(count: Int, columns: [String: FactColumn]) {
        precondition(columns.values.allSatisfy { $0.count == count }, "every column of a FactTable has one cell per row")
        self.count = count
        self.columns = columns
    }

    /// Row `index` as a record; unknown cells are left out (a missing field is unknown).
    public func row(_ index: Int) -> FactValue {
        var fields: [String: FactValue] = [:]
        fields.reserveCapacity(columns.count)
        for (name, column) in columns {
            let value = column.value(at: index)
            if !value.isUnknown { fields[name] = value }
        }
        return .record(fields)
    }

    /// Every row as a record, in order.
    public var rows: [FactValue] { (0..<count).map(row) }
}

/// One column of a ``FactTable``: typed cells, `nil` for unknown.
public enum FactColumn: Sendable, Hashable {
    case ints([Int64?])
    case floats([Double?])
    case bools([Bool?])
    case strings([String?])

    /// Cells in the column.
    public var count: Int {
        switch self {
        case .ints(let v): return v.count
        case .floats(let v): return v.count
        case .bools(let v): return v.count
        case .strings(let v): return v.count
        }
    }

    /// The cell at `index` as a fact value (unknown for `nil`).
    public func value(at index: Int) -> FactValue {
        switch self {
        case .ints(let v): return v[index].map(FactValue.int) ?? .unknown
        case .floats(let v): return v[index].map(FactValue.float) ?? .unknown
        case .bools(let v): return v[index].map(FactValue.bool) ?? .unknown
        case .strings(let v): return v[index].map(FactValue.string) ?? .unknown
        }
    }

    /// The fact type of the column's cells.
    public var type: FactType {
        switch self {
        case .ints: return .int
        case .floats: return .float
        case .bools: return .bool
        case .strings: return .string
        }
    }
}

extension Column {
    /// The engine's evaluation column for a table column: the typed cells as they are, no boxing.
    package init(_ column: FactColumn) {
        func mask<T>(_ cells: [T?]) -> [Bool]? { cells.contains { $0 == nil } ? cells.map { $0 != nil } : nil }
        switch column {
        case .ints(let v): self = .ints(v.map { $0 ?? 0 }, known: mask(v))
        case .floats(let v): self = .numbers(v.map { $0 ?? 0 }, duration: false, known: mask(v))
        case .bools(let v): self = .bools(v.map { $0.map { $0 ? Column.trueByte : Column.falseByte } ?? Column.unknownByte })
        case .strings(let v): self = .values(v.map { $0.map(FactValue.string) ?? .unknown })
        }
    }
}

/// The items of a list value or the rows of a table, without building a table's records up front: a row's
/// record is made when it is read.
package struct FactRows: RandomAccessCollection, Sendable {
    enum Storage: Sendable {
        case list([FactValue])
        case table(FactTable)
    }

    let storage: Storage

    package var startIndex: Int { 0 }
    package var endIndex: Int {
        switch storage {
        case .list(let items): return items.count
        case .table(let table): return table.count
        }
    }

    package subscript(position: Int) -> FactValue {
        switch storage {
        case .list(let items): return items[position]
        case .table(let table): return table.row(position)
        }
    }

    /// No rows.
    package static let empty = FactRows(storage: .list([]))

    /// The table behind the rows, when they are one.
    package var table: FactTable? {
        if case .table(let t) = storage { return t }
        return nil
    }
}
