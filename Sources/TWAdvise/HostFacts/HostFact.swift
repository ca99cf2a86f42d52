public import TWAdviseEngine
import TWAdviseFacts

/// One fact rules can address on a host, declared once: its path, type and meaning, the files it is read from,
/// its Prometheus metric, and how to get it from the typed snapshot.
///
/// The schema rules are checked against, `twadvise rules facts`, docs/facts.md, the Prometheus text of
/// `watch --textfile`, the alert-rule export, the evidence's "read from" and the engine's columns are all
/// made from these declarations (``HostFactSchema/facts``); nothing else names a fact path.
public struct HostFact: Sendable {
    /// Dotted path, `[]` stepping into the items of a list (`sockets.destinations[].time_wait`).
    public let path: String
    /// The fact's type, as rules are checked against it.
    public let type: FactType
    /// What the fact means.
    public let doc: String
    /// Files the fact is read from on a host; named when it is missing.
    public let sources: [String]
    /// Its Prometheus metric, if it has one.
    public let metric: HostFactMetric?
    /// Which group of the snapshot it is read with, for where it was really read.
    let origin: HostFactOrigin
    /// How to get it from the snapshot; `nil` for fields of a table and for records (made from their fields).
    let read: HostFactRead?
}

/// The Prometheus metric of a host fact.
public struct HostFactMetric: Sendable, Hashable {
    /// Metric name (`twadvise_destination_time_wait`, `node_sockstat_TCP_tw`).
    public let name: String
    /// `# HELP` text, for metrics `watch --textfile` writes.
    public let help: String
    /// Whether `twadvise watch --textfile` writes it (`twadvise_`), or node_exporter does.
    public let writtenByWatch: Bool
    /// For a node_exporter metric that `watch --textfile` writes too, under its own name and for every network
    /// namespace (node_exporter sees only its own): that name and its `# HELP`.
    public let watchAlias: (name: String, help: String)?

    static func watch(_ name: String, _ help: String) -> HostFactMetric {
        HostFactMetric(name: name, help: help, writtenByWatch: true, watchAlias: nil)
    }

    static func nodeExporter(_ name: String, watchAlias: (name: String, help: String)? = nil) -> HostFactMetric {
        HostFactMetric(name: name, help: "", writtenByWatch: false, watchAlias: watchAlias)
    }

    /// The name and help `watch --textfile` writes it under, if it does.
    var written: (name: String, help: String)? { writtenByWatch ? (name, help) : watchAlias }

    /// Metrics are equal when their names, help, writer and alias name are.
    public static func == (a: HostFactMetric, b: HostFactMetric) -> Bool {
        a.name == b.name && a.help == b.help && a.writtenByWatch == b.writtenByWatch && a.watchAlias?.name == b.watchAlias?.name
    }

    /// Hashes the metric's name.
    public func hash(into hasher: inout Hasher) { hasher.combine(name) }
}

/// The group of a snapshot a fact is read with (see ``TWAdviseFacts/ReadLocations``).
enum HostFactOrigin: Sendable {
    case host, kernelRelease, sysctl(key: String), persistent, sockstat, counters, conntrack, conntrackStats, fileHandles,
         sockets, rates, sinceBoot
    /// The kernel log and ring buffer a postmortem reads (`--history`).
    case kernelLog
    /// Which process holds a socket: `/proc/PID/fd` live, the `users:` column of captured `ss -p`.
    case owners
    /// What a process's descriptors and limit are: `/proc/PID/fd` and `/proc/PID/limits`, live only.
    case processes
    /// Computed from other facts (named by path).
    case derived([String])
}

/// How a fact's value is taken from a snapshot.
enum HostFactRead: Sendable {
    case value(@Sendable (HostFactInput) -> FactValue?)
    case table(@Sendable (HostFactInput) -> FactTable?)
}

/// What the declarations read from: a snapshot and its derived quantities, computed once.
struct HostFactInput: Sendable {
    let snapshot: FactsSnapshot
    let derived: DerivedFacts
}

