import ArgumentParser
import TWAdviseFacts
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Where facts come from, shared by every command that reads them.
struct FactsInputOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Read a captured tree (proc/, etc/ ...) instead of the live host.", valueName: "DIR"))
    var root: String?

    @Option(name: .long, help: ArgumentHelp("Read a snapshot written by 'twadvise snapshot' ('-' for standard input).", valueName: "FILE"))
    var facts: String?

    @Option(name: .long, help: "Destinations kept in detail (totals are always exact).")
    var top: Int = 100

    @Option(name: .long, help: ArgumentHelp("Read a sosreport: an extracted directory or the .tar.xz archive itself.", valueName: "PATH"))
    var sos: String?

    @Option(name: .long, help: ArgumentHelp("With --sos: the network namespace to read instead of the host's.", valueName: "NAME"))
    var namespace: String?

    @Option(name: .long, help: ArgumentHelp("Captured 'ss -tan' / 'ss -tanp' / 'ss -peaonmi' output as the socket table (repeatable).", valueName: "FILE"))
    var ss: [String] = []

    @Option(name: .long, help: ArgumentHelp("Captured 'netstat -an' / '-ant' / '-W -neopa' output as the socket table (repeatable).", valueName: "FILE"))
    var netstat: [String] = []

    @Option(name: .long, help: ArgumentHelp("Captured 'sysctl -a' output: runtime sysctls, hostname, kernel release.", valueName: "FILE"))
    var sysctl: String?

    @Option(name: .long, help: ArgumentHelp("Captured 'nstat -zas' output: TcpExt and Tcp counters.", valueName: "FILE"))
    var nstat: String?

    @Option(name: .long, help: ArgumentHelp("Take two counter readings this many seconds apart and record rates (live host only).", valueName: "SECONDS"))
    var interval: Double?

    func validate() throws {
        if root != nil && facts != nil {
            throw ValidationError("--root and --facts are alternatives: give one")
        }
        if sos != nil && (root != nil || facts != nil || !captured.isEmpty) {
            throw ValidationError("--sos reads a whole sosreport; it does not go with --root, --facts or captured output")
        }
        if namespace != nil && sos == nil { throw ValidationError("--namespace goes with --sos") }
        if facts != nil && !captured.isEmpty {
            throw ValidationError("--facts is a finished snapshot; --ss, --netstat, --sysctl and --nstat go with --root or alone")
        }
        if top < 1 { throw ValidationError("--top must be at least 1") }
        if let interval {
            guard interval > 0, interval <= 3600 else { throw ValidationError("--interval must be between 0 and 3600 seconds") }
            guard root == nil, facts == nil, sos == nil, captured.isEmpty else {
                throw ValidationError("--interval reads the live host twice; it does not go with --root, --facts or captured output")
            }
        }
    }

    /// Every snapshot the input holds: one, or for a sosreport the host's and one per network namespace
    /// (only the one asked for with --namespace).
    func loadAll() throws -> [FactsSnapshot] {
        guard let sos else { return [try load()] }
        let report: SosReport
        do {
            report = try SosReport.open(sos)
        } catch {
            throw InputError("--sos \(error)")
        }
        defer { report.close() }
        let options = SnapshotReader.Options(topDestinations: top)
        let host = report.hostSnapshot(options: options)
        let namespaces = report.namespaces
        if let namespace {
            guard namespaces.contains(namespace) else {
                throw InputError("--namespace \(namespace): not in the sosreport (it has: \(namespaces.isEmpty ? "none" : namespaces.joined(separator: ", ")))")
            }
            return [report.namespaceSnapshot(namespace, host: host, options: options)]
        }
        guard host.hasAnyFact else { throw InputError("--sos \(sos): holds no readable fact") }
        return [host] + namespaces.map { report.namespaceSnapshot($0, host: host, options: options) }
    }

    /// Reads the snapshot, or exits with status 2 and a one-line reason.
    func load() throws -> FactsSnapshot {
        if sos != nil { return try loadAll()[0] }
        if let facts {
            let data: Data
            if facts == "-" {
                data = Data(readAllStandardInput())
            } else {
                do {
                    data = Data(try InputFile.read(facts))
                } catch {
                    throw InputError("cannot read facts file \(error)")
                }
            }
            do {
                return try FactsSnapshot.decode(json: data)
            } catch {
                throw InputError("\(facts == "-" ? "standard input" : facts): \(error.message)")
            }
        }
        let rootPath = root ?? "/"
        let readRoot = root != nil || captured.isEmpty
        if readRoot {
            guard isExistingDirectory(rootPath) else {
                throw InputError("--root \(rootPath): not a directory")
            }
        }
        for path in captured.socketTables + [captured.sysctl, captured.nstat].compactMap({ $0 }) {
            do {
                try InputFile.checkReadable(path)
            } catch {
                throw InputError("cannot read \(error)")
            }
        }
        let reader = SnapshotReader(source: FactSource(root: rootPath),
                                    options: .init(topDestinations: top, interval: interval, captured: captured, readRoot: readRoot))
        let snapshot = reader.read()
        guard snapshot.hasAnyFact else {
            if readRoot {
                throw InputError("\(rootPath) holds no readable fact (expected proc/ and etc/ as on a host; \(snapshot.warnings.count) problems, the first: \(snapshot.warnings.first?.description ?? "none"))")
            }
            throw InputError("the captured output holds no readable fact: \(snapshot.warnings.first?.description ?? "nothing recognised")")
        }
        return snapshot
    }

    var captured: CapturedOutputs {
        CapturedOutputs(socketTables: ss + netstat, sysctl: sysctl, nstat: nstat)
    }
}

/// An input that cannot be read at all: printed on one line, exit status 2.
struct InputError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
