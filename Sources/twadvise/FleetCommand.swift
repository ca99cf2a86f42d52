import ArgumentParser
import Foundation
import TWAdvise
import TWAdvisePrometheus

struct FleetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleet",
        abstract: "Rank every host of a Prometheus server by its worst moment (PromQL does the ranking).",
        usage: "twadvise fleet --prometheus <url> [--from <time>] [--to <time>] [--top <n>] [--format markdown|json]",
        discussion: """
            The ranking runs on the server (topk over max_over_time of the twadvise_ and node_exporter series), \
            so it works for thousands of hosts on Prometheus, Thanos or Mimir without fetching every series. \
            Each host's severity is what the rules in force give its peak; then read the worst hosts in full \
            with 'twadvise diagnose --prometheus URL --instance NAME --at TIME'.

            Exit status: 0 on success; 1 when --fail-on is given and a host reaches that severity; 2 for bad \
            usage or a server that cannot be read.
            """
    )

    static let examples = [
        ("twadvise fleet --prometheus http://prometheus:9090", "the last day, worst host first"),
        ("twadvise fleet --prometheus http://thanos:10902 --from -7d --format json", "a week, for a script"),
    ]

    @Option(name: .long, help: ArgumentHelp("The Prometheus (or Thanos, Mimir) server's base URL.", valueName: "url"))
    var prometheus: String

    @OptionGroup var connection: PrometheusConnectionOptions

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("Start of the window (RFC 3339 or relative: -2h; default: a day before its end).", valueName: "time"))
    var from: String?

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("End of the window (default: now).", valueName: "time"))
    var to: String?

    @Option(name: .long, help: ArgumentHelp("Hosts ranked per measure.", valueName: "n"))
    var top = 20

    @Option(help: ArgumentHelp("markdown or json.", valueName: "format"))
    var format: FleetFormat = .markdown

    @Option(name: .customLong("fail-on"), help: ArgumentHelp("Exit 1 when a host reaches this severity.", valueName: "severity"))
    var failOn: SeverityArgument?

    @Option(name: .long, help: ArgumentHelp("Write the report to FILE instead of standard output.", valueName: "file"))
    var output: String?

    @OptionGroup var rules: RuleOptions

    func validate() throws {
        guard (1...500).contains(top) else { throw ValidationError("--top \(top): rank 1 to 500 hosts per measure") }
    }

    func run() throws {
        try runReportingInputErrors {
            let advisor = try rules.advisor(runbooks: nil)
            let window = try HistoryOptions.window(at: nil, from: from, to: to)
            let client = try connection.client(url: prometheus)
            let limit = top
            let ranking: FleetRanking
            do {
                ranking = try waitFor { try await PrometheusFleet(client: client).rank(from: window.from, to: window.to, limit: limit) }
            } catch {
                throw InputError("--prometheus \(prometheus): \(error)")
            }
            let report = advisor.fleetReport(ranking, server: prometheus)
            let data: Data
            switch format {
            case .markdown: data = Data(report.markdown().utf8)
            case .json:
                do { data = try report.json() } catch { throw InputError("cannot encode the fleet report: \(error)") }
            }
            if let output { try OutputFile.write(Array(data), to: output) } else { try writeStandardOutput(data) }
            if let failOn, let worst = report.rows.compactMap(\.severity).max(), worst >= failOn.value { throw ExitCode(1) }
        }
    }
}

enum FleetFormat: String, ExpressibleByArgument, CaseIterable {
    case markdown, json
}
