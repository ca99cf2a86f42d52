import ArgumentParser
import TWAdvise
import TWAdviseEngine
import TWAdviseFacts
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

struct DiagnoseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diagnose",
        abstract: "Evaluate the rules and print a ranked runbook (the main job).",
        discussion: """
            Exit status: 0 on success; 1 when --fail-on is given and a finding reaches that severity; \
            2 for bad usage, rules with errors, or input that cannot be read at all.
            """
    )

    @OptionGroup var input: FactsInputOptions
    @OptionGroup var rules: RuleOptions

    @Option(help: "markdown or json") var format: ReportFormat = .markdown
    @Option(name: .customLong("min-severity"), help: "Leave out findings below this severity (info, low, medium, high, critical).")
    var minSeverity: SeverityArgument = .init(.info)
    @Option(name: .customLong("fail-on"), help: "Exit 1 when a finding reaches this severity.")
    var failOn: SeverityArgument?
    @Option(name: .long, help: ArgumentHelp("Write the report to FILE instead of standard output.", valueName: "FILE"))
    var output: String?
    @Option(name: .long, help: ArgumentHelp("Runbook templates that replace or add to the built-in ones.", valueName: "DIR"))
    var runbooks: String?
    @Flag(help: "Print each rule's evaluation time to standard error.") var profile = false

    func run() throws {
        try runReportingInputErrors {
            let catalog = try rules.checkedCatalog()
            let overrides = try runbookOverrides()
            let advisor: Advisor
            do {
                advisor = try Advisor(rules: catalog.extraSources, overlays: catalog.overlaySources, disabled: rules.disabled,
                                      runbooks: overrides, builtInRules: !rules.noBuiltIn)
            } catch {
                throw InputError("\(error)")
            }
            let snapshots = try input.loadAll()
            let diagnoses = snapshots.map { advisor.diagnose($0, minimumSeverity: minSeverity.value, profile: profile) }
            guard let diagnosis = diagnoses.first else { throw InputError("no facts to diagnose") }
            let data: Data
            switch format {
            case .markdown:
                do {
                    // One runbook per snapshot: the host's, then each network namespace of a sosreport.
                    data = Data(try diagnoses.map { try $0.markdown() }.joined(separator: "\n").utf8)
                } catch {
                    throw InputError("runbook template: \(error)")
                }
            case .json:
                data = try Diagnosis.json(diagnoses)
            }
            if let output {
                do {
                    try data.write(to: URL(fileURLWithPath: output), options: .atomic)
                } catch {
                    throw InputError("cannot write \(output): \(error)")
                }
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

    func runbookOverrides() throws -> [String: String] {
        guard let runbooks else { return [:] }
        guard isExistingDirectory(runbooks) else { throw InputError("--runbooks \(runbooks): not a directory") }
        var files: [String: String] = [:]
        let names = (try? FileManager.default.contentsOfDirectory(atPath: runbooks)) ?? []
        for name in names.sorted() where name.hasSuffix(".md") {
            do {
                files[String(name.dropLast(3))] = try KnowledgeBase.textSource(runbooks + "/" + name).text
            } catch {
                throw InputError("cannot read runbooks: \(error)")
            }
        }
        return files
    }
}

enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
    case markdown, json
}

struct SeverityArgument: ExpressibleByArgument {
    var value: Severity
    init(_ value: Severity) { self.value = value }
    init?(argument: String) {
        guard let s = Severity(rawValue: argument.lowercased()) else { return nil }
        value = s
    }
    static var allValueStrings: [String] { Severity.allCases.map(\.rawValue) }
}
