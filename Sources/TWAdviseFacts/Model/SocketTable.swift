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
    /// The processes holding its live sockets, the most first (at most 3); `nil` when owners were not looked
    /// up (captured input), empty when none was found (only TIME_WAIT, or not visible to this user).
    public var owners: [SocketOwner]?

    /// A destination's counts; each state defaults to 0.
    public init(localAddress: IPAddress, remoteAddress: IPAddress, remotePort: Int,
                timeWait: Int = 0, established: Int = 0, synSent: Int = 0, other: Int = 0) {
        self.localAddress = localAddress
        self.remoteAddress = remoteAddress
        self.remotePort = remotePort
        self.timeWait = timeWait
        self.established = established
        self.synSent = synSent
        self.other = other
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

    /// A listening port's counts; each state defaults to 0.
    public init(port: Int, timeWait: Int = 0, established: Int = 0, other: Int = 0) {
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
    public init(sources: [String] = [], ipv4: StateCounts? = nil, ipv6: StateCounts? = nil,
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
