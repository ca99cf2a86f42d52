import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Which process holds each socket: socket inode → PID, from `/proc/PID/fd` (one `readlinkat` per open
/// descriptor), bounded in descriptors read and in time. Socket inodes are unique across network
/// namespaces, so one index serves every namespace of the host.
///
/// Opaque outside the package: the readers make it (``OwnerLookupPolicy/scanOnce``); it is public only
/// because ``OwnerLookupPolicy/index(_:)`` carries one.
public struct SocketOwnerIndex: Sendable, Hashable {
    /// Socket inode → PID of the first process found holding it.
    var pids: [UInt32: Int32] = [:]
    /// Open descriptors per process (all kinds), for the processes read.
    package private(set) var descriptors: [Int32: Int] = [:]
    /// Processes whose descriptors could not be listed (another user's, without the privilege).
    package private(set) var unreadableProcesses = 0
    /// Whether the scan stopped at a bound before every process was read.
    package private(set) var truncated = false

    /// Most descriptors read in one scan.
    package static let maxDescriptors = 2_000_000
    /// Longest a scan runs.
    package static let timeLimit: Duration = .seconds(2)

    /// An empty index (tests build their own with ``record(inode:pid:)``).
    package init() {}

    /// Records that `pid` holds the socket `inode`.
    package mutating func record(inode: UInt32, pid: Int32) {
        if pids[inode] == nil { pids[inode] = pid }
    }

    /// The process holding socket `inode`, if it was found.
    package func pid(of inode: UInt32) -> Int32? { pids[inode] }

    /// Sockets (any kind) each process was found holding, computed in one pass.
    var socketCounts: [Int32: Int] {
        var counts: [Int32: Int] = [:]
        for pid in pids.values { counts[pid, default: 0] += 1 }
        return counts
    }

    /// Reads every process's descriptors under `proc`.
    package static func scan(proc: String = "/proc", maxDescriptors: Int = maxDescriptors, timeLimit: Duration = timeLimit) -> SocketOwnerIndex {
        var index = SocketOwnerIndex()
        let deadline = ContinuousClock.now + timeLimit
        var read = 0
        var buffer = [CChar](repeating: 0, count: 64)
        for entry in (try? listDirectory(proc)) ?? [] {
            guard let pid = Int32(entry), pid > 0 else { continue }
            if read >= maxDescriptors || ContinuousClock.now > deadline {
                index.truncated = true
                break
            }
            let fdDir = open("\(proc)/\(pid)/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard fdDir >= 0 else {
                if errno == EACCES || errno == EPERM { index.unreadableProcesses += 1 }
                continue
            }
            guard let dir = fdopendir(fdDir) else {
                close(fdDir)
                continue
            }
            var count = 0
            while let entry = readdir(dir) {
                let length = withUnsafePointer(to: entry.pointee.d_name) { name in
                    name.withMemoryRebound(to: CChar.self, capacity: 256) { name -> Int in
                        if name[0] == 0x2E { return -1 }  // "." and ".."
                        return readlinkat(fdDir, name, &buffer, buffer.count - 1)
                    }
                }
                guard length > 0 else { continue }
                count += 1
                if let inode = Self.socketInode(buffer, length: length) { index.record(inode: inode, pid: pid) }
                if read + count >= maxDescriptors { break }
            }
            closedir(dir)
            read += count
            index.descriptors[pid] = count
        }
        return index
    }

    /// `socket:[12345]` → 12345.
    static func socketInode(_ buffer: [CChar], length: Int) -> UInt32? {
        // "socket:[" is 8 bytes, then digits, then "]".
        guard length > 9, buffer[0] == 0x73, buffer[6] == 0x3A, buffer[7] == 0x5B, buffer[length - 1] == 0x5D else { return nil }
        var value: UInt64 = 0
        for i in 8..<(length - 1) {
            let digit = UInt64(UInt8(bitPattern: buffer[i])) &- 0x30
            guard digit < 10 else { return nil }
            value = value * 10 + digit
            if value > UInt64(UInt32.max) { return nil }
        }
        return UInt32(value)
    }

    /// What a person needs to know about `pid`: its command, unit or container, descriptors and their limit.
    package func process(_ pid: Int32, proc: String = "/proc", pods: [String: (namespace: String, name: String)] = [:]) -> SocketOwner {
        SocketOwner(pid: pid, command: NetworkNamespaces.command(proc: proc, pid: pid),
                    owner: NetworkNamespaces.owner(proc: proc, pid: pid, pods: pods),
                    openDescriptors: descriptors[pid], descriptorLimit: Self.openFileLimit(proc: proc, pid: pid))
    }

    /// The soft `RLIMIT_NOFILE` of `pid` ("Max open files" in `/proc/PID/limits`); `nil` for unlimited or unreadable.
    static func openFileLimit(proc: String, pid: Int32) -> Int64? {
        guard let bytes = try? SystemFile(path: "\(proc)/\(pid)/limits").readAll(limit: 1 << 14) else { return nil }
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") where line.hasPrefix("Max open files") {
            return line.dropFirst("Max open files".count).split(separator: " ").first.flatMap { Int64($0) }
        }
        return nil
    }
}

