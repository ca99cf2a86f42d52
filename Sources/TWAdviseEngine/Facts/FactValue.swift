/// A value in the fact tree rules are evaluated against. A record's missing field is **unknown**.
public enum FactValue: Sendable, Hashable, CustomStringConvertible {
    case int(Int64)
    case float(Double)
    case bool(Bool)
    case string(String)
    /// Seconds.
    case duration(Double)
    case version(Version)
    case list([FactValue])
    case record([String: FactValue])
    /// A list of records stored by column (an embedder's long collection); rules see a list of records.
    case table(FactTable)
    /// Not known: missing input, or an undefined result (division by zero).
    case unknown

    /// Whether the value is unknown.
    public var isUnknown: Bool {
        if case .unknown = self { return true }
        return false
    }

    /// The value as a number, for int, float and duration.
    public var number: Double? {
        switch self {
        case .int(let v): return Double(v)
        case .float(let v): return v
        case .duration(let v): return v
        default: return nil
        }
    }

    /// The items of a list or the rows of a table, `nil` for anything else.
    package var listItems: FactRows? {
        switch self {
        case .list(let items): return FactRows(storage: .list(items))
        case .table(let table): return FactRows(storage: .table(table))
        default: return nil
        }
    }

    /// The value as a boolean, `nil` for anything else.
    public var bool: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The value as a string, `nil` for anything else.
    public var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The field of a record (unknown when absent or when this is not a record).
    public subscript(field: String) -> FactValue {
        if case .record(let fields) = self { return fields[field] ?? .unknown }
        return .unknown
    }

    /// A short, stable text form: integers plain, floats with up to 4 significant decimals, durations with a unit.
    public var description: String {
        switch self {
        case .int(let v): return String(v)
        case .float(let v): return FactValue.format(v)
        case .bool(let b): return b ? "true" : "false"
        case .string(let s): return s
        case .duration(let s): return FactValue.format(s) + "s"
        case .version(let v): return v.description
        case .list(let items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .table(let table): return FactValue.list(table.rows).description
        case .record(let fields):
            return "{" + fields.keys.sorted().map { "\($0): \(fields[$0]!.description)" }.joined(separator: ", ") + "}"
        case .unknown: return "unknown"
        }
    }

    /// Deterministic formatting of a float: integral values without decimals, others rounded to 4 decimals.
    public static func format(_ v: Double) -> String {
        guard v.isFinite else { return v.isNaN ? "nan" : (v > 0 ? "inf" : "-inf") }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        let scaled = (v * 10000).rounded() / 10000
        var text = String(scaled)
        if text.contains("e") { return text }
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }
}

/// JSON form: numbers (durations in seconds) as numbers, booleans, strings and versions as strings, lists as
/// arrays, records as objects, unknown as `null`. Decoding gives the closest value (an integral number is an
/// int, a string stays a string).
extension FactValue: Codable {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .int(let v): try container.encode(v)
        case .float(let v), .duration(let v): try container.encode(v)
        case .bool(let b): try container.encode(b)
        case .string(let s): try container.encode(s)
        case .version(let v): try container.encode(v.description)
        case .list(let items): try container.encode(items)
        case .table(let table): try container.encode(table.rows)
        case .record(let fields): try container.encode(fields)
        case .unknown: try container.encodeNil()
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .unknown }
        else if let b = try? container.decode(Bool.self) { self = .bool(b) }
        else if let i = try? container.decode(Int64.self) { self = .int(i) }
        else if let d = try? container.decode(Double.self) { self = .float(d) }
        else if let s = try? container.decode(String.self) { self = .string(s) }
        else if let items = try? container.decode([FactValue].self) { self = .list(items) }
        else { self = .record(try container.decode([String: FactValue].self)) }
    }
}
