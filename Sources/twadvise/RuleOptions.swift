import ArgumentParser
import TWAdvise
import TWAdviseEngine

/// Where rules come from, shared by every command that loads or evaluates them.
struct RuleOptions: ParsableArguments {
    @Option(name: .customLong("rules"), help: ArgumentHelp("Add the rule files of a directory (or one file); repeatable.", valueName: "DIR"))
    var ruleDirectories: [String] = []

    @Option(name: .customLong("overlay"), help: ArgumentHelp("Apply an overlay file (parameters, severity, disable, with a justification); repeatable.", valueName: "FILE"))
    var overlays: [String] = []

    @Option(name: .customLong("disable"), help: ArgumentHelp("Turn off the rule with this id; repeatable.", valueName: "ID"))
    var disabled: [String] = []

    @Flag(name: .customLong("no-builtin"), help: "Leave out the built-in rules.")
    var noBuiltIn = false

    /// Loads the catalog; unreadable files are input errors (exit 2).
    func catalog(extraPaths: [String] = []) throws -> RuleCatalog {
        var extra: [RuleSource] = []
        var overlaySources: [RuleSource] = []
        do {
            for path in ruleDirectories + extraPaths { extra += try KnowledgeBase.ruleSources(at: path) }
            for path in overlays { overlaySources.append(try KnowledgeBase.textSource(path)) }
        } catch {
            throw InputError("cannot read rules: \(error)")
        }
        return RuleCatalog(builtIn: !noBuiltIn, extra: extra, overlays: overlaySources, disabled: disabled)
    }

    /// Loads the catalog and refuses to go on when any rule has an error: prints them all, exit 2.
    func checkedCatalog(extraPaths: [String] = []) throws -> RuleCatalog {
        let catalog = try catalog(extraPaths: extraPaths)
        if catalog.hasErrors {
            for line in catalog.renderedDiagnostics() { printError(line) }
            let count = catalog.diagnostics.filter { $0.severity == .error }.count
            throw InputError("\(count) error\(count == 1 ? "" : "s") in rules")
        }
        return catalog
    }
}
