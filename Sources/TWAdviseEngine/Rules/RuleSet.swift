/// The text of one rule or overlay file and the name used for it in messages.
public struct RuleSource: Sendable, Hashable {
    /// Shown in `PATH:LINE:COLUMN` (a path, or `builtin:rules/ports.yaml`).
    public var path: String
    /// The file's YAML text.
    public var text: String
    /// The file's YAML tree in ``CompiledYAML`` form, when the build parsed it already (the built-in rules):
    /// loading then decodes it instead of parsing the text.
    package var compiled: String?
    /// The parsed expressions of the file in ``CompiledExpressions`` form, when the build recorded them (the
    /// built-in rules): loading then looks each expression up instead of lexing and parsing it.
    package var expressions: String?
    /// The file's rules in ``CompiledRules`` form, type-checked by the build against the schema a run loads
    /// them with (the built-in rules, attached only while that schema is the one the build read): a load that
    /// does not read in-file tests decodes them instead of loading the file.
    package var checked: String?

    /// A rule file named `path` in messages, with its text.
    public init(path: String, text: String) {
        self.path = path
        self.text = text
    }

    /// A rule file whose YAML the build parsed already into `compiled`, and whose expressions it parsed into
    /// `expressions`.
    package init(path: String, text: String, compiled: String, expressions: String? = nil) {
        self.path = path
        self.text = text
        self.compiled = compiled
        self.expressions = expressions
    }
}

/// A set of loaded, type-checked rules: evaluate it against facts, run its in-file tests, adjust it with overlays.
public struct RuleSet: Sendable {
    /// The schema the rules were checked against.
    public let schema: FactSchema
    /// The rules, in load order (a later rule with `override: true` takes the place of the one it replaces).
    public private(set) var rules: [Rule]
    /// How many of the sources it was loaded from came checked and were decoded (``RuleSource/checked``),
    /// not loaded from their text.
    package private(set) var checkedSources = 0

    /// Loads every source in order. A rule id defined twice is an error unless the later rule says
    /// `override: true`, in which case it replaces the earlier one. Returns every diagnostic of every file.
    public static func load(_ sources: [RuleSource], schema: FactSchema) -> (ruleSet: RuleSet, diagnostics: [Diagnostic]) {
        load(sources, schema: schema, testsOfCompiled: true)
    }

    /// Loads every source in order, as ``load(_:schema:)`` does; with `testsOfCompiled` false, the in-file
    /// tests of sources the build prepared (``RuleSource/compiled`` or ``RuleSource/checked``: the built-in
    /// rules, whose tests ran when TWAdvise was built and tested) are not read, since a diagnosis does not run
    /// them, and a source that came checked is decoded instead of loaded.
    package static func load(_ sources: [RuleSource], schema: FactSchema, testsOfCompiled: Bool) -> (ruleSet: RuleSet, diagnostics: [Diagnostic]) {
        var loader = RuleLoader(schema: schema)
        var rules: [Rule] = []
        var index: [String: Int] = [:]
        var extra: [Diagnostic] = []
        var checkedSources = 0
        for source in sources {
            let start = loader.diagnostics.count
            defer { Diagnostic.cap(&loader.diagnostics, from: start, file: source.path) }
            loader.loadsTests = testsOfCompiled || (source.compiled == nil && source.checked == nil)
            let loaded: [Rule]
            if !loader.loadsTests, let checked = source.checked,
               let decoded = CompiledRules.decode(checked, file: source.path, factSources: loader.factSources) {
                loader.register(decoded)
                loaded = decoded
                checkedSources += 1
            } else {
                loaded = loader.load(source)
            }
            for rule in loaded {
                if let existing = index[rule.id] {
                    if rule.isOverride {
                        rules[existing] = rule
                    } else {
                        extra.append(Diagnostic(at: rule.location, "duplicate rule id '\(rule.id)'",
                                                notes: ["first defined at \(rules[existing].location); add 'override: true' to replace it"]))
                    }
                } else {
                    if rule.isOverride {
                        extra.append(Diagnostic(at: rule.location, "'override: true' but no earlier rule has the id '\(rule.id)'",
                                                notes: Suggestions.note(for: rule.id, in: index.keys)))
                    }
                    guard rules.count < RuleLoader.maxRules else {
                        extra.append(Diagnostic(at: rule.location, "more than \(RuleLoader.maxRules) rules; the rest are ignored"))
                        break
                    }
                    index[rule.id] = rules.count
                    rules.append(rule)
                }
            }
        }
        let diagnostics = (loader.diagnostics + extra).sorted { $0.location < $1.location }
        var ruleSet = RuleSet(schema: schema, rules: rules)
        ruleSet.checkedSources = checkedSources
        ruleSet.resolveLinks()
        return (ruleSet, diagnostics)
    }

