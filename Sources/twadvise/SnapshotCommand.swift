import ArgumentParser
import TWAdvise

struct SnapshotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Print the facts snapshot (JSON) that rules are evaluated against.",
        discussion: "With --sos, the host's snapshot; --namespace NAME gives a network namespace's instead."
    )

    @OptionGroup var input: FactsInputOptions

    @Flag(name: .long, help: "Indent the JSON for reading.")
    var pretty = false

    func run() throws {
        try runReportingInputErrors {
            let snapshot = try input.load()
            var data = try snapshot.jsonData(pretty: pretty)
            data.append(0x0A)
            try writeStandardOutput(data)
        }
    }
}
