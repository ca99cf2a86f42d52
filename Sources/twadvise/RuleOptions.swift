import ArgumentParser
import TWAdvise

/// Where rules come from, shared by every command that loads or evaluates them.
struct RuleOptions: ParsableArguments {
    @Option(name: .customLong("rules"), help: ArgumentHelp("Add the rule files of a directory (or one file); repeatable.", valueName: "dir"))
    var ruleDirectories: [String] = []

    @Option(name: .customLong("overlay"), help: ArgumentHelp("Apply an overlay file (parameters, severity, disable, with a justification); repeatable.", valueName: "file"))
    var overlays: [String] = []

    @Option(name: .customLong("disable"), help: ArgumentHelp("Turn off the rule with this id; repeatable.", valueName: "id"))
    var disabled: [String] = []

    @Flag(name: .customLong("no-builtin"), help: "Leave out the built-in rules.")
    var noBuiltIn = false

    func configuration(extraPaths: [String] = [], runbooks: String? = nil) -> Advisor.Configuration {
        Advisor.Configuration(rulePaths: ruleDirectories + extraPaths, overlayPaths: overlays, disabled: disabled,
                              runbookDirectory: runbooks, builtInRules: !noBuiltIn)
    }

    /// The rules, with their diagnostics (errors included); unreadable files are input errors (exit 2).
    func catalog(extraPaths: [String] = []) throws -> RuleCatalog {
        try advisorCall { () throws(AdvisorError) in try RuleCatalog(configuration(extraPaths: extraPaths)) }
    }

    /// The catalog with every rule's in-file tests (a diagnosis loads the built-in rules without theirs),
    /// refused as the advisor refuses it when a rule or a template has an error: what `rules list`, `test`
    /// and `explain` show.
    func checkedCatalog(extraPaths: [String] = []) throws -> RuleCatalog {
        let catalog = try catalog(extraPaths: extraPaths)
        _ = try advisorCall { () throws(AdvisorError) in try Advisor(catalog: catalog) }
        return catalog
    }

    /// The advisor; rules with errors are printed with their source lines and exit 2. A fact missing from
    /// captured output is named with the option that would give it.
    func advisor(extraPaths: [String] = [], runbooks: String? = nil) throws -> Advisor {
        var advisor = try advisorCall { () throws(AdvisorError) in try Advisor(configuration(extraPaths: extraPaths, runbooks: runbooks)) }
        advisor.inputNames = .commandLine
        return advisor
    }

    /// ``advisor(extraPaths:runbooks:)`` made on a worker thread, with the report's document template parsed
    /// too, while the caller reads its input; ``advisor(_:)`` waits for it.
    func loadingAdvisor(runbooks: String? = nil) -> Concurrent<Result<Advisor, AdvisorError>> {
        let configuration = configuration(runbooks: runbooks)
        return Concurrent {
            Result { () throws(AdvisorError) -> Advisor in
                let advisor = try Advisor(configuration)
                advisor.prepareReport()
                return advisor
            }
        }
    }

    /// The advisor `loading` made, as ``advisor(extraPaths:runbooks:)`` returns it (its errors printed the same way).
    func advisor(_ loading: Concurrent<Result<Advisor, AdvisorError>>) throws -> Advisor {
        var advisor = try advisorCall { () throws(AdvisorError) in try loading.wait().get() }
        advisor.inputNames = .commandLine
        return advisor
    }
}

/// Runs a library call; an ``AdvisorError`` prints its diagnostics and becomes a one-line input error (exit 2).
func advisorCall<T>(_ body: () throws(AdvisorError) -> T) throws -> T {
    do {
        return try body()
    } catch {
        for line in error.renderedDiagnostics { printError(line) }
        throw InputError(error.message)
    }
}
