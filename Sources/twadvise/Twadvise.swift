import ArgumentParser
import TWAdvise
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
        version: TWAdviseVersion.version,
        subcommands: [DiagnoseCommand.self, SnapshotCommand.self, WatchCommand.self, RulesCommand.self],
        defaultSubcommand: DiagnoseCommand.self
    )

    /// Runs the command; bad usage exits with status 2 (documented in the README), not argument-parser's default 64.
    static func main() {
        do {
            var command = try incidentCommand() ?? parseAsRoot()
            do {
                try command.run()
            } catch {
                flushStandardOutput()
                throw error
            }
            flushStandardOutput()
        } catch {
            if exitCode(for: error) == .validationFailure {
                printError(fullMessage(for: error))
                printError("Usage: \(usageString())")
                Glibc.exit(2)
            }
            exit(withError: error)
        }
    }

    /// `diagnose` and `snapshot`, parsed on their own: building argument-parser's tree of every command costs
    /// about 3 ms of reflection at start-up, which is most of the budget of a live snapshot. Anything this
    /// cannot parse (help, errors, other commands) goes the usual way, so messages and exit codes are unchanged.
    private static func incidentCommand() -> (any ParsableCommand)? {
        let arguments = Array(CommandLine.arguments.dropFirst())
        let rest = Array(arguments.dropFirst())
        let parsed: (any ParsableCommand)?
        switch arguments.first {
        case nil: parsed = try? DiagnoseCommand.parseAsRoot([])
        case "diagnose": parsed = try? DiagnoseCommand.parseAsRoot(rest)
        case "snapshot": parsed = try? SnapshotCommand.parseAsRoot(rest)
        case let option? where option.hasPrefix("-"): parsed = try? DiagnoseCommand.parseAsRoot(arguments)  // the default command
        default: parsed = nil
        }
        // Help comes back as argument-parser's own help command, which would name the subcommand as the root.
        return parsed is DiagnoseCommand || parsed is SnapshotCommand ? parsed : nil
    }
}

/// Output that cannot be written is a failure, not a silent success: `print` buffers, so the error shows
/// only when the buffer is flushed (`rules list > /dev/full`). One line, exit 2.
func flushStandardOutput() {
    // fflush(NULL) flushes every output stream, standard output among them, without naming the global.
    if fflush(nil) != 0 {
        printError("twadvise: error: cannot write to standard output: \(String(cString: strerror(errno)))")
        exit(2)
    }
}