/// A field of a table fact (a list of records), with how to get it from a row of the model.
struct HostFactField<Row>: Sendable {
    let name: String
    let type: FactType
    let doc: String
    let metric: HostFactMetric?
    let origin: HostFactOrigin?
    /// Files it is read from, when not only the table's own.
    var sources: [String]? = nil
    let column: @Sendable ([Row], HostFactInput) -> FactColumn

    static func int(_ name: String, _ doc: String, metric: HostFactMetric? = nil, origin: HostFactOrigin? = nil, sources: [String]? = nil,
                    _ get: @escaping @Sendable (Row, HostFactInput) -> Int64?) -> Self {
        Self(name: name, type: .int, doc: doc, metric: metric, origin: origin, sources: sources) { rows, input in .ints(rows.map { get($0, input) }) }
    }

    static func float(_ name: String, _ doc: String, metric: HostFactMetric? = nil, origin: HostFactOrigin? = nil, sources: [String]? = nil,
                      _ get: @escaping @Sendable (Row, HostFactInput) -> Double?) -> Self {
        Self(name: name, type: .float, doc: doc, metric: metric, origin: origin, sources: sources) { rows, input in .floats(rows.map { get($0, input) }) }
    }

    static func bool(_ name: String, _ doc: String, origin: HostFactOrigin? = nil, sources: [String]? = nil,
                     _ get: @escaping @Sendable (Row, HostFactInput) -> Bool?) -> Self {
        Self(name: name, type: .bool, doc: doc, metric: nil, origin: origin, sources: sources) { rows, input in .bools(rows.map { get($0, input) }) }
    }

    static func string(_ name: String, _ doc: String, origin: HostFactOrigin? = nil, sources: [String]? = nil,
                       _ get: @escaping @Sendable (Row, HostFactInput) -> String?) -> Self {
        Self(name: name, type: .string, doc: doc, metric: nil, origin: origin, sources: sources) { rows, input in .strings(rows.map { get($0, input) }) }
    }
}

extension HostFact {
    /// A scalar (or list of scalars) fact.
    static func value(_ path: String, _ type: FactType, _ doc: String, _ origin: HostFactOrigin, sources: [String],
                      metric: HostFactMetric? = nil, _ get: @escaping @Sendable (HostFactInput) -> FactValue?) -> HostFact {
        HostFact(path: path, type: type, doc: doc, sources: sources, metric: metric, origin: origin, read: .value(get))
    }

    static func int(_ path: String, _ doc: String, _ origin: HostFactOrigin, sources: [String], metric: HostFactMetric? = nil,
                    _ get: @escaping @Sendable (HostFactInput) -> Int64?) -> HostFact {
        value(path, .int, doc, origin, sources: sources, metric: metric) { get($0).map(FactValue.int) }
    }

    static func float(_ path: String, _ doc: String, _ origin: HostFactOrigin, sources: [String], metric: HostFactMetric? = nil,
                      _ get: @escaping @Sendable (HostFactInput) -> Double?) -> HostFact {
        value(path, .float, doc, origin, sources: sources, metric: metric) { get($0).map(FactValue.float) }
    }

    static func string(_ path: String, _ doc: String, _ origin: HostFactOrigin, sources: [String],
                       _ get: @escaping @Sendable (HostFactInput) -> String?) -> HostFact {
        value(path, .string, doc, origin, sources: sources) { get($0).map(FactValue.string) }
    }

    /// A record grouping other facts (`sockets`, `kernel`): documented here, its fields declared on their own.
    static func group(_ path: String, _ doc: String, name: String? = nil) -> HostFact {
        HostFact(path: path, type: .record(RecordType(name: name ?? path.split(separator: ".").last.map(String.init) ?? path, fields: [:])),
                 doc: doc, sources: [], metric: nil, origin: .derived([]), read: nil)
    }

