import Glibc

/// Creates client-side TIME_WAIT sockets on loopback: a listener on 127.0.0.1, `count` connections that the
/// client closes first. Bounded in count and time; the sockets leave TIME_WAIT by themselves after 60 s.
public enum LoopbackLoad {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Returns the listener's port; every TIME_WAIT made is `127.0.0.1:eph -> 127.0.0.1:port`.
    public static func makeTimeWait(count: Int, deadlineSeconds: Double = 20) throws -> Int {
        precondition(count > 0 && count <= 50_000, "bounded load only")
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw Failure(description: "socket: \(errno)") }
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) }
        }
        guard bound == 0, listen(listener, 1024) == 0 else { throw Failure(description: "bind/listen: \(errno)") }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        let start = monotonicSeconds()
        for _ in 0..<count {
            guard monotonicSeconds() - start < deadlineSeconds else { throw Failure(description: "deadline passed") }
            let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard client >= 0 else { throw Failure(description: "socket: \(errno)") }
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(client, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else {
                close(client)
                throw Failure(description: "connect: errno \(errno)")
            }
            let server = accept(listener, nil, nil)
            close(client)  // the client closes first: its side enters TIME_WAIT
            if server >= 0 {
                var byte: UInt8 = 0
                _ = read(server, &byte, 1)  // EOF once the client's FIN has arrived
                close(server)
            }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// `TCP: ... tw N` from the live /proc/net/sockstat.
    public static func sockstatTimeWait() -> Int? {
        guard let file = fopen("/proc/net/sockstat", "r") else { return nil }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 512)
        while fgets(&line, 512, file) != nil {
            let text = String(cString: line)
            guard text.hasPrefix("TCP:") else { continue }
            let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
            if let i = fields.firstIndex(of: "tw"), i + 1 < fields.count { return Int(fields[i + 1]) }
        }
        return nil
    }
}

extension LoopbackLoad {
    /// Client-closes-first connections over `::1`; returns the listener's port.
    public static func makeIPv6TimeWait(count: Int) throws -> Int {
        precondition(count > 0 && count <= 10_000, "bounded load only")
        let listener = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw Failure(description: "socket: \(errno)") }
        defer { close(listener) }
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_addr = in6addr_loopback
        var length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) } }
        guard bound == 0, listen(listener, 1024) == 0 else { throw Failure(description: "bind/listen ::1: \(errno)") }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }
        for _ in 0..<count {
            let client = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
            let ok = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(client, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
            guard ok == 0 else { close(client); throw Failure(description: "connect ::1: \(errno)") }
            let server = accept(listener, nil, nil)
            close(client)
            if server >= 0 { var byte: UInt8 = 0; _ = read(server, &byte, 1); close(server) }
        }
        return Int(UInt16(bigEndian: address.sin6_port))
    }
}
