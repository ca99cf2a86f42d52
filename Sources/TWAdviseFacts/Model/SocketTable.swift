/// Sockets toward one destination D = (local address, remote address, remote port) that use an
/// ephemeral local port: the unit in which `connect()` runs out of ports.
public struct DestinationLoad: Codable, Sendable, Hashable {
    /// The local address the sockets use.
    public var localAddress: IPAddress
    /// The peer's address.
    public var remoteAddress: IPAddress
    /// The peer's port.
    public var remotePort: Int
    /// Sockets in TIME_WAIT.
    public var timeWait: Int
    /// Sockets in ESTABLISHED.
    public var established: Int
    /// Sockets in SYN_SENT (connects not yet answered).
    public var synSent: Int
    /// Any other state but LISTEN (FIN_WAIT*, CLOSE_WAIT, LAST_ACK, CLOSING, ...).
    public var other: Int
    /// Of `other`, sockets in CLOSE_WAIT: the peer closed and this application has not; `nil` in snapshots
    /// written before it was counted.
    public var closeWait: Int?
    /// The processes holding its live sockets, the most first (at most 3); `nil` when owners were not looked
    /// up (captured input), empty when none was found (only TIME_WAIT, or not visible to this user).
    public var owners: [SocketOwner]?

    /// A destination's counts; each state defaults to 0.
    package init(localAddress: IPAddress, remoteAddress: IPAddress, remotePort: Int,
                timeWait: Int = 0, established: Int = 0, synSent: Int = 0, other: Int = 0, closeWait: Int? = nil) {
        self.localAddress = localAddress
        self.remoteAddress = remoteAddress
        self.remotePort = remotePort
        self.timeWait = timeWait
        self.established = established
        self.synSent = synSent
        self.other = other
        self.closeWait = closeWait
    }

    /// U(D): every socket holding an ephemeral port toward this destination.
    public var inUse: Int { timeWait + established + synSent + other }

    /// `local → remote:port`, with IPv6 remotes in brackets.
    public var label: String { "\(localAddress) → \(remoteHost):\(remotePort)" }

    /// The remote address as `ss` filters and URLs take it: IPv6 in brackets.
    public var remoteHost: String { remoteAddress.isIPv6 ? "[\(remoteAddress)]" : remoteAddress.description }
}

/// Sockets on one local listening port: the server side, where the server closed first.
public struct ListeningPortLoad: Codable, Sendable, Hashable {
    /// The listening port.
    public var port: Int
    /// Sockets in TIME_WAIT on it.
    public var timeWait: Int
    /// Sockets in ESTABLISHED on it.
    public var established: Int
    /// Any other state but LISTEN.
    public var other: Int
    /// Of `other`, sockets in CLOSE_WAIT (the client closed; the server application has not); `nil` in
    /// snapshots written before it was counted.
    public var closeWait: Int?
    /// Connections waiting in the accept queue of its listening socket(s) now, summed over them.
    public var acceptQueue: Int?
    /// The accept queue's limit (the `listen()` backlog capped by `somaxconn`), summed over its listening
    /// sockets; over netlink only.
    public var backlog: Int?
    /// The process holding its listening socket and most of its live connections: the server (live host, or
    /// captured `ss -p`); `nil` when owners were not looked up.
    public var owner: SocketOwner?

    /// A listening port's counts; each state defaults to 0.
    package init(port: Int, timeWait: Int = 0, established: Int = 0, other: Int = 0) {
        self.port = port
        self.timeWait = timeWait
        self.established = established
        self.other = other
    }
}

