/// The type of a fact or an expression.
public indirect enum FactType: Sendable, Hashable, CustomStringConvertible {
    case int
    case float
    case bool
    case string
    /// Seconds; literals such as `60s`, `5m`, `1500ms`.
    case duration
    /// A dotted version (`4.12`, `6.18.44`), compared component by component.
    case version
    case list(FactType)
    case record(RecordType)

    /// The type as messages name it (`int`, `list of destination`).
    public var description: String {
        switch self {
        case .int: return "int"
        case .float: return "float"
        case .bool: return "bool"
        case .string: return "string"
        case .duration: return "duration"
        case .version: return "version"
        case .list(let element): return "list of \(element)"
        case .record(let record): return record.name
        }
    }

    /// int or float.
    public var isNumeric: Bool { self == .int || self == .float }
}

/// A record type: named, typed, documented fields.
public struct RecordType: Sendable, Hashable {
    /// Shown in messages (`destination`, `sockets`).
    public var name: String
    /// Fields by name.
    public var fields: [String: FieldSpec]

    /// A record type named `name` (shown in messages) with these fields.
    public init(name: String, fields: [String: FieldSpec]) {
        self.name = name
        self.fields = fields
    }
}

/// One field of a record: its type, what it means, and where the value comes from on a host.
public struct FieldSpec: Sendable, Hashable {
    /// The field's type.
    public var type: FactType
    /// What the field means, for `rules facts` and the fact reference.
    public var doc: String
    /// Files the value is read from (`proc/net/sockstat`), named when the fact is missing.
    public var sources: [String]

    /// A field of `type`, documented by `doc`, read from `sources`.
    public init(_ type: FactType, _ doc: String, sources: [String] = []) {
        self.type = type
        self.doc = doc
        self.sources = sources
    }
}

/// The names and types of every fact path an embedder offers to rules; rules are checked against it at load.
public struct FactSchema: Sendable, Hashable {
    /// The top-level record every fact path starts from.
    public var root: RecordType

    /// A schema whose paths start at `root`.
    public init(root: RecordType) {
        self.root = root
    }

    /// The sources (files) of every path that names some, as ``allPaths`` spells the paths; in no order.
    package var sourcesByPath: [String: [String]] {
        var result: [String: [String]] = [:]
        visit(sorted: false) { path, spec in if !spec.sources.isEmpty { result[path] = spec.sources } }
        return result
    }

    /// Every path with its field spec, depth first, sorted (`kernel.version`, `sockets.destinations`, ...).
    public var allPaths: [(path: String, spec: FieldSpec)] {
        var result: [(String, FieldSpec)] = []
        visit(sorted: true) { result.append(($0, $1)) }
        return result
    }

    /// Calls `body` with every path and its field spec, depth first; `sorted` by name at each level.
    func visit(sorted: Bool, _ body: (String, FieldSpec) -> Void) {
        func walk(_ record: RecordType, _ prefix: String) {
            for name in sorted ? record.fields.keys.sorted() : Array(record.fields.keys) {
                guard let spec = record.fields[name] else { continue }
                let path = prefix.isEmpty ? name : prefix + "." + name
                body(path, spec)
                switch spec.type {
                case .record(let inner): walk(inner, path)
                case .list(.record(let inner)): walk(inner, path + "[]")
                default: break
                }
            }
        }
        walk(root, "")
    }

    /// The field spec at a dotted path (`[]` steps into list elements), or `nil`.
    public func spec(at path: String) -> FieldSpec? {
        allPaths.first { $0.path == path }?.spec
    }
}
