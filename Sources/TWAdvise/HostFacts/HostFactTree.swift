public import TWAdviseEngine
public import TWAdviseFacts
import TWAdviseRunbooks

extension FactsSnapshot {
    /// The snapshot as the fact tree of ``HostFactSchema``, made from the declarations; unknown values are
    /// left out, and long collections (destinations, listeners) are tables built from the model's arrays.
    public var factValue: FactValue { HostFactSchema.factValue(self, derived: derived) }

    /// Where each fact of this snapshot was read, for the evidence of findings.
    public var provenance: FactProvenance { HostFactSchema.provenance(self) }
}

extension HostFactSchema {
    static func factValue(_ snapshot: FactsSnapshot, derived: DerivedFacts) -> FactValue {
        let input = HostFactInput(snapshot: snapshot, derived: derived)
        var root = FactValue.record([:])
        for fact in facts {
            let value: FactValue?
            switch fact.read {
            case .value(let get)?: value = get(input)
            case .table(let get)?: value = get(input).map(FactValue.table)
            case nil:
                guard case .record = fact.type else { continue }
                value = .record([:])  // a group: present, its fields unknown until set
            }
            guard let value else { continue }
            root.insert(value, at: fact.path.split(separator: ".").map(String.init))
        }
        return root
    }

    static func provenance(_ snapshot: FactsSnapshot) -> FactProvenance {
        // Each fact's sources as a list: a derived fact's are the distinct sources of what it is computed from.
        var leaves: [String: [String]] = [:]
        var resolving: Set<String> = []
        let byPath = Dictionary(uniqueKeysWithValues: facts.map { ($0.path, $0) })
        func resolve(_ path: String) -> [String] {
            if let known = leaves[path] { return known }
            guard let fact = byPath[path], resolving.insert(path).inserted else { return [] }
            defer { resolving.remove(path) }
            let result: [String]
            if case .derived(let inputs) = fact.origin {
                var seen: Set<String> = []
                result = inputs.flatMap(resolve).filter { seen.insert($0).inserted }
            } else {
                result = Self.source(of: fact.origin, snapshot).map { [$0] } ?? []
            }
            leaves[path] = result
            return result
        }
        let suffix = snapshot.origin.snapshotFile.map { " (in snapshot \($0 == "-" ? "standard input" : $0))" } ?? ""
        var sources: [String: String] = [:]
        for fact in facts {
            let parts = resolve(fact.path)
            guard !parts.isEmpty else { continue }
            if case .derived = fact.origin {
                sources[fact.path] = "computed from " + parts.joined(separator: "; ") + suffix
            } else {
                sources[fact.path] = parts.joined(separator: "; ") + suffix
            }
        }
        return FactProvenance(sources)
    }

    private static func source(of origin: HostFactOrigin, _ snapshot: FactsSnapshot) -> String? {
        let read = snapshot.readFrom
        switch origin {
        case .host, .kernelRelease: return read?.host
        case .sysctl(let key):
            guard let base = read?.sysctls else { return nil }
            guard base.hasSuffix("proc/sys"), let file = SysctlKey.named(key)?.procPath else { return base }
            return base.dropLast("proc/sys".count) + file
        case .persistent: return read?.persistent
        case .sockstat: return read?.sockstat
        case .counters: return read?.counters
        case .conntrack, .conntrackStats: return read?.conntrack
        case .fileHandles: return read?.fileHandles
        case .sockets: return read?.sockets ?? snapshot.sockets.map { $0.sources.joined(separator: ", ") }
        case .rates:
            guard let rates = snapshot.rates, let counters = read?.counters else { return nil }
            return "two readings of \(counters), \(FactValue.format(rates.intervalSeconds)) s apart"
        case .sinceBoot:
            return read?.counters.map { "\($0) over the uptime" }
        case .kernelLog:
            return snapshot.kernelLog.map { $0.sources.isEmpty ? "the kernel log" : $0.sources.joined(separator: ", ") }
        case .owners:
            switch snapshot.sockets?.ownerLookup {
            case .captured?: return read?.sockets.map { "the users: column of \($0)" }
            case nil: return "not read here (/proc/PID/fd on the live host, or captured ss -p)"
            default: return "/proc/PID/fd"
            }
        case .processes:
            switch snapshot.sockets?.ownerLookup {
            case nil, .captured?: return "not read here (/proc/PID/fd, /proc/PID/limits on the live host)"
            default: return "/proc/PID/fd, /proc/PID/limits"
            }
        case .derived:
            return nil
        }
    }
}

extension FactValue {
    /// Sets the value at `path`, making records on the way.
    fileprivate mutating func insert(_ value: FactValue, at path: some Collection<String>) {
        guard let first = path.first else {
            self = value
            return
        }
        guard case .record(var fields) = self else { return }
        var child = fields[first] ?? .record([:])
        child.insert(value, at: path.dropFirst())
        fields[first] = child
        self = .record(fields)
    }
}

extension HostFactSchema {
    /// The fact reference as Markdown (docs/facts.md is this text; a test keeps it fresh).
    package static var markdownReference: String { FactReference.markdown(schema) }

    /// One line per fact path, as `rules facts` prints it.
    package static var textReference: String { FactReference.text(schema) }
}

extension FactsSnapshot {
    /// Current values by schema name, for rollback steps (`tcp_tw_reuse` → `2`, `ip_local_port_range` → `32768 60999`).
    package var currentValues: [String: String] {
        var values: [String: String] = [:]
        for (name, key, _) in HostFactSchema.integerSysctls {
            if let v = sysctls.integer(key) { values[name] = String(v) }
        }
        if let r = sysctls.ipLocalPortRange { values["ip_local_port_range"] = "\(r.low) \(r.high)" }
        if let p = sysctls.ipLocalReservedPorts { values["ip_local_reserved_ports"] = p.description }
        return values
    }
}