    /// A rule set of rules already loaded against `schema` (a subset of another set, say).
    public init(schema: FactSchema, rules: [Rule]) {
        self.schema = schema
        self.rules = rules
    }

    /// Gives every `same_as` parameter the value of the parameter it follows (after an overlay changed it).
    mutating func resolveLinks() {
        var values: [String: FactValue] = [:]
        for rule in rules { for p in rule.parameters where p.link == nil { values[rule.id + "." + p.name] = p.value } }
        for i in rules.indices {
            for j in rules[i].parameters.indices {
                if let link = rules[i].parameters[j].link, let value = values[link] { rules[i].parameters[j].value = value }
            }
        }
    }

    /// The rule with this id, if any.
    public func rule(id: String) -> Rule? { rules.first { $0.id == id } }

    /// Turns off the rules with these ids; an unknown id is an error with a suggestion.
    public mutating func disable(_ ids: [String], justification: String = "disabled on the command line") -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        for id in ids {
            guard let i = rules.firstIndex(where: { $0.id == id }) else {
                diagnostics.append(Diagnostic(at: SourceLocation(file: "--disable", line: 1, column: 1), "no rule with id '\(id)'",
                                              notes: Suggestions.note(for: id, in: rules.map(\.id))))
                continue
            }
            rules[i].isDisabled = true
            rules[i].overlayJustifications.append(justification)
        }
        return diagnostics
    }

    /// Applies an overlay file; errors (unknown rule or parameter, wrong type, missing justification) leave the set unchanged.
    public mutating func apply(overlay: RuleSource) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        defer { Diagnostic.cap(&diagnostics, from: 0, file: overlay.path) }
        let entries = OverlayLoader.load(text: overlay.text, file: overlay.path, diagnostics: &diagnostics)
        var updated = rules
        for entry in entries {
            guard let i = updated.firstIndex(where: { $0.id == entry.ruleID }) else {
                diagnostics.append(Diagnostic(at: entry.ruleLocation, "overlay names unknown rule '\(entry.ruleID)'",
                                              notes: Suggestions.note(for: entry.ruleID, in: rules.map(\.id))))
                continue
            }
            for (name, value) in entry.parameters {
                guard let p = updated[i].parameters.firstIndex(where: { $0.name == name.value }) else {
                    diagnostics.append(Diagnostic(at: name.location, "rule '\(entry.ruleID)' has no parameter '\(name.value)'",
                                                  notes: Suggestions.note(for: name.value, in: updated[i].parameters.map(\.name))))
                    continue
                }
                let parameter = updated[i].parameters[p]
                if let link = parameter.link {
                    diagnostics.append(Diagnostic(at: name.location, "parameter '\(name.value)' of rule '\(entry.ruleID)' follows '\(link)'; change that one"))
                    continue
                }
                if let typed = FactLiteral.value(value, type: parameter.type, path: name.value, diagnostics: &diagnostics) {
                    updated[i].parameters[p].value = typed
                }
            }
            if let (level, _) = entry.severity {
                updated[i].severity = level
                updated[i].escalations = []
            }
            if entry.disable { updated[i].isDisabled = true }
            updated[i].overlayJustifications.append(entry.justification)
        }
        if diagnostics.isEmpty {
            rules = updated
            resolveLinks()
        }
        return diagnostics
    }

    /// Evaluates every enabled rule. `provenance` says where the facts were read, for the evidence; with
    /// `profile`, each result carries the time it took.
    public func evaluate(_ facts: FactValue, provenance: FactProvenance = FactProvenance(), profile: Bool = false) -> Evaluation {
        evaluate(facts, provenance: provenance, profile: profile, vectorized: true)
    }

    /// ``evaluate(_:provenance:profile:)``, optionally without column-at-a-time evaluation (the reference path,
    /// for tests and benchmarks).
    package func evaluate(_ facts: FactValue, provenance: FactProvenance = FactProvenance(), profile: Bool,
                          vectorized: Bool) -> Evaluation {
        var results: [RuleResult] = []
        var findings: [Finding] = []
        let clock = ContinuousClock()
        let store = ColumnStore()
        for rule in rules where !rule.isDisabled {
            let start = profile ? clock.now : nil
            let outcome = rule.evaluate(facts, store: store, provenance: provenance, vectorized: vectorized)
            var nanos: Int64?
            if let start {
                let elapsed = clock.now - start
                nanos = elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
            }
            if case .fired(let f) = outcome { findings += f }
            results.append(RuleResult(ruleID: rule.id, title: rule.title, outcome: outcome, nanoseconds: nanos))
        }
        return Evaluation(results: results, findings: findings.sorted(by: Finding.ranked))
    }
}
