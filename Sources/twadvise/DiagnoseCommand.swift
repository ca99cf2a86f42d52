import ArgumentParser
import TWAdvise
import TWAdviseHistory
import TWAdviseFacts
import TWAdviseRecorder
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

struct DiagnoseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diagnose",
        abstract: "Evaluate the rules and print a ranked runbook (the main job).",
        usage: "twadvise diagnose [<input>] [<rules>] [--format markdown|json|terminal] [--min-severity <severity>] [--output <file>]",
        discussion: """
            <input> is the live host by default, or --root, --facts, --sos, or captured output (--ss, --netstat, \
            --sysctl, --nstat); <rules> are --rules, --overlay, --disable and --no-builtin.

            Exit status: 0 on success; 1 when --fail-on is given and a finding reaches that severity; \
            2 for bad usage, rules with errors, or input that cannot be read at all.
            """
    )
    static let examples = [
        ("twadvise diagnose", "the live host, every network namespace"),
        ("twadvise diagnose --sos sosreport-web1.tar.xz --min-severity medium", "a postmortem"),
        ("twadvise diagnose --ss ss.txt --sysctl sysctl.txt --format json", "captured command output"),
        ("twadvise diagnose --sos sosreport-web1.tar.xz --history --from -1d", "the worst moment its logs and sysstat kept"),
        ("twadvise diagnose --prometheus http://prometheus:9090 --instance web-1:9100 --from -6h", "from node_exporter's history"),
    ]

    @OptionGroup var input: FactsInputOptions
    @OptionGroup var rules: RuleOptions
    @OptionGroup(title: "History (a postmortem)") var past: HistoryOptions

    @Option(help: ArgumentHelp(
        "markdown, json, or terminal (Markdown rendered with bold and colour; NO_COLOR turns colour off). Default: terminal when standard output is a terminal, else markdown.",
        valueName: "format"))
    var format: ReportFormat?
    @Option(name: .customLong("min-severity"), help: ArgumentHelp("Leave out findings below this severity.", valueName: "severity"))
    var minSeverity: SeverityArgument = .init(.info)
    @Option(name: .customLong("fail-on"), help: ArgumentHelp("Exit 1 when a finding reaches this severity.", valueName: "severity"))
    var failOn: SeverityArgument?
    @Option(name: .long, help: ArgumentHelp("Write the report to FILE instead of standard output.", valueName: "file"))
    var output: String?
    @Option(name: .long, help: ArgumentHelp("Runbook templates that replace or add to the built-in ones.", valueName: "dir"))
    var runbooks: String?
    @Flag(help: "Print each rule's evaluation time to standard error.") var profile = false

    func run() throws {
        try runReportingInputErrors {
            // The rules and templates load on a worker while this thread reads the input; what goes wrong is
            // reported in the same order as before: the rules' errors first, then the input's. An input that
            // may keep this thread waiting (standard input, two readings --interval apart) is read after the
            // rules loaded, as before, so that an error in them is said at once.
            let loading = rules.loadingAdvisor(runbooks: runbooks)
            let diagnoses: [Diagnosis]
            if past.wanted {
                diagnoses = [try postmortem(try rules.advisor(loading))]
            } else {
                let advisor: Advisor
                let snapshots: [FactsSnapshot]
                if input.interval == nil, input.facts != "-" {
                    let read = Result { try input.loadAll(printingNotices: false) }
                    advisor = try rules.advisor(loading)
                    snapshots = try read.get()
                    input.printNotices(snapshots)
                } else {
                    advisor = try rules.advisor(loading)
                    snapshots = try input.loadAll()
                }
                diagnoses = snapshots.map { advisor.diagnose($0, minimumSeverity: minSeverity.value, profile: profile) }
            }
            guard let diagnosis = diagnoses.first else { throw InputError("no facts to diagnose") }
            let form = format ?? (output == nil && isatty(1) == 1 ? .terminal : .markdown)
            let data = try advisorCall { () throws(AdvisorError) -> Data in
                switch form {
                case .markdown:
                    // With several network namespaces: their table, then the host's runbook and each with findings.
                    return Data(try Diagnosis.markdown(diagnoses).utf8)
                case .terminal:
                    let environment = ProcessInfo.processInfo.environment
                    let color = (environment["NO_COLOR"] ?? "").isEmpty && environment["TERM"] != "dumb"
                    return Data((try Diagnosis.terminal(diagnoses, color: color) + "\n").utf8)
                case .json:
                    return try Diagnosis.json(diagnoses)
                }
            }
            if let output {
                try OutputFile.write(Array(data), to: output)
            } else {
                try writeStandardOutput(data)
            }
            if profile {
                for result in diagnosis.evaluation.results.sorted(by: { ($0.nanoseconds ?? 0) > ($1.nanoseconds ?? 0) }) {
                    let ms = Double(result.nanoseconds ?? 0) / 1e6
                    printError("\(FactValue.format(ms)) ms\t\(result.ruleID)")
                }
            }
            if let failOn, let highest = diagnoses.flatMap(\.findings).map(\.severity).max(), highest >= failOn.value {
                throw ExitCode(1)
            }
        }
    }
}

