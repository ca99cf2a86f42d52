#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif
public import TWAdviseEngine
import TWAdviseRunbooks

/// Rules assembled from the built-in knowledge base, extra rule sources, overlays and disabled ids,
/// checked against ``HostFactSchema``.
public struct RuleCatalog: Sendable {
    /// The rules, loaded, checked, with overlays and `--disable` applied.
    public var ruleSet: RuleSet
    /// Every problem found in every source, sorted by location.
    public var diagnostics: [Diagnostic]
    /// Source texts by path, for rendering diagnostics with the offending line.
    public var texts: [String: String]

    /// Whether any diagnostic is an error.
    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    /// The built-in rules, team rules and overlays given as texts, checked against `schema`.
    ///
    /// - Parameters:
    ///   - builtIn: include the embedded `rules/`.
    ///   - extra: team rule files (`--rules`), loaded after the built-in ones; a rule replaces a built-in one
    ///     with the same id only when it says `override: true`.
    ///   - overlays: overlay files applied in order.
    ///   - disabled: ids turned off (`--disable`).
    ///   - builtInTests: read the built-in rules' in-file tests (for ``RuleSet/runTests()``); a diagnosis does
    ///     not need them (they ran when TWAdvise was built and tested), and loads faster without.
    public init(builtIn: Bool = true, extra: [RuleSource] = [], overlays: [RuleSource] = [], disabled: [String] = [],
                schema: FactSchema = HostFactSchema.schema, builtInTests: Bool = true) {
        let sources = (builtIn ? KnowledgeBase.ruleSources(checkedAgainst: schema) : []) + extra
        var (ruleSet, diagnostics) = RuleSet.load(sources, schema: schema, testsOfCompiled: builtInTests)
        for overlay in overlays { diagnostics += ruleSet.apply(overlay: overlay) }
        diagnostics += ruleSet.disable(disabled)
        self.ruleSet = ruleSet
        self.diagnostics = diagnostics
        var texts: [String: String] = [:]
        for source in sources + overlays { texts[source.path] = source.text }
        self.texts = texts
    }

    /// The rules and overlays a configuration names, read from disk; its runbook directory is not read here.
    /// Rules with errors still load, with their ``diagnostics`` (`rules lint` prints them).
    ///
    /// - Throws: ``AdvisorError`` with code `unreadableFile` when a path cannot be read.
    /// With `builtInTests` false the built-in rules' in-file tests are not read (see
    /// ``init(builtIn:extra:overlays:disabled:schema:builtInTests:)``).
    public init(_ configuration: Advisor.Configuration, builtInTests: Bool = true) throws(AdvisorError) {
        var extra: [RuleSource] = []
        var overlays: [RuleSource] = []
        do {
            for path in configuration.rulePaths { extra += try KnowledgeBase.ruleSources(at: path) }
            for path in configuration.overlayPaths { overlays.append(try KnowledgeBase.textSource(path)) }
        } catch {
            throw AdvisorError(code: .unreadableFile, message: "cannot read rules: \(error)")
        }
        // One file reached twice (`--rules team --rules team/x.yaml`) would make every rule of it a duplicate
        // that only `override: true` could accept: say what happened instead.
        var seen: [String: String] = [:]
        for source in extra + overlays {
            guard let identity = InputFile.identity(source.path) else { continue }
            if let first = seen[identity] {
                throw AdvisorError(code: .unreadableFile, message: first == source.path
                    ? "\(source.path) is given twice: each rule file is read once"
                    : "\(source.path) and \(first) are the same file: each rule file is read once")
            }
            seen[identity] = source.path
        }
        self.init(builtIn: configuration.builtInRules, extra: extra, overlays: overlays, disabled: configuration.disabled,
                  builtInTests: builtInTests)
    }

    /// Diagnostics with the source line and a caret under the column.
    public func renderedDiagnostics() -> [String] {
        diagnostics.map { $0.rendered(source: texts[$0.location.file]) }
    }

    /// The rule with this id, or an error that names the closest id in force ("did you mean").
    public func rule(id: String) throws(AdvisorError) -> Rule {
        if let rule = ruleSet.rule(id: id) { return rule }
        // Only a rule of the same family is a likely typo: 'team.x' is not 'kernel.x'.
        let family = id.split(separator: ".").first.map(String.init) ?? id
        let close = Suggestions.closest(to: id, in: ruleSet.rules.map(\.id).filter { $0.hasPrefix(family + ".") })
        var message = "no rule with id '\(id)'" + (close.map { "; did you mean '\($0)'?" } ?? "")
        if close == nil, teamRules.rules.isEmpty { message += "; a team rule is found only when its rule files are loaded" }
        throw AdvisorError(code: .unknownRule, message: message)
    }

    /// The rules defined outside the built-in knowledge base (for `rules test PATH`).
    package var teamRules: RuleSet {
        RuleSet(schema: ruleSet.schema, rules: ruleSet.rules.filter { !$0.location.file.hasPrefix("builtin:") })
    }

