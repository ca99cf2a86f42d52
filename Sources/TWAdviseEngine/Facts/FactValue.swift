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
    /// Not known: missing input, or an undefined result (division by zero).
    case unknown

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

    public var bool: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

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
