#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One network namespace of the live host: where to enter it and how a person finds it.
public struct NetworkNamespace: Sendable, Hashable, Codable {
    /// The namespace's inode (`stat -L /proc/PID/ns/net`): the same namespace always has the same one.
    public var inode: UInt64
    /// The file that refers to it: `/run/netns/NAME` or `/proc/PID/ns/net`.
    public var path: String
    /// Its `ip netns` name, if it has one.
    public var name: String?
    /// The lowest PID of the processes in it, if any process is.
    public var pid: Int32?
    /// That process's command (`/proc/PID/comm`).
    public var command: String?
    /// The container, systemd unit or Kubernetes pod that process belongs to (from `/proc/PID/cgroup`).
    public var owner: CgroupOwner?
    /// Whether it is the namespace TWAdvise itself runs in.
    public var isOwn: Bool

    /// A namespace; the label is made from what is known.
    package init(inode: UInt64, path: String, name: String? = nil, pid: Int32? = nil, command: String? = nil,
                owner: CgroupOwner? = nil, isOwn: Bool = false) {
        self.inode = inode
        self.path = path
        self.name = name
        self.pid = pid
        self.command = command
        self.owner = owner
        self.isOwn = isOwn
    }

    /// How a person finds it: `host`, its `ip netns` name, the pod or container, else the PID and command of
    /// its first process.
    public var label: String {
        if isOwn { return "host" }
        if let name { return "netns \(name)" }
        if let owner, owner.kind != .systemd { return owner.description }
        let process = pid.map { "pid \($0)" + (command.map { " (\($0))" } ?? "") } ?? "inode \(inode)"
        if let owner { return "\(process), \(owner.description)" }
        return process
    }
}

/// Who a process belongs to, read from its cgroup path: a systemd unit, a container, a Kubernetes pod.
public struct CgroupOwner: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The kind of owner.
    public enum Kind: String, Sendable, Codable {
        /// A systemd unit (`system.slice/nginx.service`).
        case systemd
        /// A Docker container (`docker-ID.scope`, `/docker/ID`).
        case docker
        /// A containerd container (`cri-containerd-ID.scope`).
        case containerd
        /// A CRI-O container (`crio-ID.scope`).
        case crio
        /// A Podman or libpod container (`libpod-ID.scope`).
        case podman
    }

    /// The kind of owner.
    public var kind: Kind
    /// The unit name, or the container id (full length).
    public var id: String
    /// The Kubernetes pod's UID, when the path says `kubepods`.
    public var podUID: String?
    /// The pod's namespace and name, where the kubelet's files on this host say so (`/var/log/pods`).
    public var podNamespace: String?
    /// The pod's name.
    public var podName: String?

    /// An owner.
    package init(kind: Kind, id: String, podUID: String? = nil, podNamespace: String? = nil, podName: String? = nil) {
        self.kind = kind
        self.id = id
        self.podUID = podUID
        self.podNamespace = podNamespace
        self.podName = podName
    }

    /// `pod default/web-7d9 (container 3f2a1b4c5d6e)`, `docker 3f2a1b4c5d6e`, `nginx.service`.
    public var description: String {
        if kind == .systemd { return id }
        let short = String(id.prefix(12))
        if let podNamespace, let podName { return "pod \(podNamespace)/\(podName) (container \(short))" }
        if let podUID { return "pod \(podUID) (container \(short))" }
        return "\(kind.rawValue) \(short)"
    }

    /// The owner a `/proc/PID/cgroup` text names, from its cgroup v2 line (`0::/...`) or else any line.
    /// `nil` for a process in no unit or container (a user session, the root cgroup).
    package static func parse(cgroup text: String) -> CgroupOwner? {
        var paths: [Substring] = []
        for line in text.split(separator: "\n").prefix(64) {
            // hierarchy-ID:controllers:path; the path may itself hold ':'.
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            if parts[0] == "0" { paths.insert(parts[2], at: 0) } else { paths.append(parts[2]) }
        }
        for path in paths {
            if let owner = parse(path: path) { return owner }
        }
        return nil
    }

    static func parse(path: Substring) -> CgroupOwner? {
        let components = path.split(separator: "/")
        var podUID: String?
        for component in components {
            // kubepods-burstable-pod<uid>.slice (systemd driver, '_' for '-') or pod<uid> (cgroupfs driver).
            if let range = component.ranges(of: "pod").last, component.hasPrefix("kubepods") || component.hasPrefix("pod") {
                var uid = component[range.upperBound...]
                if uid.hasSuffix(".slice") { uid = uid.dropLast(".slice".count) }
                if isUID(uid) { podUID = String(uid).replacing("_", with: "-") }
            }
        }
        let isKube = components.contains { $0.hasPrefix("kubepods") }
        for component in components.reversed() {
            var name = component
            if name.hasSuffix(".scope") { name = name.dropLast(".scope".count) }
            for (prefix, kind) in [("docker-", Kind.docker), ("cri-containerd-", .containerd), ("crio-", .crio), ("libpod-", .podman)]
            where name.hasPrefix(prefix) {
                let id = name.dropFirst(prefix.count)
                if isContainerID(id) { return CgroupOwner(kind: kind, id: String(id), podUID: podUID) }
            }
            // cgroupfs layouts: /docker/<id>, /kubepods/besteffort/pod<uid>/<id>.
            if isContainerID(name) {
                let parentIsDocker = components.contains("docker")
                return CgroupOwner(kind: isKube ? .containerd : (parentIsDocker ? .docker : .containerd), id: String(name), podUID: podUID)
            }
        }
        if let unit = components.last(where: { $0.hasSuffix(".service") }) { return CgroupOwner(kind: .systemd, id: String(unit)) }
        return nil
    }

    static func isContainerID(_ s: Substring) -> Bool {
        s.utf8.count == 64 && s.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    static func isUID(_ s: Substring) -> Bool {
        s.utf8.count == 36 && s.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) || $0 == 0x2D || $0 == 0x5F }
    }
}

