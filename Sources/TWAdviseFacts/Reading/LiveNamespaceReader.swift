import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Reads every network namespace of the live host: the own one as usual, each other one on a thread that
/// enters it (``NamespaceThread``), so its sockets, sockstat, counters and sysctls are its own.
package struct LiveNamespaceReader {
    var input: FactsInput
    var proc = "/proc"
    var runNetns = "/run/netns"

    var options: SnapshotReader.Options {
        var options = SnapshotReader.Options(topDestinations: input.topDestinations, interval: input.interval)
        options.owners = input.owners
        options.scanCounter = input.scanCounter
        return options
    }

    func read() throws(FactsInputError) -> [FactsSnapshot] {
        let canEnter = NetworkNamespaces.canEnter(proc: proc)
        let place = NetworkNamespaces.ownPlace(proc: proc, runNetns: runNetns)
        if let wanted = input.namespace {
            var namespace = try NetworkNamespaces.select(wanted, proc: proc, runNetns: runNetns)
            if case .inside(let hostInode) = place {
                // Inside another namespace, "host" is the host's, not the own one's label.
                if wanted == "host", let hostInode,
                   let host = NetworkNamespaces.discover(proc: proc, runNetns: runNetns).namespaces.first(where: { $0.inode == hostInode }) {
                    namespace = host
                }
                if namespace.isOwn {
                    var own = try hostSnapshot(nil)
                    Self.markInside(&own, proc: proc, runNetns: runNetns, hostRead: false)
                    return [own]
                }
                if namespace.inode == hostInode {
                    var host = try hostSnapshot(namespace)
                    host.origin.namespace = nil
                    host.namespace = nil
                    return [host]
                }
            }
            return [try hostSnapshot(namespace.isOwn ? nil : namespace)]
        }
        // One scan of /proc/PID/fd serves every namespace: socket inodes are unique across them.
        var owners = input.owners
        if case .scanOnce = owners {
            input.scanCounter?.add()
            owners = .index(SocketOwnerIndex.scan(proc: proc))
        }
        guard canEnter else {
            var host = try hostSnapshot(nil, owners: owners)
            host.notCovered = ["other network namespaces were not read: entering them needs root or CAP_SYS_ADMIN; this report covers only the namespace twadvise runs in"]
            if case .inside = place { Self.markInside(&host, proc: proc, runNetns: runNetns, hostRead: false) }
            return [host]
        }
        let found = NetworkNamespaces.discoverAll(proc: proc, runNetns: runNetns)
        var namespaces = found.namespaces.filter { !$0.isOwn }
        var notices: [FactWarning] = []
        var notCovered: [String] = []
        if !found.unreadable.isEmpty {
            notices.append(FactWarning(path: proc, message: NetworkNamespaces.unreadableMessage(found.unreadable, proc: proc)))
        }
        for path in found.notNamespaces.prefix(10) {
            notices.append(FactWarning(path: path, message: "not a network namespace (not read)"))
        }
        if namespaces.count > FactsInput.maxNamespaces {
            let (kept, left) = Self.bounded(namespaces, proc: proc)
            namespaces = kept
            notCovered.append("\(kept.count + left.count) network namespaces found; \(kept.count) are read (named and container or pod namespaces first, then the most used), \(left.count) are not: \(Self.kinds(left)) (the bound of namespaces per report); any one of them is read when asked for by name, PID or path")
        }
        // With an interval, every namespace's counters are read first, then one wait, then the full readings:
        // the wait is not multiplied by the number of namespaces.
        var first: [Int: (KeyedCounters, ContinuousClock.Instant)] = [:]
        if let interval = input.interval, interval > 0 {
            first[-1] = (SnapshotReader(source: FactSource(), options: options).readRateBasis(), ContinuousClock.now)
            let bases = readEach(namespaces) { reader in (reader.readRateBasis(), ContinuousClock.now) }
            for (index, basis) in bases.enumerated() { if let basis { first[index] = basis } }
            SnapshotReader.sleepSeconds(interval)
        }
        var host = try hostSnapshot(nil, owners: owners, first: first[-1])
        host.warnings += notices
        if !notCovered.isEmpty { host.notCovered = notCovered }
        var others = readAll(namespaces, owners: owners, first: first)
        // Run inside another network namespace (`ip netns exec NAME`, `nsenter -n`, `unshare -n`), the namespace
        // twadvise runs in is not the host's. The host's, when it was read, is the host, first, with the
        // persistent configuration (this process reads the host's /etc); the own one is named by what it is, so
        // its runbook never writes the host's /etc.
        if case .inside(let hostInode) = place {
            let index = hostInode.flatMap { inode in namespaces.firstIndex { $0.inode == inode } }
            let own = found.namespaces.first(where: \.isOwn)
            guard let index, others[index].notRead == nil else {
                Self.markInside(&host, own: own, proc: proc, runNetns: runNetns, hostRead: false)
                return [host] + others
            }
            var hostNamespace = others.remove(at: index)
            hostNamespace.origin.namespace = nil
            hostNamespace.namespace = nil
            hostNamespace.persistentSysctls = host.persistentSysctls
            hostNamespace.readFrom?.persistent = host.readFrom?.persistent
            hostNamespace.warnings += host.warnings
            hostNamespace.notCovered = host.notCovered
            host.warnings = []
            host.notCovered = nil
            Self.markInside(&host, own: own, proc: proc, runNetns: runNetns, hostRead: true)
            return [hostNamespace, host] + others
        }
        return [host] + others
    }

    /// The snapshot of the namespace twadvise runs in, when it is not the host's: named by what it is (its
    /// `ip netns` name, else its first process), entered as such, without the host's persistent configuration
    /// (the /etc this process reads is the host's), and saying so.
    /// `own` is the own namespace as discovered, when the caller has it (else it is discovered here).
    package static func markInside(_ snapshot: inout FactsSnapshot, own: NetworkNamespace? = nil, proc: String = "/proc",
                                   runNetns: String = "/run/netns", hostRead: Bool) {
        let hostNotRead = NetworkNamespaces.canEnter(proc: proc)
            ? "the host's was not among the namespaces twadvise could read (a PID namespace of its own hides the host's processes, or reading theirs needs CAP_SYS_PTRACE)"
            : "the host's was not read (that needs root, with CAP_SYS_ADMIN and CAP_SYS_PTRACE)"
        guard var inside = own ?? NetworkNamespaces.discover(proc: proc, runNetns: runNetns).namespaces.first(where: \.isOwn) else { return }
        inside.isOwn = false
        if let name = inside.name ?? NetworkNamespaces.ipNetnsName(of: inside.inode, runNetns: runNetns) {
            inside.name = name
            inside.path = runNetns + "/" + name
        } else if let pid = inside.pid, pid != getpid() {
            inside.path = "\(proc)/\(pid)/ns/net"
        }
        snapshot.persistentSysctls = PersistentSysctlConfig()
        snapshot.readFrom?.persistent = nil
        snapshot.origin.namespace = inside.label
        snapshot.namespace = inside
        snapshot.warnings.append(FactWarning(path: proc + "/self/ns/net",
            message: "twadvise ran inside \(inside.label), not in the host's network namespace: "
                + (hostRead ? "the host's is read as 'host'" : hostNotRead)))
    }

    /// Which namespaces are read when there are more than the bound: named (`ip netns`) and container or pod
    /// namespaces first, then those of processes with the most TCP sockets (their `/proc/PID/net/sockstat`,
    /// read without entering), so no user can evict the pods by making namespaces of their own.
    static func bounded(_ namespaces: [NetworkNamespace], proc: String) -> (kept: [NetworkNamespace], left: [NetworkNamespace]) {
        func priority(_ n: NetworkNamespace) -> Int {
            if n.name != nil { return 0 }
            if let owner = n.owner, owner.kind != .systemd { return 1 }
            return 2
        }
        var load: [UInt64: Int64] = [:]
        for n in namespaces where priority(n) == 2 {
            guard let pid = n.pid, let bytes = try? SystemFile(path: "\(proc)/\(pid)/net/sockstat").readAll(limit: 4096) else { continue }
            var ignored: [FactWarning] = []
            let counts = SockstatParser.parse(Array(bytes), path: "sockstat", warnings: &ignored)
            load[n.inode] = (counts["TCP", "inuse"] ?? 0) + (counts["TCP", "tw"] ?? 0)
        }
        let ordered = namespaces.sorted { a, b in
            if priority(a) != priority(b) { return priority(a) < priority(b) }
            if load[a.inode, default: 0] != load[b.inode, default: 0] { return load[a.inode, default: 0] > load[b.inode, default: 0] }
            return (a.label, a.inode) < (b.label, b.inode)
        }
        let kept = Array(ordered.prefix(FactsInput.maxNamespaces))
        let keptInodes = Set(kept.map(\.inode))
        // Kept in the discovery order, so a report lists them as usual.
        return (namespaces.filter { keptInodes.contains($0.inode) }, Array(ordered.dropFirst(FactsInput.maxNamespaces)))
    }

    /// `3 named, 12 container or pod, 280 process` for the namespaces left out.
    static func kinds(_ namespaces: [NetworkNamespace]) -> String {
        let named = namespaces.filter { $0.name != nil }.count
        let containers = namespaces.filter { $0.name == nil && $0.owner.map { $0.kind != .systemd } == true }.count
        let processes = namespaces.count - named - containers
        return [(named, "named"), (containers, "container or pod"), (processes, "of other processes")]
            .filter { $0.0 > 0 }.map { "\($0.0) \($0.1)" }.joined(separator: ", ")
    }

    /// The snapshot of the own namespace, or of `namespace` read from inside it; with `first`, its rates
    /// from that earlier reading of the counters.
    func hostSnapshot(_ namespace: NetworkNamespace?, owners: OwnerLookupPolicy? = nil,
                      first: (KeyedCounters, ContinuousClock.Instant)? = nil) throws(FactsInputError) -> FactsSnapshot {
        if let namespace {
            switch read(namespace, owners: owners) {
            case .success(let snapshot): return snapshot
            case .failure(let failure): throw FactsInputError.cannotReadNamespace(label: namespace.label, reason: failure.description)
            }
        }
        var options = options
        if let owners { options.owners = owners }
        if first != nil { options.interval = nil }
        let snapshot = Self.read(SnapshotReader(source: FactSource(), options: options), after: first)
        guard snapshot.hasAnyFact else {
            throw FactsInputError.noFacts(.liveHost, problems: snapshot.warnings.count, first: snapshot.warnings.first?.description)
        }
        return snapshot
    }

    /// Namespaces read at once: a fixed, small number of threads, each entering one namespace at a time.
    static let concurrency = 4

    /// `body(index)` for every index of `namespaces`, `concurrency` at a time (each body enters its namespace
    /// on a thread of its own), the results in the order given.
    static func forEachNamespace<T: Sendable>(_ namespaces: [NetworkNamespace], _ body: @escaping @Sendable (Int) -> T?) -> [T?] {
        let results = ResultSlots<T>(count: namespaces.count)
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: min(concurrency, max(namespaces.count, 1))) { _ in
            while true {
                let index = next.add(1, ordering: .relaxed).oldValue
                guard index < namespaces.count else { return }
                if let value = body(index) { results.set(index, value) }
            }
        }
        return results.values
    }

    /// `work` run inside each namespace (a reader of its own /proc/thread-self/net and sysctls); `nil` for one
    /// that could not be entered.
    func readEach<T: Sendable>(_ namespaces: [NetworkNamespace], _ work: @escaping @Sendable (SnapshotReader) -> T) -> [T?] {
        var inside = options
        inside.readPersistent = false
        let settings = inside
        return Self.forEachNamespace(namespaces) { index in
            let namespace = namespaces[index]
            let result = NamespaceThread.run(in: namespace.path, inode: namespace.inode) {
                var source = FactSource()
                source.perThreadNet = true
                return work(SnapshotReader(source: source, options: settings))
            }
            return try? result.get()
        }
    }

    /// Every namespace's snapshot, in the order given; one that cannot be entered gives a snapshot that says
    /// why. With `first`, each namespace's rates come from its earlier reading of the counters (by index).
    func readAll(_ namespaces: [NetworkNamespace], owners: OwnerLookupPolicy? = nil,
                 first: [Int: (KeyedCounters, ContinuousClock.Instant)] = [:]) -> [FactsSnapshot] {
        var settings = options
        if let owners { settings.owners = owners }
        if !first.isEmpty { settings.interval = nil }
        let options = settings
        return Self.forEachNamespace(namespaces) { index -> FactsSnapshot? in
            let namespace = namespaces[index]
            switch Self.read(namespace, options: options, first: first[index]) {
            case .success(let read): return read
            case .failure(let failure):
                return FactsSnapshot.notRead(FactsOrigin(kind: .live, location: "/", namespace: namespace.label),
                                             path: namespace.path, reason: failure.description)
            }
        }.map { $0 ?? FactsSnapshot(origin: FactsOrigin(kind: .live, location: "/")) }
    }

    /// One namespace, read on a thread inside it.
    func read(_ namespace: NetworkNamespace, owners: OwnerLookupPolicy? = nil) -> Result<FactsSnapshot, NamespaceThread.Failure> {
        var options = options
        if let owners { options.owners = owners }
        return Self.read(namespace, options: options)
    }

    /// `namespace` read with `options` on a thread inside it: its sockets, counters and sysctls, not the
    /// host's persistent configuration. With `first`, its rates from that earlier reading of its counters.
    package static func read(_ namespace: NetworkNamespace, options: SnapshotReader.Options,
                             first: (KeyedCounters, ContinuousClock.Instant)? = nil)
        -> Result<FactsSnapshot, NamespaceThread.Failure> {
        var options = options
        options.readPersistent = false
        if first != nil { options.interval = nil }
        let inside = options
        return NamespaceThread.run(in: namespace.path, inode: namespace.inode) {
            var source = FactSource()
            source.perThreadNet = true
            var snapshot = read(SnapshotReader(source: source, options: inside), after: first)
            snapshot.origin.namespace = namespace.label
            snapshot.namespace = namespace
            return snapshot
        }
    }

    /// `reader`'s snapshot; with `first`, an earlier reading of the counters, its rates from that reading to
    /// one taken just before this one (its counters read first, so the interval is the counters' own).
    static func read(_ reader: SnapshotReader, after first: (KeyedCounters, ContinuousClock.Instant)?) -> FactsSnapshot {
        guard let (basis, start) = first else { return reader.read() }
        let now = reader.readRateBasis(), at = ContinuousClock.now
        var snapshot = reader.read()
        snapshot.rates = CounterRates(first: basis, second: now, intervalSeconds: (at - start).secondsValue)
        return snapshot
    }

    /// The namespace `wanted` names: an `ip netns` name, a label, a PID in it, or a file that refers to it.
    static func match(_ wanted: String, in namespaces: [NetworkNamespace], proc: String) -> NetworkNamespace? {
        if let byName = namespaces.first(where: { $0.name == wanted || $0.label == wanted }) { return byName }
        let path = Int32(wanted).map { "\(proc)/\($0)/ns/net" } ?? wanted
        guard let inode = NetworkNamespaces.inode(of: path) else { return nil }
        if let known = namespaces.first(where: { $0.inode == inode }) { return known }
        return NetworkNamespace(inode: inode, path: path, pid: Int32(wanted))
    }
}

/// Results written by concurrent readers, one slot each.
private final class ResultSlots<T: Sendable>: Sendable {
    private let slots: Mutex<[T?]>

    init(count: Int) { slots = Mutex(Array(repeating: nil, count: count)) }

    func set(_ index: Int, _ value: T) {
        slots.withLock { $0[index] = value }
    }

    var values: [T?] { slots.withLock { $0 } }
}