/// Everything derived from the socket table (/proc/net/tcp and tcp6, or netlink, or ss/netstat text).
///
/// Totals are exact; the lists are top-N by load so that a host with 100,000 destinations stays small.
public struct SocketTable: Codable, Sendable, Hashable {
    /// Where the sockets came from: `proc/net/tcp`, `proc/net/tcp6`.
    public var sources: [String]
    /// IPv4 counts by state, `nil` when the IPv4 table could not be read.
    public var ipv4: StateCounts?
    /// IPv6 counts by state, `nil` when the IPv6 table could not be read.
    public var ipv6: StateCounts?
    /// The ephemeral range used to classify sockets (from the sysctl; `nil` when unknown, in which case
    /// every socket whose local port is not a listening port counts as outbound).
    public var ephemeralRange: PortRange?
    /// Listening ports (any address, IPv4 or IPv6), sorted.
    public var listeningPorts: [Int]
    /// Those listened on only at loopback addresses (127.0.0.0/8, ::1): a port a local service often lets the
    /// kernel choose, which reserving cannot protect. `nil` in snapshots written before it was recorded.
    public var loopbackListeningPorts: [Int]?
    /// On the live host, the processes holding sockets with the most open descriptors (any kind), each with
    /// its soft `RLIMIT_NOFILE`: servers with listeners included, not only the owners of a destination's
    /// connections. `nil` where processes were not looked up.
    public var processes: [SocketOwner]?
    /// TIME_WAIT rows in the table, IPv4 + IPv6.
    public var timeWait: Int
    /// TIME_WAIT on an ephemeral local port (this host connected out and closed first).
    public var outboundTimeWait: Int
    /// TIME_WAIT on a listening local port (the server closed first).
    public var inboundTimeWait: Int
    /// Distinct ephemeral local ports held by any non-listening socket (bind(0) exhaustion is global).
    public var ephemeralPortsInUse: Int
    /// Distinct destinations seen.
    public var destinationCount: Int
    /// The most loaded destinations, by ``DestinationLoad/inUse`` then by address.
    public var destinations: [DestinationLoad]
    /// Per listening port with any non-listening socket on it, by total load.
    public var listeners: [ListeningPortLoad]
    /// Lines that could not be parsed (each also, up to a limit, a warning).
    public var malformedLines: Int
    /// How far the processes holding the sockets could be looked up; `nil` when they were not (captured input).
    public var ownerLookup: OwnerLookup?

    /// A socket table; everything defaults to empty.
    package init(sources: [String] = [], ipv4: StateCounts? = nil, ipv6: StateCounts? = nil,
                ephemeralRange: PortRange? = nil, listeningPorts: [Int] = [], timeWait: Int = 0,
                outboundTimeWait: Int = 0, inboundTimeWait: Int = 0, ephemeralPortsInUse: Int = 0,
                destinationCount: Int = 0, destinations: [DestinationLoad] = [],
                listeners: [ListeningPortLoad] = [], malformedLines: Int = 0) {
        self.sources = sources
        self.ipv4 = ipv4
        self.ipv6 = ipv6
        self.ephemeralRange = ephemeralRange
        self.listeningPorts = listeningPorts
        self.timeWait = timeWait
        self.outboundTimeWait = outboundTimeWait
        self.inboundTimeWait = inboundTimeWait
        self.ephemeralPortsInUse = ephemeralPortsInUse
        self.destinationCount = destinationCount
        self.destinations = destinations
        self.listeners = listeners
        self.malformedLines = malformedLines
    }

    /// Counts of IPv4 and IPv6 together.
    public var all: StateCounts {
        var sum = StateCounts()
        for state in TCPState.allCases { sum[state] = (ipv4?[state] ?? 0) + (ipv6?[state] ?? 0) }
        return sum
    }
}

/// Sockets in CLOSE_WAIT toward one destination or on one listening port: the peer closed and this
/// application has not called `close()`.
public struct CloseWaitGroup: Sendable, Hashable {
    /// `local → remote:port` for a destination, `port N` for a listening port.
    public var label: String
    /// Whether it is a listening port (the server side) rather than a destination (the client side).
    public var isListener: Bool
    /// Sockets in CLOSE_WAIT.
    public var closeWait: Int
    /// Every socket toward it or on it (any state but LISTEN).
    public var sockets: Int
    /// The process holding its live sockets (the server, for a listening port), when owners were looked up.
    public var owner: SocketOwner?
}

extension SocketTable {
    /// Destinations and listening ports with sockets in CLOSE_WAIT, the most first; empty when CLOSE_WAIT
    /// was not counted (older snapshots).
    public var closeWaitGroups: [CloseWaitGroup] {
        var groups: [CloseWaitGroup] = []
        for d in destinations {
            guard let count = d.closeWait, count > 0 else { continue }
            groups.append(CloseWaitGroup(label: d.label, isListener: false, closeWait: count, sockets: d.inUse, owner: d.owners?.first))
        }
        for l in listeners {
            guard let count = l.closeWait, count > 0 else { continue }
            groups.append(CloseWaitGroup(label: "port \(l.port)", isListener: true, closeWait: count,
                                         sockets: l.timeWait + l.established + l.other, owner: l.owner))
        }
        return groups.sorted { ($0.closeWait, $1.label) > ($1.closeWait, $0.label) }
    }
}
