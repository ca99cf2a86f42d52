#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Where a diagnosis's facts come from, and the one call that reads them: the live host, a captured tree,
/// captured command output, a saved snapshot, or a sosreport (whose network namespaces each give a snapshot).
public struct FactsInput: Sendable, Hashable {
    /// A captured tree (`--root`); `nil` for the live host, or for captured command output alone.
    public var root: String?
    /// A snapshot file written by `twadvise snapshot` (`--facts`; `-` for standard input).
    public var snapshotFile: String?
    /// A sosreport directory or archive (`--sos`), and one of its network namespaces.
    public var sosReport: String?
    /// One network namespace to read instead of the host's: of the sosreport, or of the live host (its
    /// `ip netns` name, a PID in it, or a path such as `/proc/PID/ns/net` or `/run/netns/NAME`).
    public var namespace: String?
    /// On the live host, read only the network namespace TWAdvise runs in.
    public var hostNamespaceOnly: Bool
    /// Captured `ss`/`netstat`/`sysctl -a`/`nstat` output.
    public var captured: CapturedOutputs
    /// Destinations kept in detail.
    public var topDestinations: Int
    /// Seconds between two counter readings, for rates (live host only).
    public var interval: Double?
    /// On the live host, whether and how to find the processes that hold the sockets: by default one scan of
    /// every `/proc/PID/fd` serves every namespace; `watch`, which shows no owner, turns it ``OwnerLookupPolicy/off``.
    public var owners: OwnerLookupPolicy = .scanOnce
    /// Counts the `/proc/PID/fd` scans this input's reading makes (tests).
    package var scanCounter: OwnerScanCounter?

    /// The path of the warnings that said which network namespaces were read in snapshots written before
    /// ``FactsSnapshot/notCovered``: decoding such a snapshot moves them there.
    public static let namespacesNotice = "network namespaces"

    /// Most network namespaces of a sosreport diagnosed; the report names the bound when it is hit.
    package static let maxNamespaces = 256

    /// Whether the input is the live host (no tree, capture, sosreport or snapshot file given).
    package var isLive: Bool { root == nil && captured.isEmpty && sosReport == nil && snapshotFile == nil }

    /// Whether the input is every network namespace of the live host.
    package var readsEveryLiveNamespace: Bool { isLive && namespace == nil && !hostNamespaceOnly }

    /// The largest snapshot file read, from a file or standard input.
    static let snapshotSizeLimit = 64 << 20

    /// An input; with nothing given, the live host.
    public init(root: String? = nil, snapshotFile: String? = nil, sosReport: String? = nil, namespace: String? = nil,
                hostNamespaceOnly: Bool = false, captured: CapturedOutputs = CapturedOutputs(), topDestinations: Int = 100,
                interval: Double? = nil) {
        self.root = root
        self.snapshotFile = snapshotFile
        self.sosReport = sosReport
        self.namespace = namespace
        self.hostNamespaceOnly = hostNamespaceOnly
        self.captured = captured
        self.topDestinations = topDestinations
        self.interval = interval
    }

    /// Every snapshot the input holds: one; for a sosreport or the live host, the host's and one per network
    /// namespace (only the one asked for, with ``namespace``; only the own, with ``hostNamespaceOnly``).
    ///
    /// - Throws: ``FactsInputError`` with one line when the input cannot be read at all; lesser problems are
    ///   warnings in the snapshots.
    public func load() throws(FactsInputError) -> [FactsSnapshot] {
        try load(alongside: nil)
    }

