import Glibc

/// Creates client-side TIME_WAIT sockets on loopback: listeners on 127.0.0.1 or ::1, and connections that the
/// client closes first. Bounded in count and time; the sockets leave TIME_WAIT by themselves after 60 s.
/// Used by the live tests and by `twadvise-bench live`.
public enum LoopbackLoad {
    public struct Failure: Error, CustomStringConvertible {
        public init(description: String) { self.description = description }
        public var description: String
    }

    public enum Family: Sendable {
        case ipv4, ipv6
    }

    /// Connections per listener at most: one per ephemeral port of the kernel's default range.
    public static let perListener = 28_000
    /// Connections per call at most.
    public static let maxCount = 112_000

    /// Makes `count` TIME_WAIT sockets over 127.0.0.1; returns the listener's port (every socket made is
    /// `127.0.0.1:eph -> 127.0.0.1:port`).
    public static func makeTimeWait(count: Int, deadlineSeconds: Double = 20) throws -> Int {
        try makeTimeWait(count: count, family: .ipv4, listeners: 1, deadlineSeconds: deadlineSeconds)[0]
    }

    /// Makes `count` TIME_WAIT sockets over ::1; returns the listener's port.
    public static func makeIPv6TimeWait(count: Int) throws -> Int {
        precondition(count <= 10_000, "bounded load only")
        return try makeTimeWait(count: count, family: .ipv6, listeners: 1)[0]
    }

    /// Makes `count` TIME_WAIT sockets spread round-robin over `listeners` new listeners; returns their ports.
    public static func makeTimeWait(count: Int, family: Family, listeners: Int, deadlineSeconds: Double = 20) throws -> [Int] {
        precondition(count > 0 && count <= min(maxCount, listeners * perListener), "bounded load only")
        var endpoints: [Endpoint] = []
        defer { endpoints.forEach { close($0.listener) } }
        for _ in 0..<listeners { endpoints.append(try Endpoint(family: family)) }
        let start = monotonicSeconds()
        for i in 0..<count {
            guard monotonicSeconds() - start < deadlineSeconds else { throw Failure(description: "deadline passed after \(i) connections") }
            try endpoints[i % listeners].closeFirst()
        }
        return endpoints.map(\.port)
    }

    /// Connections on loopback, `closed` of them closed by the client first (TIME_WAIT) and `held` kept open.
    /// Returns the listener's port and every descriptor kept open (listener, held clients and servers):
    /// the caller closes them.
    public static func makeHeldLoad(closed: Int, held: Int) throws -> (port: Int, descriptors: [Int32]) {
        precondition(closed <= maxCount && held <= 1000, "bounded load only")
        var endpoint = try Endpoint(family: .ipv4)
        var descriptors = [endpoint.listener]
        for _ in 0..<held {
            let (client, server) = try endpoint.open()
            descriptors += [client, server]
        }
        for _ in 0..<closed { try endpoint.closeFirst() }
        return (endpoint.port, descriptors)
    }

    /// `count` connections the server closes and the client keeps open: the client's sockets sit in
    /// CLOSE_WAIT toward the listener. Returns its port and the descriptors kept open (close them).
    public static func makeCloseWait(count: Int) throws -> (port: Int, descriptors: [Int32]) {
        precondition(count <= 1000, "bounded load only")
        let endpoint = try Endpoint(family: .ipv4)
        var descriptors = [endpoint.listener]
        for _ in 0..<count {
            let (client, server) = try endpoint.open()
            close(server)  // the peer closes; the client side never does: CLOSE_WAIT
            descriptors.append(client)
        }
        return (endpoint.port, descriptors)
    }

    /// `count` connects toward a listener whose accept queue is full (backlog 1, never accepted): past the
    /// first few, their SYNs are dropped and they wait in SYN_SENT. Returns the port and the descriptors.
    public static func makeSynSent(count: Int) throws -> (port: Int, descriptors: [Int32]) {
        precondition(count <= 1000, "bounded load only")
        let endpoint = try Endpoint(family: .ipv4, backlog: 1)
        var descriptors = [endpoint.listener]
        for _ in 0..<count {
            let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            guard client >= 0 else { throw Failure(description: "socket: errno \(errno)") }
            var address = endpoint.address
            let length = endpoint.length
            _ = withUnsafePointer(to: &address) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(client, $0, length) }
            }
            descriptors.append(client)
        }
        return (endpoint.port, descriptors)
    }

    /// A listener on loopback and its address.
    private struct Endpoint {
        let family: Int32
        let listener: Int32
        var address = sockaddr_storage()
        let length: socklen_t

        init(family: Family, backlog: Int32 = 4096) throws {
            self.family = family == .ipv4 ? AF_INET : AF_INET6
            length = socklen_t(family == .ipv4 ? MemoryLayout<sockaddr_in>.size : MemoryLayout<sockaddr_in6>.size)
            listener = socket(self.family, Int32(SOCK_STREAM.rawValue), 0)
            guard listener >= 0 else { throw Failure(description: "socket: errno \(errno)") }
            withUnsafeMutableBytes(of: &address) { raw in
                if family == .ipv4 {
                    let a = raw.baseAddress!.assumingMemoryBound(to: sockaddr_in.self)
                    a.pointee.sin_family = sa_family_t(AF_INET)
                    a.pointee.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
                } else {
                    let a = raw.baseAddress!.assumingMemoryBound(to: sockaddr_in6.self)
                    a.pointee.sin6_family = sa_family_t(AF_INET6)
                    a.pointee.sin6_addr = in6addr_loopback
                }
            }
            var length = self.length
            let fd = listener
            let ok = withUnsafeMutablePointer(to: &address) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && listen(fd, backlog) == 0 && getsockname(fd, $0, &length) == 0 }
            }
            guard ok else {
                close(listener)
                throw Failure(description: "bind/listen on loopback: errno \(errno)")
            }
        }

        /// The listener's port (the same offset in sockaddr_in and sockaddr_in6).
        var port: Int {
            withUnsafeBytes(of: address) { Int(UInt16(bigEndian: $0.load(fromByteOffset: 2, as: UInt16.self))) }
        }

        /// One connection kept open: the client's and the server's descriptors.
        func open() throws -> (Int32, Int32) {
            let client = socket(family, Int32(SOCK_STREAM.rawValue), 0)
            guard client >= 0 else { throw Failure(description: "socket: errno \(errno)") }
            var address = self.address
            let length = self.length
            let connected = withUnsafePointer(to: &address) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(client, $0, length) }
            }
            guard connected == 0 else {
                close(client)
                throw Failure(description: "connect: errno \(errno)")
            }
            return (client, accept(listener, nil, nil))
        }

        /// One connection that the client closes first: its side enters TIME_WAIT.
        mutating func closeFirst() throws {
            let (client, server) = try open()
            close(client)
            if server >= 0 {
                var byte: UInt8 = 0
                _ = read(server, &byte, 1)  // EOF once the client's FIN has arrived
                close(server)
            }
        }
    }

    static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// `TCP: ... tw N` from the live /proc/net/sockstat (`/proc/thread-self/net/sockstat`: the namespace of
    /// the calling thread, when it entered another).
    public static func sockstatTimeWait(_ path: String = "/proc/net/sockstat") -> Int? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 512)
        while fgets(&line, 512, file) != nil {
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            guard text.hasPrefix("TCP:") else { continue }
            let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
            if let i = fields.firstIndex(of: "tw"), i + 1 < fields.count { return Int(fields[i + 1]) }
        }
        return nil
    }
}
