/// Aggregates sockets as they stream by, without keeping a record per socket.
///
/// Memory is fixed (per-port arrays) plus one entry per distinct destination, up to
/// ``maxTrackedDestinations``; sockets toward destinations beyond that still count in every total.
package struct SocketAggregator {
    package struct DestinationKey: Hashable {
        var local: IPAddress
        var remote: IPAddress
        var remotePort: UInt16
    }

    package struct Counters {
        var timeWait: Int32 = 0
        var established: Int32 = 0
        var synSent: Int32 = 0
        var other: Int32 = 0
        var closeWait: Int32 = 0
    }

    package let ephemeralRange: PortRange?
    package let maxTrackedDestinations: Int
    /// Sockets per state, IPv4 at `state`, IPv6 at `16 + state` (one flat array for the hot path).
    private var stateCounts = InlineArray<32, Int>(repeating: 0)
    var ipv4: StateCounts { counts(offset: 0) }
    var ipv6: StateCounts { counts(offset: 16) }

    private func counts(offset: Int) -> StateCounts {
        var counts = StateCounts()
        for state in TCPState.allCases { counts[state] = stateCounts[offset + Int(state.rawValue)] }
        return counts
    }
    /// Per local port: one array of structs, so the hot path pays one copy-on-write check, not four.
    struct PortCounts {
        var total: Int32 = 0
        var timeWait: Int32 = 0
        var established: Int32 = 0
        var closeWait: Int32 = 0
        var listening = false
        /// Listened on at an address that is not loopback.
        var listeningBeyondLoopback = false
    }
    /// Per listening port: accept queue length and limit, summed over its listening sockets (netlink).
    private var queues: [Int: (length: Int, limit: Int)] = [:]
    private var ports = [PortCounts](repeating: PortCounts(), count: 65536)
    private var destinations = DestinationTable()
    private var untrackedDestinations = 0
    private var lateListeners: Set<Int> = []
    package var warnings: [FactWarning] = []
    /// Socket inode → process, when owners are looked up (live only); live sockets toward each destination
    /// are then counted per process.
    package var ownerIndex: SocketOwnerIndex?
    private var owned: [DestinationKey: [Int32: Int32]] = [:]
    /// Per listening port, the processes holding its listening socket and its live connections (the server).
    private var listenerOwners: [Int: [Int32: Int32]] = [:]
    /// Live sockets whose process was not counted: their destination already counts the most processes kept.
    package private(set) var uncountedOwnerSockets = 0
    /// Commands by PID from captured `ss -p` output (its `users:` column), when it had one.
    private var capturedCommands: [Int32: String] = [:]

    package init(ephemeralRange: PortRange?, maxTrackedDestinations: Int = 200_000) {
        self.ephemeralRange = ephemeralRange
        self.maxTrackedDestinations = maxTrackedDestinations
    }

    @inline(__always)
    package mutating func add(state rawState: UInt8, local: IPAddress, localPort: UInt16,
                              remote: IPAddress, remotePort: UInt16, isIPv6: Bool) {
        guard let state = TCPState(rawValue: rawState) else { return }
        add(state: state, local: local, localPort: localPort, remote: remote, remotePort: remotePort, isIPv6: isIPv6)
    }

    @inline(__always)
    package mutating func add(state: TCPState, local: IPAddress, localPort: UInt16,
                              remote: IPAddress, remotePort: UInt16, isIPv6: Bool, inode: UInt32 = 0,
                              queue: (length: UInt32, limit: UInt32)? = nil, users: [(pid: Int32, command: String)] = []) {
        stateCounts[(isIPv6 ? 16 : 0) + Int(state.rawValue)] &+= 1
        let port = Int(localPort)
        if state == .listen {
            noteListenerOwner(port, inode: inode, users: users)
            if !local.isLoopback { ports[port].listeningBeyondLoopback = true }
            if let queue {
                let known = queues[port] ?? (0, 0)
                queues[port] = (known.length + Int(queue.length), known.limit + Int(queue.limit))
            }
            if !ports[port].listening {
                ports[port].listening = true
                if ports[port].total > 0 && isOutbound(port) { lateListeners.insert(port) }
            }
            return
        }
        let isListening = ports.withUnsafeMutableBufferPointer { p in
            p[port].total &+= 1
            if state == .timeWait { p[port].timeWait &+= 1 }
            if state == .established { p[port].established &+= 1 }
            if state == .closeWait { p[port].closeWait &+= 1 }
            return p[port].listening
        }
        if isListening, state != .timeWait { noteListenerOwner(port, inode: inode, users: users) }
        guard !isListening, isOutbound(port) else { return }
        // An IPv4-mapped IPv6 peer (::ffff:a.b.c.d) is reached through the IPv4 connect path and shares the
        // IPv4 port budget toward it: one destination, written as IPv4.
        var key = DestinationKey(local: local, remote: remote, remotePort: remotePort)
        if let v4 = remote.mappedIPv4 {
            key.remote = IPAddress(ipv4: v4)
            if let localV4 = local.mappedIPv4 { key.local = IPAddress(ipv4: localV4) }
        }
        if destinations.count >= maxTrackedDestinations && !destinations.contains(key) {
            untrackedDestinations += 1
            return
        }
        destinations.record(key, state)
        // TIME_WAIT has no owner; a live socket's process is the likely source of the destination's churn.
        if inode != 0, state != .timeWait, let pid = ownerIndex?.pid(of: inode) {
            countOwner(key, pid)
        }
        for user in users where state != .timeWait {
            if countOwner(key, user.pid) { rememberCommand(user) }
        }
    }

    /// Folds in `later`, the aggregate of input that comes after this one's, exactly as if that input had
    /// been added here socket by socket; `false`, with nothing changed, when that cannot be guaranteed:
    ///
    /// - a port that listens here (and is in the outbound range) has sockets in `later`, which `later` could
    ///   not know to be inbound;
    /// - the destination cap would be reached, or `later` reached it, so which destinations are tracked would
    ///   depend on the order of the sockets.
    ///
    /// The caller then adds `later`'s input here directly.
    package mutating func append(_ later: SocketAggregator) -> Bool {
        guard later.untrackedDestinations == 0, untrackedDestinations == 0, later.ephemeralRange == ephemeralRange else { return false }
        let conflict = ports.withUnsafeBufferPointer { mine in
            later.ports.withUnsafeBufferPointer { theirs in
                (0..<mine.count).contains { mine[$0].listening && theirs[$0].total > 0 && isOutbound($0) }
            }
        }
        guard !conflict else { return false }
        let laterEntries = later.destinations.entries
        let newKeys = laterEntries.reduce(0) { $0 + (destinations.contains($1.key) ? 0 : 1) }
        guard destinations.count + newKeys <= maxTrackedDestinations else { return false }

        for i in 0..<32 { stateCounts[i] += later.stateCounts[i] }
        for port in later.lateListeners where !ports[port].listening { lateListeners.insert(port) }
        let range = ephemeralRange
        var late: [Int] = []
        ports.withUnsafeMutableBufferPointer { mine in
            later.ports.withUnsafeBufferPointer { theirs in
                for port in 0..<mine.count {
                    let t = theirs[port]
                    if t.listeningBeyondLoopback { mine[port].listeningBeyondLoopback = true }
                    if t.listening && !mine[port].listening {
                        if mine[port].total > 0 && (range?.contains(port) ?? true) { late.append(port) }
                        mine[port].listening = true
                    }
                    mine[port].total &+= t.total
                    mine[port].timeWait &+= t.timeWait
                    mine[port].established &+= t.established
                    mine[port].closeWait &+= t.closeWait
                }
            }
        }
        lateListeners.formUnion(late)
        for (key, counters) in laterEntries { destinations.add(key, counters) }
        for (port, pids) in later.listenerOwners {
            for (pid, count) in pids.sorted(by: { $0.key < $1.key }) { _ = Self.tally(&listenerOwners[port, default: [:]], pid, by: count) }
        }
        for (key, pids) in later.owned {
            for (pid, count) in pids.sorted(by: { $0.key < $1.key }) { countOwner(key, pid, by: count) }
        }
        uncountedOwnerSockets &+= later.uncountedOwnerSockets
        capturedCommands.merge(later.capturedCommands) { first, _ in first }
        queues.merge(later.queues) { a, b in (a.length + b.length, a.limit + b.limit) }
        warnings += later.warnings
        return true
    }

    /// Most processes named per destination.
    static let ownersPerDestination = 3
    /// Processes with the most descriptors kept in ``SocketTable/processes`` (their limits are read).
    static let processesKept = 20
    /// Fewer open descriptors than this cannot be near any limit a host sets (1024 is the smallest usual).
    static let processDescriptorFloor = 64
    /// Most distinct processes counted per destination: memory stays constant in a capture's size however
    /// many PIDs its rows name; sockets of further processes are counted in ``uncountedOwnerSockets``.
    static let maxOwnersCounted = 8
    /// Most commands kept from captured `users:` columns.
    static let maxCapturedCommands = 4096

    /// Notes that a process holds a socket on the listening port `port` (the listener itself, or a live
    /// connection on it), from the owner index (live) or the `users:` column (captured `ss -p`).
    private mutating func noteListenerOwner(_ port: Int, inode: UInt32, users: [(pid: Int32, command: String)]) {
        if inode != 0, let pid = ownerIndex?.pid(of: inode) { _ = Self.tally(&listenerOwners[port, default: [:]], pid) }
        for user in users {
            if Self.tally(&listenerOwners[port, default: [:]], user.pid) { rememberCommand(user) }
        }
    }

    /// Keeps the command `ss -p` printed for a process, for the ones counted (bounded).
    private mutating func rememberCommand(_ user: (pid: Int32, command: String)) {
        if capturedCommands.count < Self.maxCapturedCommands, capturedCommands[user.pid] == nil { capturedCommands[user.pid] = user.command }
    }

    /// Adds `count` sockets of `pid` to a tally of one destination's or listener's processes; `false`, with
    /// nothing added, when it already counts ``maxOwnersCounted`` other processes.
    private static func tally(_ pids: inout [Int32: Int32], _ pid: Int32, by count: Int32 = 1) -> Bool {
        guard pids[pid] != nil || pids.count < maxOwnersCounted else { return false }
        pids[pid, default: 0] &+= count
        return true
    }

    /// The process `pid` as a report names it: from /proc (live) or the command `ss -p` printed.
    private func owner(_ pid: Int32, sockets: Int32) -> SocketOwner {
        var owner = ownerIndex?.process(pid) ?? SocketOwner(pid: pid, command: capturedCommands[pid])
        owner.sockets = Int(sockets)
        return owner
    }

    /// Counts one live socket of `pid` toward `key`; `false` when the destination already counts
    /// ``maxOwnersCounted`` other processes.
    @discardableResult
    private mutating func countOwner(_ key: DestinationKey, _ pid: Int32, by count: Int32 = 1) -> Bool {
        guard Self.tally(&owned[key, default: [:]], pid, by: count) else {
            uncountedOwnerSockets &+= Int(count)
            return false
        }
        return true
    }

    /// `load` with the processes holding its live sockets, the most first (when owners were looked up).
    private func withOwners(_ load: DestinationLoad) -> DestinationLoad {
        guard ownerIndex != nil || !capturedCommands.isEmpty else { return load }
        var load = load
        let key = DestinationKey(local: load.localAddress, remote: load.remoteAddress, remotePort: UInt16(load.remotePort))
        let counts = (owned[key] ?? [:]).sorted { ($0.value, -$0.key) > ($1.value, -$1.key) }.prefix(Self.ownersPerDestination)
        // Captured: the command ss printed; live: /proc/PID (command, unit or container, descriptors).
        load.owners = counts.map { pid, sockets in owner(pid, sockets: sockets) }
        return load
    }

    @inline(__always)
    private func isOutbound(_ port: Int) -> Bool {
        if let range = ephemeralRange { return range.contains(port) }
        return true
    }

    /// The table, keeping the `topDestinations` most loaded destinations in detail.
    package func finish(sources: [String], readIPv4: Bool, readIPv6: Bool, malformedLines: Int,
                        topDestinations: Int) -> (SocketTable, [FactWarning]) {
        var warnings = self.warnings
        var listeningPorts: [Int] = []
        var loopbackListeningPorts: [Int] = []
        var listeners: [ListeningPortLoad] = []
        var inbound = 0
        var outbound = 0
        var portsInUse = 0
        for port in 0..<65536 {
            let p = ports[port]
            if p.listening {
                listeningPorts.append(port)
                if !p.listeningBeyondLoopback { loopbackListeningPorts.append(port) }
                inbound += Int(p.timeWait)
                // A listener with connections, or with connections waiting in its accept queue.
                if p.total > 0 || (queues[port]?.length ?? 0) > 0 {
                    let tw = Int(p.timeWait), est = Int(p.established)
                    var load = ListeningPortLoad(port: port, timeWait: tw, established: est, other: Int(p.total) - tw - est)
                    load.closeWait = Int(p.closeWait)
                    load.acceptQueue = queues[port]?.length
                    load.backlog = queues[port]?.limit
                    if let (pid, sockets) = listenerOwners[port]?.max(by: { ($0.value, -$0.key) < ($1.value, -$1.key) }) {
                        load.owner = owner(pid, sockets: sockets)
                    }
                    listeners.append(load)
                }
            } else if p.total > 0, isOutbound(port) {
                portsInUse += 1
                // Counted per port, not per tracked destination: exact past the destination cap too.
                outbound += Int(p.timeWait)
            }
        }
        listeners.sort { ($0.timeWait + $0.established + $0.other, -$0.port) > ($1.timeWait + $1.established + $1.other, -$1.port) }

        var loads: [DestinationLoad] = []
        loads.reserveCapacity(destinations.count)
        for (key, c) in destinations.entries {
            loads.append(DestinationLoad(
                localAddress: key.local, remoteAddress: key.remote, remotePort: Int(key.remotePort),
                timeWait: Int(c.timeWait), established: Int(c.established), synSent: Int(c.synSent), other: Int(c.other), closeWait: Int(c.closeWait)))
        }
        loads.sort { a, b in
            if a.inUse != b.inUse { return a.inUse > b.inUse }
            return (a.remoteAddress, a.remotePort, a.localAddress) < (b.remoteAddress, b.remotePort, b.localAddress)
        }
        if uncountedOwnerSockets > 0 {
            warnings.append(FactWarning(path: sources.joined(separator: ","), message:
                "\(uncountedOwnerSockets) live sockets' processes were not counted: their destination already counts \(Self.maxOwnersCounted) processes"))
        }
        if untrackedDestinations > 0 {
            warnings.append(FactWarning(path: sources.joined(separator: ","), message:
                "more than \(maxTrackedDestinations) distinct destinations; \(untrackedDestinations) sockets toward further destinations count in totals only"))
        }
        for port in lateListeners.sorted() {
            warnings.append(FactWarning(path: sources.joined(separator: ","), message:
                "listening socket on port \(port) came after connections using that port; they may be counted as outbound"))
        }
        let all = ipv4[.timeWait] + ipv6[.timeWait]
        let table = SocketTable(
            sources: sources, ipv4: readIPv4 ? ipv4 : nil, ipv6: readIPv6 ? ipv6 : nil,
            ephemeralRange: ephemeralRange, listeningPorts: listeningPorts,
            timeWait: all, outboundTimeWait: outbound, inboundTimeWait: inbound,
            ephemeralPortsInUse: portsInUse, destinationCount: destinations.count,
            destinations: Array(loads.prefix(topDestinations)).map(withOwners), listeners: listeners,
            malformedLines: malformedLines)
        var result = table
        result.loopbackListeningPorts = loopbackListeningPorts
        if let index = ownerIndex {
            // Every process that holds a socket, the most descriptors first: the limit a server meets at
            // accept() is its own, whatever its connections' destinations.
            let holders = index.socketCounts
            result.processes = index.descriptors.filter { holders[$0.key] != nil && $0.value >= Self.processDescriptorFloor }
                .sorted { ($0.value, -$0.key) > ($1.value, -$1.key) }.prefix(Self.processesKept)
                .map { pid, count in
                    var owner = index.process(pid)
                    owner.sockets = holders[pid] ?? 0
                    owner.openDescriptors = count
                    return owner
                }
        }
        if let index = ownerIndex {
            result.ownerLookup = index.descriptors.count <= 1 && index.unreadableProcesses > 0 ? .notPermitted
                : (index.unreadableProcesses > 0 || index.truncated ? .partial : .complete)
        } else if !capturedCommands.isEmpty {
            result.ownerLookup = .captured
        }
        return (result, warnings)
    }
}

extension SocketAggregator.Counters {
    mutating func add(_ other: Self) {
        timeWait &+= other.timeWait
        established &+= other.established
        synSent &+= other.synSent
        self.other &+= other.other
        closeWait &+= other.closeWait
    }

    @inline(__always)
    mutating func record(_ state: TCPState) {
        switch state {
        case .timeWait: timeWait &+= 1
        case .established: established &+= 1
        case .synSent: synSent &+= 1
        case .closeWait:
            other &+= 1
            closeWait &+= 1
        default: other &+= 1
        }
    }
}