    /// Every snapshot the input holds, as ``load()`` gives them; `alongside` is called with the tree the
    /// input reads (the live `/`, the `--root` directory, the extracted sosreport) while it is open, to read
    /// more from it (its logs, its sysstat files). A snapshot file and captured output alone have no tree.
    public func load(alongside: ((FactSource) -> Void)?) throws(FactsInputError) -> [FactsSnapshot] {
        if let sosReport { return try loadSosReport(sosReport, alongside: alongside) }
        if let snapshotFile {
            // A whole host's snapshot carries its other namespaces: one diagnosis each, as when read live.
            var host = try loadSnapshotFile(snapshotFile)
            let namespaces = host.namespaces ?? []
            host.namespaces = nil
            return [host] + namespaces.map { namespace in
                var namespace = namespace
                namespace.origin.snapshotFile = snapshotFile
                return namespace
            }
        }
        let rootPath = root ?? "/"
        let readRoot = root != nil || captured.isEmpty
        if readRoot, !isDirectory(rootPath) { throw FactsInputError.notADirectory(path: rootPath) }
        var seen: [String: String] = [:]
        for path in captured.files {
            do {
                try InputFile.checkReadable(path)
            } catch {
                throw FactsInputError.unreadableFile(error)
            }
            // The same capture given twice would count every socket twice: each input is read once.
            let identity = InputFile.identity(path) ?? path
            if let first = seen[identity] {
                throw FactsInputError.givenTwice(path: path, first: first)
            }
            seen[identity] = path
        }
        if isLive, namespace != nil || !hostNamespaceOnly {
            let snapshots = try LiveNamespaceReader(input: self).read()
            alongside?(FactSource())
            return snapshots
        }
        var options = SnapshotReader.Options(topDestinations: topDestinations, interval: interval, captured: captured, readRoot: readRoot)
        options.owners = owners
        options.scanCounter = scanCounter
        var snapshot = SnapshotReader(source: FactSource(root: rootPath), options: options).read()
        if isLive, case .inside = NetworkNamespaces.ownPlace() { LiveNamespaceReader.markInside(&snapshot, hostRead: false) }
        if readRoot { alongside?(FactSource(root: rootPath)) }
        guard snapshot.hasAnyFact else {
            if readRoot {
                throw FactsInputError.noFacts(.tree(rootPath), problems: snapshot.warnings.count, first: snapshot.warnings.first?.description)
            }
            throw FactsInputError.noFacts(.capturedOutput, problems: snapshot.warnings.count, first: snapshot.warnings.first?.description)
        }
        return [snapshot]
    }

    func loadSnapshotFile(_ file: String) throws(FactsInputError) -> FactsSnapshot {
        let bytes: [UInt8]
        do {
            bytes = try file == "-" ? InputFile.readStandardInput(limit: Self.snapshotSizeLimit) : InputFile.read(file, limit: Self.snapshotSizeLimit)
        } catch {
            throw FactsInputError.unreadableSnapshot(error)
        }
        do {
            var snapshot = try FactsSnapshot.decode(json: Data(bytes))
            snapshot.origin.snapshotFile = file
            return snapshot
        } catch {
            throw FactsInputError.invalidSnapshot(path: file, reason: error.message)
        }
    }

    func loadSosReport(_ path: String, alongside: ((FactSource) -> Void)? = nil) throws(FactsInputError) -> [FactsSnapshot] {
        let report: SosReport
        do {
            report = try SosReport.open(path)
        } catch {
            throw FactsInputError.unreadableSosReport(error)
        }
        defer { report.close() }
        alongside?(FactSource(root: report.directory))
        let options = SnapshotReader.Options(topDestinations: topDestinations)
        var host = report.hostSnapshot(options: options)
        var namespaces = report.namespaces
        if let namespace {
            guard namespaces.contains(namespace) else {
                throw FactsInputError.namespaceNotCaptured(wanted: namespace, captured: namespaces)
            }
            return [report.namespaceSnapshot(namespace, host: host, options: options)]
        }
        guard host.hasAnyFact else { throw FactsInputError.noFacts(.sosReport(path), problems: host.warnings.count, first: host.warnings.first?.description) }
        if namespaces.count > Self.maxNamespaces {
            host.notCovered = (host.notCovered ?? []) + [
                "\(namespaces.count) network namespaces captured; the first \(Self.maxNamespaces) by name are diagnosed, \(namespaces.count - Self.maxNamespaces) are not (the bound of namespaces per report); any one of them is read when asked for by name"]
            namespaces = Array(namespaces.prefix(Self.maxNamespaces))
        }
        return [host] + namespaces.map { report.namespaceSnapshot($0, host: host, options: options) }
    }
}

