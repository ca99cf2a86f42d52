#if canImport(Glibc)
import Glibc

/// Reads the live socket table over `NETLINK_SOCK_DIAG` (`inet_diag_req_v2`), as `ss` does: binary records,
/// no text round trip, and the state filter applied in the kernel. Listening sockets are dumped first, so
/// every connection is classified knowing all listeners. Each record goes straight into the aggregator.
///
/// The one place TWAdvise talks netlink; `/proc/net/tcp{,6}` remains the fallback and the path for captures.
package enum NetlinkSockDiag {
    package struct Failure: Error, CustomStringConvertible {
        package var description: String
    }

    static let netlinkSockDiag: Int32 = 4        // NETLINK_SOCK_DIAG
    static let sockDiagByFamily: UInt16 = 20     // SOCK_DIAG_BY_FAMILY
    static let headerSize = 16                   // struct nlmsghdr
    static let requestSize = 56                  // struct inet_diag_req_v2
    static let messageSize = 72                  // struct inet_diag_msg
    // <linux/netlink.h>, which Glibc's module map does not export.
    static let requestFlag: UInt16 = 0x1         // NLM_F_REQUEST
    static let dumpFlags: UInt16 = 0x300         // NLM_F_DUMP (NLM_F_ROOT | NLM_F_MATCH)
    static let messageError: UInt16 = 2          // NLMSG_ERROR
    static let messageDone: UInt16 = 3           // NLMSG_DONE

    /// How the sockets are asked for.
    package enum Requests: Sendable {
        /// One request for both families (falling back to ``perFamily`` when the kernel refuses it).
        case combined
        /// Listeners of each family, then everything else of each family: four requests.
        case perFamily
    }

    static let tcpDiagGetSock: UInt16 = 18       // TCPDIAG_GETSOCK, the request of struct inet_diag_req
    static let compatRequestSize = 60            // struct inet_diag_req

    /// Dumps TCP sockets of both families into `aggregator`.
    ///
    /// One `TCPDIAG_GETSOCK` request (`struct inet_diag_req`, which the kernel serves with the family left
    /// unspecified) dumps IPv4 and IPv6 in one walk of the socket hash tables, listeners first; the
    /// per-family `SOCK_DIAG_BY_FAMILY` requests walk the established table once per family. Kernels that
    /// refuse it (an error before any socket) get the per-family requests, listeners of both families first.
    /// Returns the form the kernel answered.
    @discardableResult
    package static func read(into aggregator: inout SocketAggregator, requests: Requests = .combined) throws(Failure) -> Requests {
        let fd = try openSocket()
        defer { close(fd) }
        let listen: UInt32 = 1 << 10                       // TCPF_LISTEN
        let all: UInt32 = 0xFFFF_FFFF
        if requests == .combined {
            var records = 0
            do {
                try forEachMessage(fd: fd, request: compatRequest(states: all)) { m in
                    records += 1
                    record(m, into: &aggregator)
                }
                return .combined
            } catch where records == 0 {
                // Refused before any socket came: nothing was added, so ask the per-family way.
            }
        }
        for states in [listen, all & ~listen] {
            for family in [UInt8(AF_INET), UInt8(AF_INET6)] {
                try dump(fd: fd, request: familyRequest(family: family, states: states), into: &aggregator)
            }
        }
        return .perFamily
    }

    private static func openSocket() throws(Failure) -> Int32 {
        let fd = socket(AF_NETLINK, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), netlinkSockDiag)
        guard fd >= 0 else { throw Failure(description: "netlink socket: \(String(cString: strerror(errno)))") }
        return fd
    }

    /// `struct nlmsghdr` followed by `body`, with `nlmsg_len` and `nlmsg_type` set for a dump.
    private static func message(type: UInt16, body: Int, _ fill: (inout [UInt8]) -> Void) -> [UInt8] {
        var request = [UInt8](repeating: 0, count: headerSize + body)
        request.put32(UInt32(request.count), at: 0)                           // nlmsg_len
        request.put16(type, at: 4)                                           // nlmsg_type
        request.put16(requestFlag | dumpFlags, at: 6)                         // nlmsg_flags
        request.put32(UInt32(type), at: 8)                                    // nlmsg_seq: any
        fill(&request)
        return request
    }

    /// `struct inet_diag_req_v2` for one family.
    private static func familyRequest(family: UInt8, states: UInt32) -> [UInt8] {
        message(type: sockDiagByFamily, body: requestSize) { r in
            r[headerSize] = family                                            // sdiag_family
            r[headerSize + 1] = UInt8(IPPROTO_TCP)                            // sdiag_protocol
            r.put32(states, at: headerSize + 4)                               // idiag_states
        }
    }

    /// `struct inet_diag_req`: family, lengths and extensions 0, `inet_diag_sockid` (48 bytes) 0, states.
    private static func compatRequest(states: UInt32) -> [UInt8] {
        message(type: tcpDiagGetSock, body: compatRequestSize) { r in
            r.put32(states, at: headerSize + 52)                              // idiag_states
        }
    }

    private static func dump(fd: Int32, request: [UInt8], into aggregator: inout SocketAggregator) throws(Failure) {
        try forEachMessage(fd: fd, request: request) { record($0, into: &aggregator) }
    }

    /// The kernel's part alone: dumps every TCP socket with the combined request and only counts the records.
    /// The benchmark measures it as the floor under any reader of the live table.
    package static func countSockets() throws(Failure) -> Int {
        let fd = try openSocket()
        defer { close(fd) }
        var count = 0
        try forEachMessage(fd: fd, request: compatRequest(states: 0xFFFF_FFFF)) { _ in count += 1 }
        return count
    }

    /// Sends `request` and hands each `struct inet_diag_msg` of the answer to `body`.
    private static func forEachMessage(fd: Int32, request: [UInt8], _ body: (UnsafeRawBufferPointer) -> Void) throws(Failure) {
        // struct sockaddr_nl { sa_family_t nl_family; unsigned short nl_pad; u32 nl_pid; u32 nl_groups; }: the kernel.
        var address = [UInt8](repeating: 0, count: 12)
        address[0] = UInt8(AF_NETLINK & 0xFF)
        address[1] = UInt8(AF_NETLINK >> 8)
        let sent = request.withUnsafeBytes { raw in
            address.withUnsafeBytes { a in
                sendto(fd, raw.baseAddress, raw.count, 0, a.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(a.count))
            }
        }
        guard sent == request.count else { throw Failure(description: "netlink send: \(String(cString: strerror(errno)))") }

        let capacity = 1 << 18
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 8)
        defer { buffer.deallocate() }
        while true {
            let n = recv(fd, buffer.baseAddress, capacity, 0)
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "netlink receive: \(String(cString: strerror(errno)))")
            }
            var offset = 0
            while offset + headerSize <= n {
                let length = Int(buffer.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
                let type = buffer.loadUnaligned(fromByteOffset: offset + 4, as: UInt16.self)
                guard length >= headerSize, offset + length <= n else { throw Failure(description: "netlink: truncated message") }
                if type == messageDone { return }
                if type == messageError {
                    let code = buffer.loadUnaligned(fromByteOffset: offset + headerSize, as: Int32.self)
                    throw Failure(description: "netlink: \(String(cString: strerror(-code)))")
                }
                if length >= headerSize + messageSize {
                    body(UnsafeRawBufferPointer(rebasing: buffer[(offset + headerSize)..<(offset + length)]))
                }
                offset += (length + 3) & ~3
            }
        }
    }

    /// One `struct inet_diag_msg`: family, state, then `inet_diag_sockid` (ports and addresses in network order).
    @inline(__always)
    private static func record(_ m: UnsafeRawBufferPointer, into aggregator: inout SocketAggregator) {
        let family = m[0]
        let state = m[1]
        let sport = UInt16(m[4]) << 8 | UInt16(m[5])
        let dport = UInt16(m[6]) << 8 | UInt16(m[7])
        func word(_ offset: Int) -> UInt64 { UInt64(UInt32(bigEndian: m.loadUnaligned(fromByteOffset: offset, as: UInt32.self))) }
        let local: IPAddress, remote: IPAddress
        let isIPv6 = family == UInt8(AF_INET6)
        if isIPv6 {
            local = IPAddress(ipv6High: word(8) << 32 | word(12), low: word(16) << 32 | word(20))
            remote = IPAddress(ipv6High: word(24) << 32 | word(28), low: word(32) << 32 | word(36))
        } else {
            local = IPAddress(ipv4: UInt32(word(8)))
            remote = IPAddress(ipv4: UInt32(word(24)))
        }
        // idiag_inode follows expires, rqueue, wqueue and uid (offset 68 of struct inet_diag_msg).
        let inode = m.loadUnaligned(fromByteOffset: 68, as: UInt32.self)
        guard let state = TCPState(rawValue: state) else { return }
        // For a listening socket, idiag_rqueue is its accept queue now and idiag_wqueue the queue's limit.
        let queue = state == .listen
            ? (m.loadUnaligned(fromByteOffset: 56, as: UInt32.self), m.loadUnaligned(fromByteOffset: 60, as: UInt32.self)) : nil
        aggregator.add(state: state, local: local, localPort: sport, remote: remote, remotePort: dport, isIPv6: isIPv6,
                       inode: inode, queue: queue.map { (length: $0.0, limit: $0.1) })
    }
}
extension [UInt8] {
    fileprivate mutating func put32(_ v: UInt32, at i: Int) {
        for b in 0..<4 { self[i + b] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(b))) }
    }

    fileprivate mutating func put16(_ v: UInt16, at i: Int) {
        self[i] = UInt8(v & 0xFF)
        self[i + 1] = UInt8(v >> 8)
    }
}
#endif
