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

    /// Namespaces read at once: each is read by a thread of its own, which mostly waits on the kernel.
    static let parallelism = 8

    var options: SnapshotReader.Options {
        var options = SnapshotReader.Options(topDestinations: input.topDestinations, interval: input.interval)
        options.owners = input.owners
        options.scanCounter = input.scanCounter
        return options
    }

    func read() throws(FactsInputError) -> [FactsSnapshot] {
        let canEnter = NetworkNamespaces.canEnter(proc: proc)
        if let wanted = input.namespace {
            guard canEnter else {
                throw FactsInputError("--namespace \(wanted): entering another network namespace needs root or CAP_SYS_ADMIN")
            }
            let found = NetworkNamespaces.discover(proc: proc, runNetns: runNetns).namespaces
            guard let namespace = Self.match(wanted, in: found, proc: proc) else {
                let labels = found.prefix(20).map { $0.name ?? $0.pid.map(String.init) ?? $0.path }
                throw FactsInputError("--namespace \(wanted): no such network namespace (found: \(labels.joined(separator: ", "))\(found.count > 20 ? ", ..." : ""))")
            }
            return [try hostSnapshot(namespace.isOwn ? nil : namespace)]
        }
        // One scan of /proc/PID/fd serves every namespace: socket inodes are unique across them.
        var owners = input.owners
        if case .scanOnce = owners {
            input.scanCounter?.add()
            owners = .index(SocketOwnerIndex.scan(proc: proc))
        }
        var host = try hostSnapshot(nil, owners: owners)
        guard canEnter else {
            host.warnings.append(FactWarning(path: FactsInput.namespacesNotice, message:
                "other network namespaces were not read: entering them needs root or CAP_SYS_ADMIN; this report covers only the namespace twadvise runs in"))
            return [host]
        }
        var (namespaces, unreadable) = NetworkNamespaces.discover(proc: proc, runNetns: runNetns)
        namespaces.removeAll { $0.isOwn }
        if unreadable > 0 {
            host.warnings.append(FactWarning(path: proc, message: "the network namespace of \(unreadable) processes could not be read (permission)"))
        }
        if namespaces.count > FactsInput.maxNamespaces {
            host.warnings.append(FactWarning(path: FactsInput.namespacesNotice, message:
                "\(namespaces.count) network namespaces found; the first \(FactsInput.maxNamespaces) by label are read, \(namespaces.count - FactsInput.maxNamespaces) are not (the bound of namespaces per report); --namespace NAME|PID|PATH reads any one of them"))
            namespaces = Array(namespaces.prefix(FactsInput.maxNamespaces))
        }
        return [host] + readAll(namespaces, owners: owners)
    }

    /// The snapshot of the own namespace, or of `namespace` read from inside it.
    func hostSnapshot(_ namespace: NetworkNamespace?, owners: OwnerLookupPolicy? = nil) throws(FactsInputError) -> FactsSnapshot {
        if let namespace {
            switch read(namespace, owners: owners) {
            case .success(let snapshot): return snapshot
            case .failure(let failure): throw FactsInputError("--namespace \(namespace.label): \(failure.description)")
            }
        }
        var options = options
        if let owners { options.owners = owners }
        let snapshot = SnapshotReader(source: FactSource(), options: options).read()
        guard snapshot.hasAnyFact else {
            throw FactsInputError("/ holds no readable fact (\(snapshot.warnings.count) problems, the first: \(snapshot.warnings.first?.description ?? "none"))")
        }
        return snapshot
    }

    /// Every namespace's snapshot, in the order given; one that cannot be entered gives a snapshot that says why.
    func readAll(_ namespaces: [NetworkNamespace], owners: OwnerLookupPolicy? = nil) -> [FactsSnapshot] {
        let results = ResultSlots(count: namespaces.count)
        let batches = stride(from: 0, to: namespaces.count, by: Self.parallelism).map { $0..<min($0 + Self.parallelism, namespaces.count) }
        for batch in batches {
            DispatchQueue.concurrentPerform(iterations: batch.count) { offset in
                let index = batch.lowerBound + offset
                let snapshot: FactsSnapshot
                switch read(namespaces[index], owners: owners) {
                case .success(let read): snapshot = read
                case .failure(let failure):
                    var empty = FactsSnapshot(origin: FactsOrigin(kind: .live, location: "/", namespace: namespaces[index].label))
                    empty.warnings.append(FactWarning(path: namespaces[index].path, message: failure.description))
                    empty.notRead = failure.description
                    snapshot = empty
                }
                results.set(index, snapshot)
            }
        }
        return results.values
    }

    /// One namespace, read on a thread inside it.
    func read(_ namespace: NetworkNamespace, owners: OwnerLookupPolicy? = nil) -> Result<FactsSnapshot, NamespaceThread.Failure> {
        var options = options
        if let owners { options.owners = owners }
        return Self.read(namespace, options: options)
    }

    /// `namespace` read with `options` on a thread inside it: its sockets, counters and sysctls, not the
    /// host's persistent configuration.
    package static func read(_ namespace: NetworkNamespace, options: SnapshotReader.Options)
        -> Result<FactsSnapshot, NamespaceThread.Failure> {
        var options = options
        options.readPersistent = false
        let inside = options
        return NamespaceThread.run(in: namespace.path) {
            var source = FactSource()
            source.perThreadNet = true
            var snapshot = SnapshotReader(source: source, options: inside).read()
            snapshot.origin.namespace = namespace.label
            snapshot.namespace = namespace
            return snapshot
        }
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
private final class ResultSlots: Sendable {
    private let slots: Mutex<[FactsSnapshot?]>

    init(count: Int) { slots = Mutex(Array(repeating: nil, count: count)) }

    func set(_ index: Int, _ value: FactsSnapshot) {
        slots.withLock { $0[index] = value }
    }

    var values: [FactsSnapshot] { slots.withLock { $0.compactMap { $0 } } }
}
