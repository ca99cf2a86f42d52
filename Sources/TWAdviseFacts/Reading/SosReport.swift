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
package struct SosReport: Sendable {
    /// The report's top directory (the one holding `sos_commands/`).
    package let directory: String
    /// The temporary directory an archive was extracted to, removed by ``close()``.
    package let extractedTo: String?
    /// The path that was given (the archive, or the directory), which reports name.
    package let given: String

    /// Most entries an archive may hold.
    package static let maxEntries = 200_000
    /// Most bytes an archive may extract to.
    package static let maxExtractedBytes: Int64 = 4 << 30

    /// Opens an extracted sosreport directory or extracts a `.tar.xz`/`.tar.gz`/`.tar` archive.
    ///
    /// An archive is listed first and refused when it holds more than `maxEntries` entries, would extract
    /// to more than `maxBytes`, or holds a device node, a FIFO or a socket; only then is it extracted
    /// (as files owned by the caller) into a new temporary directory. `tar` runs by absolute path with a fixed
    /// environment and `--force-local`, so a name like `web01:x.tar.xz` is a file, not a remote host. On
    /// SIGINT or SIGTERM while `tar` runs, `tar` is stopped, the directory removed, and the signal taken.
    package static func open(_ path: String, maxEntries: Int = maxEntries,
                            maxBytes: Int64 = maxExtractedBytes) throws(SosReportError) -> SosReport {
        if isDirectory(path) {
            // A folder of several reports is not one report: name them rather than pick one.
            let reports = isDirectory(path + "/sos_commands") ? [] : reportsInside(path)
            guard reports.count <= 1 else {
                let shown = reports.prefix(10).joined(separator: ", ") + (reports.count > 10 ? ", ..." : "")
                throw SosReportError(path: path, reason: "holds \(reports.count) sosreports (\(shown)); give one of them (its directory)")
            }
            guard let top = findTop(path) else { throw SosReportError(path: path, reason: "no sos_commands/ inside: not a sosreport") }
            return SosReport(directory: top, extractedTo: nil, given: path)
        }
        do { try InputFile.checkReadable(path) } catch { throw SosReportError(path: path, reason: error.reason) }
        guard let tar = Self.tar else { throw SosReportError(path: path, reason: "no tar at /usr/bin/tar or /bin/tar to extract it") }
        let listing = Helper.run([tar, "--force-local", "-tvf", path], captureLimit: 64 << 20)
        guard listing.status == 0 else {
            throw SosReportError(path: path, reason: "tar could not list it (exit \(listing.status))")
        }
        try check(listing: listing.output, path: path, maxEntries: maxEntries, maxBytes: maxBytes)
        var template = Array("/tmp/twadvise-sos-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw SosReportError(path: path, reason: "cannot create a temporary directory")
        }
        let temporary = String(cString: made)
        // GNU tar refuses members with '..' and strips leading '/'; nothing is written outside `temporary`.
        let status = Helper.run([tar, "--force-local", "-xf", path, "-C", temporary, "--no-same-owner", "--no-same-permissions"],
                                cleanUp: temporary).status
        guard status == 0, let top = findTop(temporary) else {
            Helper.remove(temporary)
            throw SosReportError(path: path, reason: status == 0 ? "no sos_commands/ inside: not a sosreport" : "tar could not extract it (exit \(status))")
        }
        return SosReport(directory: top, extractedTo: temporary, given: path)
    }

    static let tar: String? = {
        let candidates: [String] = ["/usr/bin/tar", "/bin/tar"]
        return candidates.first { access($0, X_OK) == 0 }
    }()

    /// Refuses an archive whose `tar -tv` listing has too many entries, too many bytes, or special files.
    static func check(listing: [UInt8], path: String, maxEntries: Int, maxBytes: Int64) throws(SosReportError) {
        var entries = 0
        var bytes: Int64 = 0
        for line in listing.split(separator: 0x0A) where !line.isEmpty {
            entries += 1
            guard entries <= maxEntries else {
                throw SosReportError(path: path, reason: "more than \(maxEntries) entries; not extracted")
            }
            switch line.first {
            case UInt8(ascii: "c"), UInt8(ascii: "b"), UInt8(ascii: "p"), UInt8(ascii: "s"):
                throw SosReportError(path: path, reason: "holds a device node, FIFO or socket; not extracted")
            default: break
            }
            let fields = line.split(separator: UInt8(ascii: " "), maxSplits: 3, omittingEmptySubsequences: true)
            if fields.count >= 3, let size = Int64(String(decoding: fields[2], as: UTF8.self)) {
                bytes = bytes.addingReportingOverflow(size).partialValue
                guard bytes >= 0, bytes <= maxBytes else {
                    throw SosReportError(path: path, reason: "would extract to more than \(maxBytes) bytes; not extracted")
                }
            }
        }
    }

    /// Removes the extracted copy of an archive.
    package func close() {
        if let extractedTo { Helper.remove(extractedTo) }
    }

    /// The report's top: `path` itself, or the one directory in it that holds `sos_commands/`. A top found
    /// inside (an archive's `sosreport-HOST-...`) must be a directory itself, not a link to one elsewhere, and
    /// its `sos_commands` too.
    static func findTop(_ path: String) -> String? {
        if isDirectory(path + "/sos_commands") { return path }
        for name in (try? listDirectory(path)) ?? [] where isRealDirectory(path + "/" + name) && isRealDirectory(path + "/" + name + "/sos_commands") {
            return path + "/" + name
        }
        return nil
    }

    /// The directories in `path` that are sosreports (hold `sos_commands/`), by name.
    static func reportsInside(_ path: String) -> [String] {
        ((try? listDirectory(path)) ?? []).prefix(10_000).filter { isRealDirectory(path + "/" + $0) && isRealDirectory(path + "/" + $0 + "/sos_commands") }
    }

    /// Whether `path` is a directory and not a symbolic link to one.
    static func isRealDirectory(_ path: String) -> Bool {
        var info = stat()
        guard lstat(path, &info) == 0 else { return false }
        return (info.st_mode & S_IFMT) == S_IFDIR
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
    package func hostSnapshot(options: SnapshotReader.Options = .init()) -> FactsSnapshot {
        var captured = CapturedOutputs()
        if !exists("proc/net/tcp") && !exists("proc/net/tcp6"),
           let table = first(in: "sos_commands/networking", ["ss_-peaonmi", "netstat_-W_-neopa", "netstat_-neopa", "netstat_-T_-neopa"]) {
            captured.socketTables = [table]
        }
        // sysctl -a fills, key by key, what the copied proc/sys lacks (all of it, where sos copied none).
        if let sysctl = first(in: "sos_commands/kernel", ["sysctl_-a"]) {
            captured.sysctl = sysctl
        }
        if !exists("proc/net/netstat") {
            captured.nstat = first(in: "sos_commands/networking", ["nstat_-zas"])
            if captured.nstat == nil { captured.netstatStatistics = first(in: "sos_commands/networking", ["netstat_-s"]) }
        }
        var options = options
        var escaped: [FactWarning] = []
        options.captured = confined(captured, &escaped)
        options.readRoot = true
        options.interval = nil
        var snapshot = SnapshotReader(source: FactSource(root: directory), options: options).read()
        snapshot.warnings += escaped
        snapshot.origin = FactsOrigin(kind: .sosreport, location: given,
                                      captured: captured.isEmpty ? nil : captured.files.map { $0.dropPrefix(directory + "/") }.joined(separator: ", "))
        snapshot.collectedAt = nil
        applyHostCaptures(&snapshot)
        relativize(&snapshot)
        return snapshot
    }

    /// Uptime, capture time and the established hash size from sos's command captures, where the copied
    /// `/proc` does not give them.
    func applyHostCaptures(_ snapshot: inout FactsSnapshot) {
        let source = FactSource(root: directory)
        var ignored: [FactWarning] = []
        if snapshot.host.uptimeSeconds == nil, let bytes = source.read("sos_commands/host/uptime", warnings: &ignored, warnIfMissing: false),
           let seconds = SosHostParsers.uptimeSeconds(String(decoding: bytes, as: UTF8.self)) {
            snapshot.host.uptimeSeconds = seconds
            snapshot.warnings.removeAll { $0.path == "proc/uptime" && $0.message == FileReadError.missing.description }
        }
        for name in ["sos_commands/date/date_--utc", "sos_commands/date/date"] {
            guard let bytes = source.read(name, warnings: &ignored, warnIfMissing: false),
                  let at = SosHostParsers.utcDate(String(decoding: bytes, as: UTF8.self)) else { continue }
            snapshot.collectedAt = at
            break
        }
        if snapshot.sysctls.values["net.ipv4.tcp_ehash_entries"] == nil,
           let bytes = source.read("sos_commands/kernel/dmesg", warnings: &ignored, warnIfMissing: false),
           let entries = SosHostParsers.establishedHashEntries(bytes) {
            snapshot.sysctls.values["net.ipv4.tcp_ehash_entries"] = .integer(entries)
            snapshot.sysctls.absent.removeAll { $0 == "net.ipv4.tcp_ehash_entries" }
        }
    }

    /// The captures that are regular files inside the report: a symbolic link out of it (to a file of this
    /// host) is left out with a warning that does not quote the file, and nothing but a regular file is read.
    func confined(_ captured: CapturedOutputs, _ warnings: inout [FactWarning]) -> CapturedOutputs {
        func keep(_ path: String?) -> String? {
            guard let path else { return nil }
            do {
                // Checked now for the warning; read later through the same confined open.
                _ = try SystemFile(confined: path, within: directory)
                return path
            } catch {
                warnings.append(FactWarning(path: path.replacing(directory + "/", with: ""), message: error.description))
                return nil
            }
        }
        var result = CapturedOutputs(socketTables: captured.socketTables.compactMap(keep), sysctl: keep(captured.sysctl),
                                     nstat: keep(captured.nstat), netstatStatistics: keep(captured.netstatStatistics))
        result.foundInTree = true
        result.tree = directory
        return result
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
    package var namespaces: [String] {
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
    package func namespaceSnapshot(_ namespace: String, host: FactsSnapshot, options: SnapshotReader.Options = .init()) -> FactsSnapshot {
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
        var escaped: [FactWarning] = []
        options.captured = confined(captured, &escaped)
        options.readRoot = false
        options.interval = nil
        var snapshot = SnapshotReader(options: options).read()
        snapshot.warnings += escaped
        snapshot.host = host.host
        snapshot.origin = FactsOrigin(kind: .sosreport, location: host.origin.location, namespace: namespace)
        relativize(&snapshot)
        if snapshot.sockets == nil, snapshot.counters.isEmpty {
            snapshot.notRead = snapshot.warnings.first.map(\.description) ?? "the sosreport holds no socket table or counters of it"
        }
        snapshot.warnings.insert(FactWarning(path: "sos_commands/networking", message:
            "network namespace \(namespace): its sysctls (port range, tcp_tw_reuse, ...) are per namespace and not in the sosreport; rules that need them report insufficient data"), at: 0)
        return snapshot
    }
}

/// A sosreport that cannot be opened.
public struct SosReportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The sosreport given.
    public var path: String
    /// Why it could not be opened.
    public var reason: String

    /// An error about `path`.
    package init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
    /// `PATH: REASON`.
    public var description: String { "\(path): \(reason)" }
}

extension String {
    func dropPrefix(_ prefix: String) -> String { hasPrefix(prefix) ? String(dropFirst(prefix.count)) : self }
}