/// Finds the network namespaces of the live host: its own, every `ip netns` name, every one a process is in.
package enum NetworkNamespaces {
    /// Most processes looked at (bounds the scan of `/proc` on a host with a huge PID space).
    static let maxProcesses = 1 << 20

    /// Every network namespace, the own first, then by label; de-duplicated by inode.
    ///
    /// - Parameters:
    ///   - proc: where `/proc` is (tests give a fixture for the cgroup parts).
    ///   - runNetns: where `ip netns` keeps its names.
    ///   - podLogs: where the kubelet keeps one directory per pod, `NAMESPACE_NAME_UID`.
    /// - Returns: the namespaces, and the processes whose namespaces could not be read (permission).
    package static func discover(proc: String = "/proc", runNetns: String = "/run/netns",
                                podLogs: String = "/var/log/pods") -> (namespaces: [NetworkNamespace], unreadable: [Int32]) {
        let found = discoverAll(proc: proc, runNetns: runNetns, podLogs: podLogs)
        return (found.namespaces, found.unreadable)
    }

    /// ``discover(proc:runNetns:podLogs:)`` with the entries of `runNetns` that are not network namespaces.
    package static func discoverAll(proc: String = "/proc", runNetns: String = "/run/netns", podLogs: String = "/var/log/pods")
        -> (namespaces: [NetworkNamespace], unreadable: [Int32], notNamespaces: [String]) {
        var notNamespaces: [String] = []
        var byInode: [UInt64: NetworkNamespace] = [:]
        let own = inode(of: proc + "/self/ns/net")
        if let own { byInode[own] = NetworkNamespace(inode: own, path: proc + "/self/ns/net", pid: getpid(), isOwn: true) }
        for name in ((try? listDirectory(runNetns)) ?? []).prefix(maxProcesses) {
            let path = runNetns + "/" + name
            // Only a namespace file counts, checked on a descriptor opened without blocking: a FIFO, a
            // device or a link to one put there by anyone who can write the directory is not a namespace.
            guard case .success(let fd) = NamespaceThread.openNamespace(path, inode: nil) else {
                notNamespaces.append(path)
                continue
            }
            var info = stat()
            let statted = fstat(fd, &info) == 0
            close(fd)
            guard statted else { continue }
            let ino = UInt64(info.st_ino)
            if byInode[ino] == nil { byInode[ino] = NetworkNamespace(inode: ino, path: path) }
            // The own namespace keeps its name too (its label stays `host`): run inside `ip netns exec NAME`,
            // the reader names it by it.
            byInode[ino]?.name = name
        }
        var unreadable: [Int32] = []
        let pods = podDirectories(podLogs)
        var seenProcesses = 0
        for entry in (try? listDirectory(proc)) ?? [] {
            guard let pid = Int32(entry), pid > 0 else { continue }
            seenProcesses += 1
            if seenProcesses > maxProcesses { break }
            guard let ino = inode(of: "\(proc)/\(pid)/ns/net") else {
                if errno == EACCES || errno == EPERM { unreadable.append(pid) }
                continue
            }
            if var known = byInode[ino] {
                // The own namespace's process is another than twadvise where there is one: a label or an
                // `nsenter -t PID` must outlive this run.
                let ownsOnlyUs = known.isOwn && known.pid == getpid() && pid != getpid()
                if known.pid == nil || ownsOnlyUs || (!known.isOwn && pid < known.pid!) {
                    known.pid = pid
                    known.command = command(proc: proc, pid: pid)
                    known.owner = owner(proc: proc, pid: pid, pods: pods)
                    if known.name == nil && !known.isOwn { known.path = "\(proc)/\(pid)/ns/net" }
                    byInode[ino] = known
                }
                continue
            }
            byInode[ino] = NetworkNamespace(inode: ino, path: "\(proc)/\(pid)/ns/net", pid: pid,
                                            command: command(proc: proc, pid: pid), owner: owner(proc: proc, pid: pid, pods: pods))
        }
        let sorted = byInode.values.sorted { a, b in
            if a.isOwn != b.isOwn { return a.isOwn }
            return (a.label, a.inode) < (b.label, b.inode)
        }
        return (sorted, unreadable, notNamespaces)
    }

    /// The namespace `wanted` names: an `ip netns` name or label, a PID in it, or a file that refers to it
    /// (`/proc/PID/ns/net`, `/run/netns/NAME`); `nil` when none does.
    package static func find(_ wanted: String, proc: String = "/proc", runNetns: String = "/run/netns") -> NetworkNamespace? {
        LiveNamespaceReader.match(wanted, in: discover(proc: proc, runNetns: runNetns).namespaces, proc: proc)
    }

    /// `init_net`'s inode where the kernel fixes it (Linux 6.18 and later, `NET_NS_INIT_INO` in uapi
    /// `linux/nsfs.h`); every other namespace's is allocated from 0xF0000000 up.
    package static let fixedInitialInode: UInt64 = 0xEFFF_FFF9

    /// Where the namespace twadvise runs in stands.
    package enum OwnPlace: Sendable, Equatable {
        /// It is the host's (or nothing says otherwise).
        case host
        /// It is another: `ip netns exec`, `nsenter -n`, `unshare -n`. The host's inode, when known.
        case inside(host: UInt64?)
    }

    /// Whether twadvise runs in the host's network namespace: by the fixed inode of `init_net` (6.18+: no
    /// privilege needed), else by PID 1's or kthreadd's namespace (root with CAP_SYS_PTRACE), else by an
    /// `ip netns` name the own namespace has (`ip netns exec NAME`). Where none of these can tell (an older
    /// kernel, no privilege, a PID namespace of its own), it is taken for the host's, as a container is.
    package static func ownPlace(proc: String = "/proc", runNetns: String = "/run/netns") -> OwnPlace {
        guard let own = inode(of: proc + "/self/ns/net") else { return .host }
        if own == fixedInitialInode { return .host }
        if let release = try? SystemFile(path: proc + "/sys/kernel/osrelease").readAll(limit: 256),
           let kernel = KernelVersion(parsing: String(decoding: release, as: UTF8.self).trimmed("\n")),
           (kernel.major, kernel.minor) >= (6, 18) {
            return .inside(host: fixedInitialInode)
        }
        if let initial = initialInode(proc: proc) { return own == initial ? .host : .inside(host: initial) }
        return ipNetnsName(of: own, runNetns: runNetns) != nil ? .inside(host: nil) : .host
    }

    /// The `ip netns` name of the namespace with `inode`, if `runNetns` has one (each entry checked as
    /// ``discoverAll(proc:runNetns:podLogs:)`` checks it: a namespace file, opened without blocking).
    package static func ipNetnsName(of inode: UInt64, runNetns: String = "/run/netns") -> String? {
        for name in ((try? listDirectory(runNetns)) ?? []).prefix(maxProcesses) {
            guard case .success(let fd) = NamespaceThread.openNamespace(runNetns + "/" + name, inode: nil) else { continue }
            var info = stat()
            let statted = fstat(fd, &info) == 0
            close(fd)
            if statted, UInt64(info.st_ino) == inode { return name }
        }
        return nil
    }

    /// The inode of the host's own network namespace, the one PID 1 runs in (or kthreadd, PID 2, where PID 1's
    /// cannot be read: kernel threads always run in it); `nil` when neither can be read. In a container with a
    /// PID namespace of its own, PID 1 is the container's and there is no kthreadd: the container is the host
    /// as far as this process can see.
    package static func initialInode(proc: String = "/proc") -> UInt64? {
        if let inode = inode(of: proc + "/1/ns/net") { return inode }
        guard command(proc: proc, pid: 2) == "kthreadd" else { return nil }
        return inode(of: proc + "/2/ns/net")
    }

    /// Whether this process may enter other network namespaces: `CAP_SYS_ADMIN` in its effective set.
    package static func canEnter(proc: String = "/proc") -> Bool {
        guard let caps = capabilities(proc: proc, pid: nil, set: "CapEff") else { return geteuid() == 0 }
        return caps & (1 << 21) != 0  // CAP_SYS_ADMIN
    }

    /// A capability set (`CapEff`, `CapPrm`) of process `pid` (this process when `nil`), from its status file.
    static func capabilities(proc: String, pid: Int32?, set: String) -> UInt64? {
        guard let bytes = try? SystemFile(path: proc + "/" + (pid.map(String.init) ?? "self") + "/status").readAll(limit: 1 << 16)
        else { return nil }
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") where line.hasPrefix(set + ":") {
            return UInt64(line.dropFirst(set.count + 1).trimmed(" \t"), radix: 16)
        }
        return nil
    }

    /// The kernel's names of capabilities 0 to 40 (capability.h).
    static let capabilityNames = [
        "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "SETPCAP",
        "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER",
        "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
        "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP",
        "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF",
        "CHECKPOINT_RESTORE",
    ]

    /// The warning for processes whose network namespaces could not be read: how many, the first five by PID
    /// and name (quoted, its `"` and `\\` escaped: a process names itself, and `x), PID 9 (sshd` must not read
    /// as another process), and why.
    package static func unreadableMessage(_ pids: [Int32], proc: String = "/proc") -> String {
        let named = pids.prefix(5).map { pid in
            "PID \(pid)" + (command(proc: proc, pid: pid).map { name in
                " \"" + name.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"") + "\""
            } ?? "")
        }.joined(separator: ", ") + (pids.count > 5 ? ", and \(pids.count - 5) more" : "")
        return "the network namespace of \(pids.count) process\(pids.count == 1 ? "" : "es") could not be read: \(named) (\(whyUnreadable(pids, proc: proc)))"
    }

    /// Why the network namespaces of `pids` (refused with EACCES or EPERM) could not be read, in a few words:
    /// without `CAP_SYS_PTRACE`, that; with it, the capabilities the first holds and this process does not
    /// (a ptrace access check refuses a more privileged process from another user namespace), or that it is
    /// in a user namespace this process has no capabilities in.
    package static func whyUnreadable(_ pids: [Int32], proc: String = "/proc") -> String {
        guard let own = capabilities(proc: proc, pid: nil, set: "CapEff"), own & (1 << 19) != 0 else {
            return "another user's /proc/PID/ns/net needs CAP_SYS_PTRACE besides CAP_SYS_ADMIN"
        }
        if let pid = pids.first, let theirs = capabilities(proc: proc, pid: pid, set: "CapPrm"),
           let mine = capabilities(proc: proc, pid: nil, set: "CapPrm") {
            let extra = (0..<capabilityNames.count).filter { theirs & ~mine & (1 << UInt64($0)) != 0 }.map { "CAP_" + capabilityNames[$0] }
            if !extra.isEmpty {
                return "refused although twadvise has CAP_SYS_PTRACE: PID \(pid) holds \(extra.joined(separator: ", ")), which twadvise lacks, so it is more privileged, or in a user namespace above twadvise's"
            }
        }
        return "refused although twadvise has CAP_SYS_PTRACE: the process is in a user namespace twadvise has no capabilities in"
    }

    static func inode(of path: String) -> UInt64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return UInt64(info.st_ino)
    }

    static func command(proc: String, pid: Int32) -> String? {
        guard let bytes = try? SystemFile(path: "\(proc)/\(pid)/comm").readAll(limit: 256) else { return nil }
        let text = String(decoding: bytes, as: UTF8.self).trimmed("\n")
        return text.isEmpty ? nil : text
    }

    static func owner(proc: String, pid: Int32, pods: [String: (namespace: String, name: String)]) -> CgroupOwner? {
        guard let bytes = try? SystemFile(path: "\(proc)/\(pid)/cgroup").readAll(limit: 1 << 16),
              var owner = CgroupOwner.parse(cgroup: String(decoding: bytes, as: UTF8.self)) else { return nil }
        if let uid = owner.podUID, let pod = pods[uid] {
            owner.podNamespace = pod.namespace
            owner.podName = pod.name
        }
        return owner
    }

    /// The kubelet's pod log directories, `NAMESPACE_NAME_UID`, by UID.
    package static func podDirectories(_ directory: String) -> [String: (namespace: String, name: String)] {
        var pods: [String: (namespace: String, name: String)] = [:]
        for entry in ((try? listDirectory(directory)) ?? []).prefix(100_000) {
            let parts = entry.split(separator: "_")
            guard parts.count == 3, CgroupOwner.isUID(parts[2]) else { continue }
            pods[String(parts[2])] = (String(parts[0]), String(parts[1]))
        }
        return pods
    }
}

extension StringProtocol {
    fileprivate func trimmed(_ set: String) -> String {
        let chars = Set(set)
        var s = Substring(self)
        while let f = s.first, chars.contains(f) { s = s.dropFirst() }
        while let l = s.last, chars.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
