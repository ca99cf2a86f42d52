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

    /// Dumps TCP sockets of both families into `aggregator`.
    package static func read(into aggregator: inout SocketAggregator) throws(Failure) {
        let fd = socket(AF_NETLINK, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), netlinkSockDiag)
        guard fd >= 0 else { throw Failure(description: "netlink socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let listen: UInt32 = 1 << 10                       // TCPF_LISTEN
        let everythingElse: UInt32 = 0xFFFF_FFFF & ~listen
        for states in [listen, everythingElse] {
            for family in [UInt8(AF_INET), UInt8(AF_INET6)] {
                try dump(fd: fd, family: family, states: states, into: &aggregator)
            }
        }
    }

    private static func dump(fd: Int32, family: UInt8, states: UInt32, into aggregator: inout SocketAggregator) throws(Failure) {
        var request = [UInt8](repeating: 0, count: headerSize + requestSize)
        func put32(_ v: UInt32, at i: Int) { for b in 0..<4 { request[i + b] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(b))) } }
        func put16(_ v: UInt16, at i: Int) { request[i] = UInt8(v & 0xFF); request[i + 1] = UInt8(v >> 8) }
        put32(UInt32(request.count), at: 0)                                  // nlmsg_len
        put16(sockDiagByFamily, at: 4)                                       // nlmsg_type
        put16(requestFlag | dumpFlags, at: 6)                                // nlmsg_flags
        put32(UInt32(family) << 8 | states & 0xFF, at: 8)                    // nlmsg_seq: any
        request[headerSize] = family                                         // sdiag_family
        request[headerSize + 1] = UInt8(IPPROTO_TCP)                         // sdiag_protocol
        put32(states, at: headerSize + 4)                                    // idiag_states
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
                    record(UnsafeRawBufferPointer(rebasing: buffer[(offset + headerSize)..<(offset + length)]), into: &aggregator)
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
        aggregator.add(state: state, local: local, localPort: sport, remote: remote, remotePort: dport, isIPv6: isIPv6)
    }
}
#endif
