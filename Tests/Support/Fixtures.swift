import Foundation
public import Glibc

/// Locates the peer captures in `../shared/fixtures/peers` (read in place, never copied into the repo).
public enum PeerFixtures {
    /// The package root, from this file's location.
    public static let packageRoot: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)  // Tests/Support/Fixtures.swift
        return parts.joined(separator: "/")
    }()

    /// `TWADVISE_PEER_FIXTURES` or `<package>/../shared/fixtures/peers`.
    public static let directory: String = {
        if let override = getenv("TWADVISE_PEER_FIXTURES") { return String(cString: override) }
        return packageRoot + "/../shared/fixtures/peers"
    }()

    /// Whether the folder is there; tests that need it are skipped with a visible reason otherwise.
    public static let available: Bool = {
        var info = stat()
        return stat(directory + "/expected.json", &info) == 0
    }()

    /// The reason shown when fixture tests are skipped.
    public static let skipReason = "peer fixtures not found at ../shared/fixtures/peers (set TWADVISE_PEER_FIXTURES)"

    public static func path(_ relative: String) -> String { directory + "/" + relative }

    public static func bytes(_ relative: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: path(relative))))
    }

    /// `expected.json`: fixture path → field → value (number, string, bool or null), as the peers assert.
    public static func expected() throws -> [String: [String: ExpectedValue]] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path("expected.json")))
        return try JSONDecoder().decode([String: [String: ExpectedValue]].self, from: data)
    }

    /// `observed.json`: values read by the fixture collector (cross-check only).
    public static func observed() throws -> [String: [String: ExpectedValue]] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path("observed.json")))
        return try JSONDecoder().decode([String: [String: ExpectedValue]].self, from: data)
    }
}

/// Locates the real sosreport trees in `../shared/fixtures/hotsos` (from Canonical's hotsos project), read in
/// place. `TWADVISE_PEER_FIXTURES=/nonexistent` (CI's second run) hides them too.
public enum HotsosFixtures {
    /// `<package>/../shared/fixtures/hotsos`, or beside `TWADVISE_PEER_FIXTURES` when that is set.
    public static let directory: String = {
        if let override = getenv("TWADVISE_PEER_FIXTURES") { return String(cString: override) + "/../hotsos" }
        return PeerFixtures.packageRoot + "/../shared/fixtures/hotsos"
    }()

    /// Whether the trees are there.
    public static let available: Bool = {
        var info = stat()
        return stat(directory + "/kubernetes/sos_commands", &info) == 0
    }()

    /// The reason shown when the tests are skipped.
    public static let skipReason = "hotsos sosreport trees not found at ../shared/fixtures/hotsos"

    /// The tree `name` (`kubernetes`, `storage/ceph-mon`).
    public static func path(_ name: String) -> String { directory + "/" + name }

    /// A raw file of a tree, as text.
    public static func text(_ name: String, _ relative: String) throws -> String {
        try String(contentsOfFile: path(name) + "/" + relative, encoding: .utf8)
    }

    /// `key = value` of the tree's `sos_commands/kernel/sysctl_-a`, read as a person would with grep.
    public static func sysctlA(_ name: String, _ key: String) throws -> String? {
        for line in try text(name, "sos_commands/kernel/sysctl_-a").split(separator: "\n") where line.hasPrefix(key + " = ") {
            return String(line.dropFirst(key.count + 3)).split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
        }
        return nil
    }
}

/// One value of expected.json.
public enum ExpectedValue: Decodable, Equatable, Sendable {
    case number(Int64)
    case string(String)
    case bool(Bool)
    case null

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Int64.self) { self = .number(n) }
        else { self = .string(try c.decode(String.self)) }
    }

    public var number: Int64? {
        if case .number(let n) = self { return n }
        return nil
    }

    public var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }
}

/// A temporary captured tree built from inline file contents (the hotsos scenario style); removed on deinit.
public final class TemporaryTree: @unchecked Sendable {
    public let root: String

    /// - Parameter files: path relative to the root → contents.
    public init(_ files: [String: String] = [:]) throws {
        var template = Array("/tmp/twadvise-tree-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw CocoaError(.fileWriteUnknown)
        }
        root = String(cString: made)
        for (path, text) in files { try write(path, Array(text.utf8)) }
    }

    deinit {
        _ = try? FileManager.default.removeItem(atPath: root)
    }

    public func path(_ relative: String) -> String { root + "/" + relative }

    /// Writes `bytes` at `relative`, creating directories.
    public func write(_ relative: String, _ bytes: [UInt8]) throws {
        let url = URL(fileURLWithPath: path(relative))
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }

    public func write(_ relative: String, _ text: String) throws {
        try write(relative, Array(text.utf8))
    }

    public func mkdir(_ relative: String) throws {
        try FileManager.default.createDirectory(atPath: path(relative), withIntermediateDirectories: true)
    }

    public func symlink(_ relative: String, to target: String) throws {
        try FileManager.default.createDirectory(
            at: URL(fileURLWithPath: path(relative)).deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: path(relative), withDestinationPath: target)
    }

    public func chmod(_ relative: String, _ mode: mode_t) {
        _ = Glibc.chmod(path(relative), mode)
    }