    /// What `rules explain` prints for a rule: its condition, parameters, runbook section and references.
    package func explanation(of rule: Rule) -> String {
        var text = RuleExplanation(rule).text
        // What the runbook section needs from the rule, so a team rule that reuses a built-in section can
        // provide it (lint says the same when one is missing).
        if let id = rule.runbook, let section = RunbookTemplates(trusted: KnowledgeBase.runbookTemplates).sections[id] {
            let used = TemplateVariables(section)
            let vars = used.names(in: "vars").union(used.names(in: "shell")).sorted()
            let params = used.names(in: "params").sorted()
            if !vars.isEmpty || !params.isEmpty {
                if !text.hasSuffix("\n") { text += "\n" }
                text += "Runbook section '\(id)' uses:"
                    + (vars.isEmpty ? "" : " vars " + vars.joined(separator: ", ") + (params.isEmpty ? "" : ";"))
                    + (params.isEmpty ? "" : " params " + params.joined(separator: ", ")) + "\n"
            }
        }
        return text
    }

    /// The rules in force, one line each (`rules list`).
    package var listing: String { RuleListing.text(ruleSet.rules) }

    /// The rules in force as JSON (`rules list --format json`), parameters typed.
    package func listingJSON() throws -> Data { try RuleListing.json(ruleSet.rules) }

    /// Checks every rule against the runbook section it renders through: a value the section uses from
    /// `vars.`/`shell.` must be one the rule's `vars:` provides, `params.` one of its parameters, and
    /// `current.` a value the snapshot gives. An error points at the rule; otherwise the section would print
    /// an empty value into a command.
    func runbookDiagnostics(_ templates: RunbookTemplates, onlyTeamRules: Bool = false) -> [Diagnostic] {
        let currentNames = Set(HostFactSchema.integerSysctls.map(\.name) + ["ip_local_port_range", "ip_local_reserved_ports"])
        var diagnostics: [Diagnostic] = []
        for rule in ruleSet.rules where !onlyTeamRules || !rule.location.file.hasPrefix("builtin:") {
            guard let id = rule.runbook else {
                // Its findings would render as "No runbook section": say so when the rules load.
                if !rule.isDisabled {
                    diagnostics.append(Diagnostic(.warning, at: rule.location, "rule '\(rule.id)' has no 'runbook:' section: its findings render without steps",
                                                  notes: ["name a section of runbooks/ (or of the runbook directory given) under 'runbook:'"]))
                }
                continue
            }
            guard let section = templates.sections[id] else {
                diagnostics.append(Diagnostic(.warning, at: rule.location, "rule '\(rule.id)' renders through runbook section '\(id)', which no template defines"))
                continue
            }
            let used = TemplateVariables(section)
            let provided = Set(rule.vars.map(\.name))
            for name in used.names(in: "vars").union(used.names(in: "shell")).sorted() where !provided.contains(name) {
                diagnostics.append(Diagnostic(at: rule.location, "runbook section '\(id)' uses '\(name)', which rule '\(rule.id)' does not provide",
                                              notes: ["add it under 'vars:' (for example '\(name): d.\(name)'), or use a section that does not need it"]
                                                  + Suggestions.note(for: name, in: provided)))
            }
            let parameters = Set(rule.parameters.map(\.name))
            for name in used.names(in: "params").sorted() where !parameters.contains(name) {
                diagnostics.append(Diagnostic(at: rule.location, "runbook section '\(id)' uses parameter '\(name)', which rule '\(rule.id)' does not have",
                                              notes: Suggestions.note(for: name, in: parameters)))
            }
            let planNames = RunbookPlan.names
            for name in used.names(in: "plan").sorted() where !planNames.contains(name) {
                diagnostics.append(Diagnostic(at: rule.location, "runbook section '\(id)' uses 'plan.\(name)', which no plan computes",
                                              notes: Suggestions.note(for: name, in: planNames)))
            }
            for name in used.names(in: "notes").sorted() where !RunbookPlan.noteNames.contains(name) {
                diagnostics.append(Diagnostic(at: rule.location, "runbook section '\(id)' uses 'notes.\(name)', which no note gives",
                                              notes: Suggestions.note(for: name, in: RunbookPlan.noteNames)))
            }
            for name in used.names(in: "current").sorted() where !currentNames.contains(name) {
                diagnostics.append(Diagnostic(at: rule.location, "runbook section '\(id)' uses 'current.\(name)', which no snapshot gives",
                                              notes: Suggestions.note(for: name, in: currentNames)))
            }
        }
        return diagnostics
    }

    /// ``runbookDiagnostics(_:)`` against the built-in templates and those of `runbookDirectory`, for
    /// `rules lint`.
    ///
    /// - Throws: ``AdvisorError`` when a template cannot be read or is invalid.
    package func runbookDiagnostics(runbookDirectory: String? = nil) throws(AdvisorError) -> [Diagnostic] {
        var templates: RunbookTemplates
        do {
            templates = try RunbookTemplates(files: KnowledgeBase.runbookTemplates)
        } catch {
            throw AdvisorError(code: .invalidTemplate, message: "runbook template: \(error.description)")
        }
        if let runbookDirectory {
            let files: [String: String]
            do {
                files = try KnowledgeBase.runbookTemplates(at: runbookDirectory)
            } catch {
                throw AdvisorError(code: .unreadableFile, message: "cannot read runbooks: \(error)")
            }
            do {
                try templates.override(with: files)
            } catch {
                throw AdvisorError(code: .invalidTemplate, message: "runbook template: \(error.description)")
            }
        }
        return runbookDiagnostics(templates)
    }
}