    /// `facts` with each derived fact's sources computed from what it is derived from (the sources of each
    /// input fact, a group's being its facts' common folder), never listed by hand; a table's record type
    /// takes its fields' sources from them.
    static func withDerivedSources(_ facts: [HostFact]) -> [HostFact] {
        let byPath = Dictionary(uniqueKeysWithValues: facts.map { ($0.path, $0) })
        // Every fact below each dotted prefix of a path (`sockets` and `sockets.destinations[]` for
        // `sockets.destinations[].port`), in declaration order: a group's facts, found in one pass instead of a
        // prefix test of every fact per group (this runs when each process first needs the schema).
        var below: [String: [String]] = [:]
        for fact in facts {
            var prefix = Substring(fact.path)
            while let dot = prefix.lastIndex(of: ".") {
                prefix = prefix[..<dot]
                below[String(prefix), default: []].append(fact.path)
            }
        }
        var resolved: [String: [String]] = [:]
        var resolving: Set<String> = []
        func unique(_ items: [String]) -> [String] {
            var seen: Set<String> = []
            return items.filter { seen.insert($0).inserted }
        }
        func resolve(_ path: String) -> [String] {
            if let known = resolved[path] { return known }
            guard let fact = byPath[path], resolving.insert(path).inserted else { return [] }
            defer { resolving.remove(path) }
            var result = fact.sources
            if case .derived(let inputs) = fact.origin {
                if inputs.isEmpty, case .record = fact.type {
                    // A group: the common folder of its facts' sources (`proc/sys` for `sysctl`).
                    let sources = (below[path] ?? []).flatMap(resolve)
                    result = commonFolder(unique(sources)).map { [$0] } ?? []
                } else if !inputs.isEmpty {
                    result = unique(inputs.flatMap(resolve))
                }
            }
            resolved[path] = result
            return result
        }
        let updated = facts.map { fact -> HostFact in
            HostFact(path: fact.path, type: fact.type, doc: fact.doc, sources: resolve(fact.path), metric: fact.metric,
                     origin: fact.origin, read: fact.read)
        }
        // A list's record type carries its fields' specs, sources included: rebuilt from the resolved fields.
        let resolvedByPath = Dictionary(uniqueKeysWithValues: updated.map { ($0.path, $0) })
        return updated.map { fact in
            guard case .list(.record(var record)) = fact.type else { return fact }
            for (name, spec) in record.fields {
                if let field = resolvedByPath[fact.path + "[]." + name] { record.fields[name] = FieldSpec(spec.type, spec.doc, sources: field.sources) }
            }
            return HostFact(path: fact.path, type: .list(.record(record)), doc: fact.doc, sources: fact.sources, metric: fact.metric,
                            origin: fact.origin, read: fact.read)
        }
    }

    /// The folder every path of `paths` lies in, if they are more than one file and share one.
    static func commonFolder(_ paths: [String]) -> String? {
        guard let first = paths.first else { return nil }
        guard paths.count > 1 else { return first }
        var common = first.split(separator: "/")
        for path in paths.dropFirst() {
            let parts = path.split(separator: "/")
            common = Array(zip(common, parts).prefix { $0 == $1 }.map(\.0))
        }
        return common.isEmpty ? nil : common.joined(separator: "/")
    }

    /// A list of records built column by column from the model's rows: the list and one fact per field.
    static func table<Row>(_ path: String, record: String, _ doc: String, _ origin: HostFactOrigin, sources: [String],
                           rows: @escaping @Sendable (HostFactInput) -> [Row]?, fields: [HostFactField<Row>]) -> [HostFact] {
        let recordType = RecordType(name: record, fields: Dictionary(uniqueKeysWithValues: fields.map {
            ($0.name, FieldSpec($0.type, $0.doc, sources: $0.sources ?? sources))
        }))
        let list = HostFact(path: path, type: .list(.record(recordType)), doc: doc, sources: sources, metric: nil, origin: origin,
                            read: .table { input in
                                guard let rows = rows(input) else { return nil }
                                return FactTable(count: rows.count, columns: Dictionary(uniqueKeysWithValues: fields.map { ($0.name, $0.column(rows, input)) }))
                            })
        return [list] + fields.map {
            HostFact(path: path + "[]." + $0.name, type: $0.type, doc: $0.doc, sources: $0.sources ?? sources, metric: $0.metric,
                     origin: $0.origin ?? origin, read: nil)
        }
    }
}