    /// Makes the whole tree readable by every user (for runs as another user).
    public func makeWorldReadable() {
        _ = Glibc.chmod(root, 0o755)
        if let e = FileManager.default.enumerator(atPath: root) {
            while let item = e.nextObject() as? String {
                var info = stat()
                let full = path(item)
                if lstat(full, &info) == 0, (info.st_mode & S_IFMT) != S_IFLNK {
                    _ = Glibc.chmod(full, (info.st_mode & S_IFMT) == S_IFDIR ? 0o755 : 0o644)
                }
            }
        }
    }
}

/// A fixed, realistic modern-kernel tree (6.x defaults) that tests modify.
public enum HostTrees {
    public static let modernSysctls: [String: String] = [
        "proc/sys/kernel/hostname": "web-1\n",
        "proc/sys/kernel/osrelease": "6.18.44-fc-v782\n",
        "proc/sys/net/ipv4/ip_local_port_range": "32768\t60999\n",
        "proc/sys/net/ipv4/ip_local_reserved_ports": "\n",
        "proc/sys/net/ipv4/ip_unprivileged_port_start": "1024\n",
        "proc/sys/net/ipv4/ip_autobind_reuse": "0\n",
        "proc/sys/net/ipv4/tcp_tw_reuse": "2\n",
        "proc/sys/net/ipv4/tcp_tw_reuse_delay": "1000\n",
        "proc/sys/net/ipv4/tcp_timestamps": "1\n",
        "proc/sys/net/ipv4/tcp_fin_timeout": "60\n",
        "proc/sys/net/ipv4/tcp_max_tw_buckets": "131072\n",
        "proc/sys/net/ipv4/tcp_max_orphans": "131072\n",
        "proc/sys/net/ipv4/tcp_syn_retries": "6\n",
        "proc/sys/net/ipv4/tcp_ehash_entries": "262144\n",
        "proc/sys/net/core/somaxconn": "4096\n",
        "proc/sys/fs/file-max": "2466170\n",
        "proc/sys/fs/nr_open": "1048576\n",
        "proc/sys/net/ipv4/tcp_mem": "45588\t60787\t91176\n",
        "proc/sys/fs/file-nr": "512\t0\t2466170\n",
        "proc/uptime": "3600.50 7000.00\n",
        "proc/net/sockstat": "sockets: used 7\nTCP: inuse 1 orphan 0 tw 0 alloc 1 mem 0\nUDP: inuse 0 mem 0\n",
        "proc/net/sockstat6": "TCP6: inuse 0\nUDP6: inuse 0\n",
        "proc/net/netstat": "TcpExt: TW TWRecycled TWKilled PAWSActive PAWSEstab TCPTimeWaitOverflow TCPAbortOnData ListenOverflows ListenDrops\nTcpExt: 0 0 0 0 0 0 0 0 0\n",
        "proc/net/snmp": "Tcp: RtoAlgorithm ActiveOpens PassiveOpens CurrEstab MaxConn\nTcp: 1 0 0 0 -1\n",
        "proc/net/tcp": "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n",
        "proc/net/tcp6": "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n",
    ]
}

/// Formats a /proc/net/tcp line the way the kernel does (host byte order on little-endian machines).
public enum ProcNetTCPLine {
    public static func ipv4(slot: Int, local: (String, Int), remote: (String, Int), state: UInt8) -> String {
        func hex(_ address: String, _ port: Int) -> String {
            let octets = address.split(separator: ".").compactMap { UInt32($0) }
            let value = octets.reduce(UInt32(0)) { $0 << 8 | $1 }.byteSwapped
            return hex8(value) + ":" + hex4(port)
        }
        return "\(String(repeating: " ", count: max(0, 4 - String(slot).count)))\(slot): \(hex(local.0, local.1)) \(hex(remote.0, remote.1)) \(hex2(state)) 00000000:00000000 00:00000000 00000000     0        0 0 1 0000000000000000 100 0 0 10 0"
    }

    /// `words` are the four 32-bit words of the address in network order.
    public static func ipv6(slot: Int, local: ([UInt32], Int), remote: ([UInt32], Int), state: UInt8) -> String {
        func hex(_ words: [UInt32], _ port: Int) -> String {
            words.map { hex8($0.byteSwapped) }.joined() + ":" + hex4(port)
        }
        return "\(String(repeating: " ", count: max(0, 4 - String(slot).count)))\(slot): \(hex(local.0, local.1)) \(hex(remote.0, remote.1)) \(hex2(state)) 00000000:00000000 00:00000000 00000000     0        0 0 1 0000000000000000 100 0 0 10 0"
    }

    static func hex8(_ v: UInt32) -> String { pad(String(v, radix: 16, uppercase: true), 8) }
    static func hex4(_ v: Int) -> String { pad(String(v, radix: 16, uppercase: true), 4) }
    static func hex2(_ v: UInt8) -> String { pad(String(v, radix: 16, uppercase: true), 2) }
    static func pad(_ s: String, _ n: Int) -> String { String(repeating: "0", count: max(0, n - s.count)) + s }
}
