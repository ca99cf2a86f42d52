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
        subcommands: [DiagnoseCommand.self, SnapshotCommand.self, WatchCommand.self, RecordCommand.self, FleetCommand.self, RulesCommand.self],
        defaultSubcommand: DiagnoseCommand.self
    )

    /// The command line, with a time that starts with '-' joined to its option (`--from -2h` becomes
    /// `--from=-2h`): argument-parser would read `-2h` as the short flags `-2` and `-h` (help).
    static let arguments: [String] = {
        var words = Array(CommandLine.arguments.dropFirst())
        var i = 0
        while i + 1 < words.count {
            if ["--at", "--from", "--to"].contains(words[i]), words[i + 1].hasPrefix("-"), words[i + 1] != "--" {
                words[i] += "=" + words[i + 1]
                words.remove(at: i + 1)
            }
            i += 1
        }
        return words
    }()

    /// Runs the command; bad usage exits with status 2 (documented in the README), not argument-parser's default 64.
    static func main() {
        if Array(CommandLine.arguments.dropFirst()) == ["--generate-manual"] {
            do { try output(Manual.mdoc(), newline: false) } catch { Glibc.exit(2) }
            Glibc.exit(0)
        }
        if let help = helpWithExamples(arguments) {
            do { try output(help) } catch { Glibc.exit(2) }
            Glibc.exit(0)
        }
        EarlyReading.start(for: arguments)
        do {
            var command = try incidentCommand() ?? parseAsRoot(arguments)
            do {
                try command.run()
            } catch {
                flushStandardOutput()
                throw error
            }
            flushStandardOutput()
        } catch {
            if exitCode(for: error) == .validationFailure {
                printError("twadvise: error: " + usageError(error, arguments: arguments))
                Glibc.exit(2)
            }
            exit(withError: error)
        }
    }

    static let examples = [
        ("twadvise", "diagnose the live host: a ranked runbook"),
        ("twadvise watch", "the netstat loop done right"),
        ("twadvise rules explain ports.destination-exhaustion", "what a rule checks"),
    ]

    /// The commands by their path of names, with their examples.
    static let commands: [(path: [String], type: any ParsableCommand.Type, examples: [(String, String)])] = [
        ([], Twadvise.self, Twadvise.examples),
        (["diagnose"], DiagnoseCommand.self, DiagnoseCommand.examples),
        (["snapshot"], SnapshotCommand.self, SnapshotCommand.examples),
        (["watch"], WatchCommand.self, WatchCommand.examples),
        (["record"], RecordCommand.self, RecordCommand.examples),
        (["fleet"], FleetCommand.self, FleetCommand.examples),
        (["rules"], RulesCommand.self, RulesCommand.examples),
        (["rules", "list"], RulesCommand.List.self, RulesCommand.List.examples),
        (["rules", "lint"], RulesCommand.Lint.self, RulesCommand.Lint.examples),
        (["rules", "test"], RulesCommand.Test.self, RulesCommand.Test.examples),
        (["rules", "explain"], RulesCommand.Explain.self, RulesCommand.Explain.examples),
        (["rules", "facts"], RulesCommand.Facts.self, RulesCommand.Facts.examples),
        (["rules", "export"], RulesCommand.Export.self, RulesCommand.Export.examples),
    ]

    /// `--help`, `-h` or `help ...`: argument-parser's help for the command, ending with its examples.
    static func helpWithExamples(_ arguments: [String]) -> String? {
        var words = arguments
        if words.first == "help" { words.removeFirst() } else if !words.contains(where: { $0 == "--help" || $0 == "-h" }) { return nil }
        let names = words.prefix { !$0.hasPrefix("-") }
        guard let command = commands.last(where: { Array(names.prefix($0.path.count)) == $0.path }) else { return nil }
        var text = helpMessage(for: command.type)
        while text.hasSuffix("\n") { text.removeLast() }
        let width = command.examples.map(\.0.count).max() ?? 0
        text += "\n\nEXAMPLES:\n" + command.examples.map { example, note in
            "  " + example + (note.isEmpty ? "" : String(repeating: " ", count: max(2, width - example.count + 2)) + "# " + note)
        }.joined(separator: "\n")
        return text
    }

    /// A usage error in one line, naming the option or command and where help is: argument-parser's message
    /// without its usage block, and for a mistyped command the closest one ("did you mean 'diagnose'?").
    static func usageError(_ error: any Error, arguments: [String]) -> String {
        var text = message(for: error).split(separator: "\n").first.map(String.init) ?? ""
        if text.hasPrefix("Error: ") { text.removeFirst("Error: ".count) }
        let rules = arguments.first == "rules"
        let command = rules ? "rules" + (arguments.count > 1 && !arguments[1].hasPrefix("-") ? " " + arguments[1] : "")
            : arguments.first.flatMap { ["diagnose", "snapshot", "watch"].contains($0) ? $0 : ($0.hasPrefix("-") ? "diagnose" : nil) } ?? ""
        let prefix = "Unexpected argument '"
        if text.hasPrefix(prefix), text.hasSuffix("'") {
            let word = String(text.dropFirst(prefix.count).dropLast())
            let position = rules ? 1 : 0
            if !word.hasPrefix("-"), arguments.indices.contains(position), arguments[position] == word {
                let names = rules ? RulesCommand.configuration.subcommands.map { $0._commandName }
                    : Twadvise.configuration.subcommands.map { $0._commandName }
                let scope = rules ? "twadvise rules" : "twadvise"
                if let close = Suggestions.closest(to: word, in: names) {
                    return "unknown command '\(word)'; did you mean '\(scope) \(close)'?"
                }
                return "unknown command '\(word)'; the commands are \(names.joined(separator: ", ")) (see '\(scope) --help')"
            }
        }
        return text + " (see 'twadvise \(command.isEmpty ? "" : command + " ")--help')"
    }

    /// `diagnose` and `snapshot`, parsed on their own: building argument-parser's tree of every command costs
    /// about 3 ms of reflection at start-up, which is most of the budget of a live snapshot. Anything this
    /// cannot parse (help, errors, other commands) goes the usual way, so messages and exit codes are unchanged.
    private static func incidentCommand() -> (any ParsableCommand)? {
        let rest = Array(arguments.dropFirst())
        let parsed: (any ParsableCommand)?
        switch arguments.first {
        case nil: parsed = try? DiagnoseCommand.parseAsRoot([])
        case "diagnose": parsed = try? DiagnoseCommand.parseAsRoot(rest)
        case "snapshot": parsed = try? SnapshotCommand.parseAsRoot(rest)
        case "--version"?: parsed = nil  // the root's own option: parsing it as diagnose first only fails
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
