import ArgumentParser
import TWAdvise

struct SnapshotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Print the facts snapshot (JSON) that rules are evaluated against.",
        usage: "twadvise snapshot [<input>] [--pretty]",
        discussion: """
            <input> is the live host by default, or --root, --facts, --sos, or captured output (--ss, --netstat, \
            --sysctl, --nstat). On the live host or a sosreport, the host's snapshot with every other network namespace's under \
            'namespaces'; --namespace NAME|PID|PATH gives one namespace's instead, --host-namespace the own one alone.
            """
    )
    static let examples = [
        ("twadvise snapshot --pretty > web1.json", "diagnose later with --facts web1.json"),
        ("twadvise snapshot --interval 10 > web1.json", "with rates over 10 s"),
        ("twadvise snapshot --root /mnt/capture", "a captured tree"),
    ]

    @OptionGroup var input: FactsInputOptions

    @Flag(name: .long, help: "Indent the JSON for reading.")
    var pretty = false

    func run() throws {
        try runReportingInputErrors {
            let snapshots = try input.loadAll()
            var snapshot = snapshots[0]
            if snapshots.count > 1 { snapshot.namespaces = Array(snapshots.dropFirst()) }
            var data = try snapshot.jsonData(pretty: pretty)
            data.append(0x0A)
            try writeStandardOutput(data)
        }
    }
}
