import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

@main
struct Twadvise: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "twadvise",
        abstract: "Diagnose TCP TIME_WAIT build-up and ephemeral-port exhaustion on Linux.",
        discussion: """
            Reads /proc and sysctl (or a captured tree with --root, or a saved snapshot with --facts) \
            and never changes anything on the host.
            """,
        version: "0.1.0",
        subcommands: [DiagnoseCommand.self, SnapshotCommand.self, WatchCommand.self, RulesCommand.self],
        defaultSubcommand: DiagnoseCommand.self
    )

    /// Runs the command; bad usage exits with status 2 (DESIGN §5), not argument-parser's default 64.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if exitCode(for: error) == .validationFailure {
                printError(fullMessage(for: error))
                printError("Usage: \(usageString())")
                Glibc.exit(2)
            }
            exit(withError: error)
        }
    }
}
