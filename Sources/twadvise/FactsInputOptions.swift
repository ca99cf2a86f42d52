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

    @Option(name: .long, help: ArgumentHelp("Take two counter readings this many seconds apart and record rates (live host only).", valueName: "SECONDS"))
    var interval: Double?

    func validate() throws {
        if root != nil && facts != nil {
            throw ValidationError("--root and --facts are alternatives: give one")
        }
        if top < 1 { throw ValidationError("--top must be at least 1") }
        if let interval {
            guard interval > 0, interval <= 3600 else { throw ValidationError("--interval must be between 0 and 3600 seconds") }
            guard root == nil, facts == nil else { throw ValidationError("--interval reads the live host twice; it does not go with --root or --facts") }
        }
    }

    /// Reads the snapshot, or exits with status 2 and a one-line reason.
    func load() throws -> FactsSnapshot {
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
        guard isExistingDirectory(rootPath) else {
            throw InputError("--root \(rootPath): not a directory")
        }
        let reader = SnapshotReader(source: FactSource(root: rootPath), options: .init(topDestinations: top, interval: interval))
        let snapshot = reader.read()
        guard snapshot.hasAnyFact else {
            throw InputError("\(rootPath) holds no readable fact (expected proc/ and etc/ as on a host; \(snapshot.warnings.count) files failed)")
        }
        return snapshot
    }
}

/// An input that cannot be read at all: printed on one line, exit status 2.
struct InputError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