/// An input that cannot be read at all. Each case carries its data; ``description`` says it in one line in
/// the library's own terms (a command-line tool says it with its option names).
public enum FactsInputError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Another network namespace was asked for; entering one needs root or `CAP_SYS_ADMIN`.
    case cannotEnterNamespaces(wanted: String)
    /// No network namespace found matches `wanted`; `candidates` are the first of those found (at most 20),
    /// `more` whether there were more.
    case namespaceNotFound(wanted: String, candidates: [String], more: Bool)
    /// The namespace `label` was found but could not be entered or read.
    case cannotReadNamespace(label: String, reason: String)
    /// The tree to read is not a directory.
    case notADirectory(path: String)
    /// A captured file cannot be read.
    case unreadableFile(InputFile.Failure)
    /// One capture given twice (`path` and `first` name the same file, or are the same name).
    case givenTwice(path: String, first: String)
    /// A snapshot file cannot be read.
    case unreadableSnapshot(InputFile.Failure)
    /// A snapshot file (`path` `-` is standard input) is not a snapshot.
    case invalidSnapshot(path: String, reason: String)
    /// A sosreport cannot be opened.
    case unreadableSosReport(SosReportError)
    /// The sosreport holds no capture of network namespace `wanted`; `captured` are those it holds.
    case namespaceNotCaptured(wanted: String, captured: [String])
    /// The input was read and holds no fact at all: `problems` were met, the first is `first`.
    case noFacts(Input, problems: Int, first: String?)

    /// What was read when ``noFacts(_:problems:first:)`` is thrown.
    public enum Input: Sendable, Equatable {
        /// The running host, from `/`.
        case liveHost
        /// A captured tree of `proc/` and `etc/`.
        case tree(String)
        /// Captured command output.
        case capturedOutput
        /// An extracted sosreport.
        case sosReport(String)
    }

    /// The problem in one line, without option names.
    public var description: String {
        switch self {
        case .cannotEnterNamespaces(let wanted):
            return "network namespace \(wanted): entering another network namespace needs root or CAP_SYS_ADMIN"
        case .namespaceNotFound(let wanted, let candidates, let more):
            return "network namespace \(wanted): no such network namespace (found: \(candidates.joined(separator: ", "))\(more ? ", ..." : ""))"
        case .cannotReadNamespace(let label, let reason):
            return "network namespace \(label): \(reason)"
        case .notADirectory(let path):
            return "\(path): not a directory"
        case .unreadableFile(let failure):
            return "cannot read \(failure)"
        case .givenTwice(let path, let first):
            return first == path ? "\(path) is given twice: each input is read once"
                                 : "\(path) and \(first) are the same file: each input is read once"
        case .unreadableSnapshot(let failure):
            return "cannot read snapshot \(failure)"
        case .invalidSnapshot(let path, let reason):
            return "\(path == "-" ? "standard input" : path): \(reason)"
        case .unreadableSosReport(let error):
            return "sosreport \(error)"
        case .namespaceNotCaptured(let wanted, let captured):
            return "network namespace \(wanted): not in the sosreport (it has: \(captured.isEmpty ? "none" : captured.joined(separator: ", ")))"
        case .noFacts(let input, let problems, let first):
            switch input {
            case .liveHost:
                return "/ holds no readable fact (\(problems) problems, the first: \(first ?? "none"))"
            case .tree(let path):
                return "\(path) holds no readable fact (expected proc/ and etc/ as on a host; \(problems) problems, the first: \(first ?? "none"))"
            case .capturedOutput:
                return "the captured output holds no readable fact: \(first ?? "nothing recognised")"
            case .sosReport(let path):
                return "sosreport \(path): holds no readable fact"
            }
        }
    }
}