extension DiagnoseCommand {
    /// The diagnosis of the worst moment of a window of history: the input's own logs and sysstat files
    /// (`--history`), Prometheus (`--prometheus`), or both; the input read now gives what history does not
    /// keep (sysctls, persistent configuration). With `--prometheus` and no input named, nothing is read here:
    /// the live host is not the host asked about.
    func postmortem(_ advisor: Advisor) throws -> Diagnosis {
        let window = try past.window()
        if let directory = past.recording {
            do throws(RecorderError) {
                let store = try RecordingStore.openForReading(directory: directory)
                defer { store.close() }
                return try advisor.diagnose(recording: store, window: window, minimumSeverity: minSeverity.value)
            } catch {
                throw InputError("--recording \(directory): \(error.message)")
            }
        }
        var history = History()
        let inputNamed = input.root != nil || input.sos != nil || input.facts != nil || !input.captured.isEmpty
        var base: FactsSnapshot
        if past.prometheus == nil || inputNamed {
            let wantsLogs = past.history
            var snapshots: [FactsSnapshot]
            do {
                snapshots = try input.input.load(alongside: { source in
                    if wantsLogs { history = history.merging(HostHistory.read(source, window: window)) }
                })
            } catch {
                throw InputError(error.commandLineMessage)
            }
            base = snapshots.removeFirst()
            // The other network namespaces read (the live host as root, a sosreport's) stay with the reading:
            // when the reading is the report, it covers them as `diagnose` without a window does.
            if !snapshots.isEmpty { base.namespaces = (base.namespaces ?? []) + snapshots }
            if past.history, input.facts != nil || (input.root == nil && input.sos == nil && !input.captured.isEmpty) {
                history.notRead.append(HistoryGap(source: "--history", reason: "a snapshot file or captured output holds no log: give --root or --sos"))
            }
        } else {
            base = FactsSnapshot(origin: FactsOrigin(kind: .history, location: "prometheus \(past.prometheus!)", captured: past.instance))
            base.host.hostname = past.instance
        }
        if let remote = try past.prometheusHistory(window) { history = history.merging(remote) }
        return advisor.diagnose(history: history, base: base, window: window, minimumSeverity: minSeverity.value)
    }
}

enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
    case markdown, json, terminal
}

struct SeverityArgument: ExpressibleByArgument, CustomStringConvertible {
    var value: Severity
    init(_ value: Severity) { self.value = value }
    var description: String { value.rawValue }
    var defaultValueDescription: String { value.rawValue }
    init?(argument: String) {
        guard let s = Severity(rawValue: argument.lowercased()) else { return nil }
        value = s
    }
    static var allValueStrings: [String] { Severity.allCases.map(\.rawValue) }
}