/// A process that holds sockets toward a destination.
public struct SocketOwner: Codable, Sendable, Hashable, CustomStringConvertible {
    /// Its PID.
    public var pid: Int32
    /// `/proc/PID/comm`.
    public var command: String?
    /// Its systemd unit, container or pod.
    public var owner: CgroupOwner?
    /// How many of the destination's live sockets (ESTABLISHED, SYN_SENT, ...) it holds.
    public var sockets: Int
    /// Its open descriptors, all kinds.
    public var openDescriptors: Int?
    /// Its soft `RLIMIT_NOFILE`.
    public var descriptorLimit: Int64?

    /// A process.
    package init(pid: Int32, command: String? = nil, owner: CgroupOwner? = nil, sockets: Int = 0,
                openDescriptors: Int? = nil, descriptorLimit: Int64? = nil) {
        self.pid = pid
        self.command = command
        self.owner = owner
        self.sockets = sockets
        self.openDescriptors = openDescriptors
        self.descriptorLimit = descriptorLimit
    }

    /// `curl (pid 4242, nginx.service)`.
    public var description: String {
        (command ?? "pid \(pid)") + " (pid \(pid)" + (owner.map { ", \($0.description)" } ?? "") + ")"
    }
}

/// Whether and how a reader finds the processes holding sockets: the one policy every input path honours.
public enum OwnerLookupPolicy: Sendable, Hashable {
    /// Look up no owner: no `/proc/PID/fd` is read (`watch`, whose view names no process).
    case off
    /// Read every `/proc/PID/fd` once, and let that one index serve every network namespace read.
    case scanOnce
    /// Use this index, already made (by an earlier scan, or by a test).
    case index(SocketOwnerIndex)
}

/// Counts the `/proc/PID/fd` scans one read made, so a test can check that ``OwnerLookupPolicy/off`` makes
/// none and ``OwnerLookupPolicy/scanOnce`` one for every namespace together (tests run in parallel: a
/// process-wide count would see the others' scans).
package final class OwnerScanCounter: Sendable, Hashable {
    private let value = Atomic<Int>(0)

    package init() {}

    /// Scans counted so far.
    package var count: Int { value.load(ordering: .relaxed) }

    func add() { value.add(1, ordering: .relaxed) }

    package static func == (a: OwnerScanCounter, b: OwnerScanCounter) -> Bool { a === b }
    package func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}

/// How far the owners of a socket table's sockets could be looked up.
public enum OwnerLookup: String, Codable, Sendable, Hashable {
    /// Every process's descriptors were read.
    case complete
    /// Some processes' descriptors could not be read (another user's) or a bound was hit.
    case partial
    /// No other user's process could be read: owners are not visible to this user.
    case notPermitted
    /// From the `users:` column of captured `ss -p` output: only what its user could see then.
    case captured
}
