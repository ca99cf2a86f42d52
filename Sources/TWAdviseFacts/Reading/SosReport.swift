#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A sosreport: an extracted directory or a `.tar.xz` archive (extracted to a temporary directory, removed
/// by ``close()``).
///
/// The host's facts come from the copied `proc/` and `etc/` trees. Where sos did not copy a file, the command
/// captures stand in, in this order: the socket table from `sos_commands/networking/ss_-peaonmi*`, then
/// `netstat_-W_-neopa`, `netstat_-neopa`; sysctls from `sos_commands/kernel/sysctl_-a`; counters from
/// `sos_commands/networking/nstat_-zas`, then `netstat_-s`. Every network namespace sos captured
/// (`ip_netns_exec_NS_*` files, or `namespaces/NS/`) becomes a snapshot of its own: TIME_WAIT is per namespace.
public struct SosReport: Sendable {
    /// The report's top directory (the one holding `sos_commands/`).
    public let directory: String
    /// The temporary directory an archive was extracted to, removed by ``close()``.
    public let extractedTo: String?

    /// Opens an extracted sosreport directory or extracts a `.tar.xz`/`.tar.gz`/`.tar` archive.
    public static func open(_ path: String) throws(SosReportError) -> SosReport {
        if isDirectory(path) {
            guard let top = findTop(path) else { throw SosReportError(path: path, reason: "no sos_commands/ inside: not a sosreport") }
            return SosReport(directory: top, extractedTo: nil)
        }
        do { try InputFile.checkReadable(path) } catch { throw SosReportError(path: path, reason: error.reason) }
        var template = Array("/tmp/twadvise-sos-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw SosReportError(path: path, reason: "cannot create a temporary directory")
        }
        let temporary = String(cString: made)
        // GNU tar refuses members with '..' and strips leading '/'; nothing is written outside `temporary`.
        let status = run(["tar", "-xf", path, "-C", temporary, "--no-same-owner", "--no-same-permissions"])
        guard status == 0, let top = findTop(temporary) else {
            _ = run(["rm", "-rf", temporary])
            throw SosReportError(path: path, reason: status == 0 ? "no sos_commands/ inside: not a sosreport" : "tar could not extract it (exit \(status))")
        }
        return SosReport(directory: top, extractedTo: temporary)
    }

    /// Removes the extracted copy of an archive.
    public func close() {
        if let extractedTo { _ = Self.run(["rm", "-rf", extractedTo]) }
    }

    static func findTop(_ path: String) -> String? {
        if isDirectory(path + "/sos_commands") { return path }
        for name in (try? listDirectory(path)) ?? [] where isDirectory(path + "/" + name + "/sos_commands") {
            return path + "/" + name
        }
        return nil
    }

