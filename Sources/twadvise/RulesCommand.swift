import ArgumentParser
import TWAdvise
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "List, check, test and explain rules.",
        subcommands: [List.self, Lint.self, Test.self, Explain.self, Facts.self, Export.self]
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the rules in force.")
        @OptionGroup var rules: RuleOptions
        @Option(help: ArgumentHelp("text or json.", valueName: "format")) var format: OutputFormat = .text

        func run() throws {
            try runReportingInputErrors {
                let catalog = try rules.checkedCatalog()
                switch format {
                case .text:
                    try output(catalog.listing)
                case .json:
                    var data = try catalog.listingJSON()
                    data.append(0x0A)
                    try writeStandardOutput(data)
                }
            }
        }
    }

    struct Lint: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "lint",
            abstract: "Check rule files: YAML, keys, ids, expression syntax and types, and the runbook values each rule provides. Exit 2 on any error.")
        @OptionGroup var rules: RuleOptions
        @Option(name: .long, help: ArgumentHelp("Check against these runbook templates too.", valueName: "dir"))
        var runbooks: String?
        @Argument(help: "Rule files or directories to check with the built-in rules.") var paths: [String] = []

        func run() throws {
            try runReportingInputErrors {
                var catalog = try rules.catalog(extraPaths: paths)
                if !catalog.hasErrors {
                    catalog.diagnostics += try advisorCall { () throws(AdvisorError) in try catalog.runbookDiagnostics(runbookDirectory: runbooks) }
                }
                for line in catalog.renderedDiagnostics() { try output(line) }
                let errors = catalog.diagnostics.filter { $0.severity == .error }.count
                try output("\(catalog.ruleSet.rules.count) rules, \(errors) error\(errors == 1 ? "" : "s")")
                if errors > 0 { throw ExitCode(2) }
            }
        }
    }

    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "test",
            abstract: "Run the rules' in-file tests; prints each failure at its test case and 'N passed, N failed'.")
        @OptionGroup var rules: RuleOptions
        @Argument(help: "Rule files or directories to test (default: every rule in force).") var paths: [String] = []

        func run() throws {
            try runReportingInputErrors {
                let catalog = try rules.checkedCatalog(extraPaths: paths)
                let ruleSet = paths.isEmpty ? catalog.ruleSet : catalog.teamRules
                let report = ruleSet.runTests()
                for failure in report.failures { try output(failure.description) }
                for id in report.untestedRules { try output("warning: rule '\(id)' has no tests") }
                try output(report.summary)
                if !report.failures.isEmpty { throw ExitCode(1) }
            }
        }
    }

    struct Explain: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "explain", abstract: "Show what a rule checks, its parameters and references.")
        @OptionGroup var rules: RuleOptions
        @Argument(help: "The rule id.") var id: String
        @Argument(help: "Rule files or directories to load with the built-in rules, as for lint and test.") var paths: [String] = []

        func run() throws {
            try runReportingInputErrors {
                let catalog = try rules.checkedCatalog(extraPaths: paths)
                let rule = try advisorCall { () throws(AdvisorError) in try catalog.rule(id: id) }
                try output(catalog.explanation(of: rule))
            }
        }
    }

    struct Facts: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "facts", abstract: "List the fact paths rules can use, with types and sources.")
        @Option(help: ArgumentHelp("text, markdown, or schema (the types the build checks the built-in rules against: rules/host-facts.schema).",
                                   valueName: "format")) var format: FactsFormat = .text

        enum FactsFormat: String, ExpressibleByArgument { case text, markdown, schema }

        func run() throws {
            try runReportingInputErrors {
                switch format {
                case .text: try output(HostFactSchema.textReference + "\n", newline: false)
                case .markdown: try output(HostFactSchema.markdownReference, newline: false)
                case .schema:
                    guard let text = HostFactSchema.schema.checkingText else {
                        throw ValidationError("the fact schema has a name, doc or source that cannot be written as checking text")
                    }
                    try output(text, newline: false)
                }
            }
        }
    }
}

extension RulesCommand {
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Export the rules as Prometheus alerting rules over node_exporter and twadvise_ textfile metrics.")
        @OptionGroup var rules: RuleOptions
        @Option(help: ArgumentHelp("prometheus.", valueName: "format")) var format: ExportFormat = .prometheus
        @Option(name: .customLong("for"), help: ArgumentHelp("How long a condition must hold before an alert fires.", valueName: "duration")) var duration = "5m"

        enum ExportFormat: String, ExpressibleByArgument { case prometheus }

        func run() throws {
            try runReportingInputErrors {
                let advisor = try rules.advisor()
                let (yaml, skipped) = advisor.prometheusAlertRules(for: duration)
                try output(yaml, newline: false)
                printError("twadvise: \(advisor.catalog.ruleSet.rules.count - skipped.count) rules exported, \(skipped.count) not expressible over metrics (listed in the file)")
            }
        }
    }
}

extension RulesCommand {
    static let examples = [
        ("twadvise rules list", "the rules in force"),
        ("twadvise rules lint team/", "check a team's rule files"),
        ("twadvise rules explain ports.destination-exhaustion", "what a rule checks and why"),
    ]
}

extension RulesCommand.List {
    static let examples = [("twadvise rules list", ""), ("twadvise rules list --rules team/ --format json", "with team rules, for machines")]
}

extension RulesCommand.Lint {
    static let examples = [("twadvise rules lint team/", "team rules against the built-in ones"),
                           ("twadvise rules lint --runbooks team/runbooks team/", "and the team's runbook templates")]
}

extension RulesCommand.Test {
    static let examples = [("twadvise rules test", "every built-in rule's tests"),
                           ("twadvise rules test --overlay ours.yaml", "do the built-in tests still pass with our thresholds?"),
                           ("twadvise rules test team/", "a team's rules")]
}

extension RulesCommand.Explain {
    static let examples = [("twadvise rules explain ports.destination-exhaustion", ""),
                           ("twadvise rules explain --rules team/ team.api-pool", "a team rule")]
}

extension RulesCommand.Facts {
    static let examples = [("twadvise rules facts", ""), ("twadvise rules facts --format markdown > facts.md", "")]
}

extension RulesCommand.Export {
    static let examples = [("twadvise rules export > twadvise-alerts.yaml", "Prometheus alerting rules"),
                           ("twadvise rules export --for 10m", "")]
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}