    /// Runs a fixed helper (tar, rm) with its output discarded: our own error says what went wrong.
    static func run(_ argv: [String]) -> Int32 {
        var pid: pid_t = 0
        var cargs = argv.map { strdup($0) } + [nil]
        defer { cargs.forEach { free($0) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        guard posix_spawnp(&pid, argv[0], &actions, nil, &cargs, environ) == 0 else { return -1 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (status & 0x7F) == 0 ? (status >> 8) & 0xFF : -1
    }

    private func exists(_ relative: String) -> Bool {
        access(directory + "/" + relative, F_OK) == 0
    }

    private func first(in folder: String, _ names: [String]) -> String? {
        let present = (try? listDirectory(directory + "/" + folder)) ?? []
        for name in names {
            if let hit = present.first(where: { $0 == name || ($0.hasPrefix(name) && name.hasSuffix("*") == false && $0.hasPrefix(name + "_")) }) {
                return directory + "/" + folder + "/" + hit
            }
        }
        return nil
    }

    /// The host's snapshot.
    public func hostSnapshot(options: SnapshotReader.Options = .init()) -> FactsSnapshot {
        var captured = CapturedOutputs()
        if !exists("proc/net/tcp") && !exists("proc/net/tcp6"),
           let table = first(in: "sos_commands/networking", ["ss_-peaonmi", "netstat_-W_-neopa", "netstat_-neopa", "netstat_-T_-neopa"]) {
            captured.socketTables = [table]
        }
        if !exists("proc/sys/net/ipv4/ip_local_port_range"), let sysctl = first(in: "sos_commands/kernel", ["sysctl_-a"]) {
            captured.sysctl = sysctl
        }
        if !exists("proc/net/netstat") {
            captured.nstat = first(in: "sos_commands/networking", ["nstat_-zas"])
            if captured.nstat == nil { captured.netstatStatistics = first(in: "sos_commands/networking", ["netstat_-s"]) }
        }
        var options = options
        options.captured = captured
        options.readRoot = true
        options.interval = nil
        var snapshot = SnapshotReader(source: FactSource(root: directory), options: options).read()
        snapshot.origin = FactsOrigin(kind: .sosreport, location: extractedTo == nil ? directory : directory,
                                      captured: captured.isEmpty ? nil : captured.files.map { $0.dropPrefix(directory + "/") }.joined(separator: ", "))
        snapshot.collectedAt = nil
        relativize(&snapshot)
        return snapshot
    }

    /// Names the files facts were read from relative to the top of the sosreport, not where it was extracted.
    func relativize(_ snapshot: inout FactsSnapshot) {
        let top = directory.hasSuffix("/") ? directory : directory + "/"
        let relative: (String) -> String = { $0.replacing(top, with: "") }
        snapshot.readFrom = snapshot.readFrom?.mapped(relative)
        if var sockets = snapshot.sockets {
            sockets.sources = sockets.sources.map(relative)
            snapshot.sockets = sockets
        }
    }

    /// Network namespaces sos captured, sorted.
    public var namespaces: [String] {
        var names: Set<String> = []
        let networking = directory + "/sos_commands/networking"
        for name in (try? listDirectory(networking + "/namespaces")) ?? [] where isDirectory(networking + "/namespaces/" + name) {
            names.insert(name)
        }
        for file in (try? listDirectory(networking)) ?? [] where file.hasPrefix("ip_netns_exec_") {
            let rest = file.dropFirst("ip_netns_exec_".count)
            for marker in ["_netstat_", "_ss_", "_nstat_", "_ip_", "_iptables", "_ethtool", "_ip6tables"] {
                if let r = rest.firstRange(of: marker) {
                    names.insert(String(rest[..<r.lowerBound]))
                    break
                }
            }
        }
        return names.sorted()
    }

    /// The snapshot of one network namespace, from its command captures; host name and kernel from the host.
    public func namespaceSnapshot(_ namespace: String, host: FactsSnapshot, options: SnapshotReader.Options = .init()) -> FactsSnapshot {
        let networking = directory + "/sos_commands/networking"
        var files: [String] = []
        if isDirectory(networking + "/namespaces/" + namespace) {
            files = ((try? listDirectory(networking + "/namespaces/" + namespace)) ?? []).map { networking + "/namespaces/" + namespace + "/" + $0 }
        }
        let prefix = "ip_netns_exec_\(namespace)_"
        files += ((try? listDirectory(networking)) ?? []).filter { $0.hasPrefix(prefix) }.map { networking + "/" + $0 }
        func pick(_ command: String) -> String? {
            files.first { $0.hasSuffix("_" + command) || $0.hasSuffix("/" + command) }
        }
        var captured = CapturedOutputs()
        if let table = pick("ss_-peaonmi") ?? pick("netstat_-W_-neopa") ?? pick("netstat_-neopa") { captured.socketTables = [table] }
        captured.nstat = pick("nstat_-zas")
        if captured.nstat == nil { captured.netstatStatistics = pick("netstat_-s") }
        var options = options
        options.captured = captured
        options.readRoot = false
        options.interval = nil
        var snapshot = SnapshotReader(options: options).read()
        snapshot.host = host.host
        snapshot.origin = FactsOrigin(kind: .sosreport, location: host.origin.location, namespace: namespace)
        relativize(&snapshot)
        snapshot.warnings.insert(FactWarning(path: "sos_commands/networking", message:
            "network namespace \(namespace): its sysctls (port range, tcp_tw_reuse, ...) are per namespace and not in the sosreport; rules that need them report insufficient data"), at: 0)
        return snapshot
    }
}

/// A sosreport that cannot be opened.
public struct SosReportError: Error, Sendable, CustomStringConvertible {
    /// The sosreport given.
    public var path: String
    /// Why it could not be opened.
    public var reason: String
    /// `PATH: REASON`.
    public var description: String { "\(path): \(reason)" }
}

extension String {
    func dropPrefix(_ prefix: String) -> String { hasPrefix(prefix) ? String(dropFirst(prefix.count)) : self }
}
