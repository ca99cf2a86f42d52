#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
public import TWAdviseEngine
public import TWAdviseFacts
package import TWAdviseRunbooks

/// The library entry point: facts in, a ranked report out.
///
/// ```swift
/// let advisor = try Advisor()                       // built-in rules and runbooks, no file on disk
/// let snapshot = SnapshotReader().read()            // or SnapshotReader(source: FactSource(root: "/captured"))
/// let diagnosis = advisor.diagnose(snapshot)
/// print(try diagnosis.markdown())
/// ```
public struct Advisor: Sendable {
    /// Where rules, overlays and runbook templates come from.
    public struct Configuration: Sendable, Hashable {
        /// Team rule files or directories of them (`--rules`), loaded after the built-in rules.
        public var rulePaths: [String]
        /// Overlay files (`--overlay`): parameters, severity, disable, each with a justification.
        public var overlayPaths: [String]
        /// Rule ids to turn off (`--disable`).
        public var disabled: [String]
        /// A directory of Markdown templates that replace or add to the built-in runbooks (`--runbooks`).
        public var runbookDirectory: String?
        /// Include the built-in rules.
        public var builtInRules: Bool

        /// A configuration; every argument defaults to "none" (built-in rules only).
        public init(rulePaths: [String] = [], overlayPaths: [String] = [], disabled: [String] = [],
                    runbookDirectory: String? = nil, builtInRules: Bool = true) {
            self.rulePaths = rulePaths
            self.overlayPaths = overlayPaths
            self.disabled = disabled
            self.runbookDirectory = runbookDirectory
            self.builtInRules = builtInRules
        }
    }

    /// The rules in force, loaded and type-checked once.
    public let catalog: RuleCatalog
    let templates: RunbookTemplates
    /// How a report of captured command output names the inputs that would supply a missing fact.
    public var inputNames = CapturedInputNames()

    /// Loads the rules, overlays and templates the configuration names.
    ///
    /// - Throws: ``AdvisorError`` when a file cannot be read, a rule or overlay has an error (with every
    ///   diagnostic), or a template is invalid.
    public init(_ configuration: Configuration = Configuration()) throws(AdvisorError) {
        let catalog = try RuleCatalog(configuration, builtInTests: false)
        var runbooks: [String: String] = [:]
        if let directory = configuration.runbookDirectory {
            do {
                runbooks = try KnowledgeBase.runbookTemplates(at: directory)
            } catch {
                throw AdvisorError(code: .unreadableFile, message: "cannot read runbooks: \(error)")
            }
        }
        try self.init(catalog: catalog, runbooks: runbooks)
    }

    /// An advisor over rules already loaded, with template texts by name (without `.md`) that replace or add
    /// to the built-in ones.
    ///
    /// - Throws: ``AdvisorError`` when a rule has an error or a template is invalid.
    public init(catalog: RuleCatalog, runbooks: [String: String] = [:]) throws(AdvisorError) {
        if catalog.hasErrors {
            let count = catalog.diagnostics.filter { $0.severity == .error }.count
            throw AdvisorError(code: .invalidRules, message: "\(count) error\(count == 1 ? "" : "s") in rules",
                               diagnostics: catalog.diagnostics, rendered: catalog.renderedDiagnostics())
        }
        let templates: RunbookTemplates
        do {
            // The built-in templates were checked when TWAdvise was built and tested (each is parsed here
            // only when a report needs it); a team's are checked now, whole.
            var loaded = RunbookTemplates(trusted: KnowledgeBase.runbookTemplates)
            try loaded.override(with: runbooks)
            templates = loaded
        } catch {
            throw AdvisorError(code: .invalidTemplate, message: "runbook template: \(error.description)")
        }
        // The built-in rules against the built-in templates are checked by the tests; team rules, and every
        // rule when a team's templates replace some, are checked here.
        let mismatches = catalog.runbookDiagnostics(templates, onlyTeamRules: runbooks.isEmpty)
        if mismatches.contains(where: { $0.severity == .error }) {
            var checked = catalog
            checked.diagnostics += mismatches
            let count = mismatches.filter { $0.severity == .error }.count
            throw AdvisorError(code: .invalidRules, message: "\(count) error\(count == 1 ? "" : "s") in rules",
                               diagnostics: checked.diagnostics, rendered: checked.renderedDiagnostics())
        }
        self.templates = templates
        self.catalog = catalog
    }

    /// Parses the report's document template now rather than at the first report (a template with an error
    /// is not kept: the report meets the same error). `diagnose` does it on a worker while it reads the input.
    package func prepareReport() {
        templates.prepareReport()
    }

    /// The namespace's row in the table a report over several namespaces starts with: the same observed facts
    /// its own report opens with.
    static func summaryRow(_ snapshot: FactsSnapshot, _ input: ReportInput) -> NamespaceSummary.Row {
        let timeWait = input.observed.timeWait ?? snapshot.sockets.map { Int64($0.timeWait) }
        return NamespaceSummary.Row(label: snapshot.origin.namespace ?? "host", timeWait: timeWait, pressed: input.observed.mostPressed,
                                    worst: input.highestSeverity, shownFindings: input.shownFindings.count,
                                    notRead: snapshot.notRead, insufficient: input.insufficientForVerdict)
    }

    /// The command that opens a shell in `namespace`: by its `ip netns` name, else by a process in it.
    static func enterCommand(_ namespace: NetworkNamespace) -> String? {
        if let name = namespace.name, Escaping.shellSafe(name) == name { return "ip netns exec \(name) bash" }
        return namespace.pid.map { "nsenter -t \($0) -n bash" }
    }

    /// Evaluates every rule against the snapshot; ``Diagnosis/findings`` holds those at or above
    /// `minimumSeverity`.
    ///
    /// A snapshot of a whole host (written by `twadvise snapshot`, or read with ``FactsInput``) may nest its
    /// other network namespaces: each is diagnosed too, in ``Diagnosis/namespaces``, and the reports of the
    /// diagnosis cover them all.
    public func diagnose(_ snapshot: FactsSnapshot, minimumSeverity: Severity = .info, profile: Bool = false) -> Diagnosis {
        var own = snapshot
        let nested = own.namespaces ?? []
        own.namespaces = nil
        var diagnosis = diagnoseOne(own, minimumSeverity: minimumSeverity, profile: profile)
        diagnosis.namespaces = nested.map { diagnoseOne($0, minimumSeverity: minimumSeverity, profile: profile) }
        return diagnosis
    }

    /// One namespace's diagnosis.
    func diagnoseOne(_ snapshot: FactsSnapshot, minimumSeverity: Severity, profile: Bool) -> Diagnosis {
        // The derived quantities and the fact tree are computed once and shared by evaluation, the runbook's
        // plan and (in watch) the Prometheus text.
        let derived = snapshot.derived
        let tree = HostFactSchema.factValue(snapshot, derived: derived)
        var evaluation = catalog.ruleSet.evaluate(tree, provenance: snapshot.provenance, profile: profile)
        if snapshot.origin.kind == .captured { Self.hintInputs(&evaluation, read: snapshot.readFrom ?? ReadLocations(), names: inputNames) }
        let disabled = catalog.ruleSet.rules.filter(\.isDisabled).map { ($0.id, $0.overlayJustifications.joined(separator: "; ")) }
        var hostname = snapshot.host.hostname
        if let namespace = snapshot.origin.namespace { hostname = (hostname ?? "unknown host") + ", " + FactsOrigin.namespacePhrase(namespace) }
        var input = ReportInput(
            hostname: hostname, kernel: snapshot.host.kernel?.release, source: snapshot.origin.description,
            collectedAt: snapshot.collectedAt, current: snapshot.currentValues, evaluation: evaluation,
            minimumSeverity: minimumSeverity, warnings: snapshot.warnings.map(\.description), disabled: disabled)
        input.plan = RunbookPlan.values(snapshot, derived: derived)
        input.notes = RunbookPlan.notes(snapshot)
        input.overridden = catalog.ruleSet.rules.compactMap { rule in rule.overrideJustification.map { (rule.id, $0) } }
        input.notCovered = snapshot.notCovered ?? []
        input.observed = ObservedFacts.observed(snapshot, derived)
        input.verdictGaps = ObservedFacts.verdictGaps(evaluation)
        if let namespace = snapshot.namespace {
            input.enterNamespace = Self.enterCommand(namespace)
            input.inContainer = namespace.owner.map { $0.kind != .systemd } ?? false
        }
        input.otherNamespace = snapshot.origin.namespace != nil
        return Diagnosis(input: input, templates: templates, tree: tree, derived: derived, summaryRow: Self.summaryRow(snapshot, input))
    }

    /// With captured command output alone there is no /proc to read: a missing fact names the input that
    /// would supply it (``CapturedInputNames``), or the input given that lacks it, instead of a path under /proc.
    static func hintInputs(_ evaluation: inout Evaluation, read: ReadLocations = ReadLocations(), names: CapturedInputNames) {
        func hint(_ source: String) -> MissingFact.Hint {
            var path = Substring(source)
            while path.first == "/" { path.removeFirst() }
            if path.hasPrefix("proc/sys/") {
                return read.sysctls.map { .notIn("the " + $0.replacing("captured ", with: "")) } ?? .give(names.sysctl)
            }
            switch path {
            case "proc/net/netstat", "proc/net/snmp":
                return read.counters.map { .notIn("the " + $0.replacing("captured ", with: "")) } ?? .give(names.counters)
            case "proc/net/tcp", "proc/net/tcp6": return .give(names.sockets)
            default: return path.hasPrefix("proc/") ? .give(names.tree(String(path))) : .readFrom(source)
            }
        }
        for i in evaluation.results.indices {
            guard case .insufficientData(let missing, let reasons) = evaluation.results[i].outcome else { continue }
            let hinted = missing.map { fact in
                var fact = fact
                fact.hints = []
                for h in fact.sources.map(hint) where !fact.hints.contains(h) { fact.hints.append(h) }
                return fact
            }
            evaluation.results[i].outcome = .insufficientData(missing: hinted, reasons: reasons)
        }
    }

    /// The rules as Prometheus alerting rules over node_exporter and `twadvise_` metrics (YAML), and the rules
    /// that have no PromQL form, with why.
    package func prometheusAlertRules(for duration: String = "5m") -> (yaml: String, skipped: [(id: String, reason: String)]) {
        PrometheusRules.export(catalog.ruleSet, metrics: HostFactSchema.alertMetrics, for: duration)
    }
}

extension HostFactSchema {
    /// Fact path → metric, for the alert-rule export.
    static let alertMetrics: [String: PrometheusRules.Metric] = metrics.mapValues {
        PrometheusRules.Metric(name: $0.name, perDestination: false)
    }.merging(metrics.filter { $0.key.destinationField != nil }.mapValues {
        PrometheusRules.Metric(name: $0.name, perDestination: true)
    }) { _, perDestination in perDestination }
}

/// The result of ``Advisor/diagnose(_:minimumSeverity:profile:)``.
public struct Diagnosis: Sendable {
    var input: ReportInput
    let templates: RunbookTemplates
    /// The fact tree the rules were evaluated on, and the derived quantities it was made with.
    let tree: FactValue
    let derived: DerivedFacts
    /// This diagnosis's row in the table of namespaces.
    package let summaryRow: NamespaceSummary.Row
    /// The diagnoses of the other network namespaces the snapshot nested (empty for one namespace): the
    /// reports of this diagnosis cover them, the host's own first.
    public internal(set) var namespaces: [Diagnosis] = []

    /// This diagnosis and those of its nested namespaces, the host's own first.
    public var everyNamespace: [Diagnosis] {
        var own = self
        own.namespaces = []
        return [own] + namespaces
    }

    /// The highest severity of any finding in any namespace covered; `nil` when nothing fired anywhere.
    public var highestSeverity: Severity? { everyNamespace.compactMap(\.input.highestSeverity).max() }

    /// Every rule's outcome, all findings included.
    public var evaluation: Evaluation { input.evaluation }
    /// Findings at or above the minimum severity, in rank order.
    public var findings: [Finding] { input.shownFindings }
    /// The severity below which findings are left out of ``findings`` and of the report.
    public var minimumSeverity: Severity { input.minimumSeverity }
    /// Where the facts came from, as the report says it.
    public var source: String { input.source }
    /// The verdict: ``Verdict/healthy`` only when nothing fired and every rule the verdict rests on could run,
    /// ``Verdict/insufficientData`` when one lacked facts and nothing of medium or above fired. Its
    /// `description` is the report's word for it.
    public var verdict: Verdict { input.verdict }

    /// The Markdown runbook; with nested namespaces, the table of namespaces first (``markdown(_:)``).
    public func markdown() throws(AdvisorError) -> String {
        if !namespaces.isEmpty { return try Self.markdown(everyNamespace) }
        return try ownMarkdown()
    }

    /// The runbook of this namespace alone.
    func ownMarkdown() throws(AdvisorError) -> String {
        try ownDocument().markdown
    }

    /// The report of this namespace alone, as a document.
    func ownDocument() throws(AdvisorError) -> ReportDocument {
        do {
            return try MarkdownReport(templates: templates).document(input)
        } catch {
            throw AdvisorError(code: .invalidTemplate, message: "runbook template: \(error.description)")
        }
    }

    /// The report as one document: Markdown (``markdown()``) and the terminal's view (``terminal(_:color:)``)
    /// are its two renderings. With nested namespaces, the table of namespaces first.
    package func document() throws(AdvisorError) -> ReportDocument {
        try Self.document([self])
    }

    /// The JSON report of this namespace alone, each finding with its steps.
    func ownJSON() throws(AdvisorError) -> JSONReport {
        do {
            return JSONReport(input, tool: TWAdviseVersion.tool, steps: try MarkdownReport(templates: templates).steps(input))
        } catch {
            throw AdvisorError(code: .invalidTemplate, message: "runbook template: \(error.description)")
        }
    }

    /// The runbook of ``markdown(_:)`` as a terminal shows it: escapes undone, bold, aligned tables, and
    /// severities in colour unless `color` is false (`NO_COLOR`), in which case no control sequence at all.
    public static func terminal(_ diagnoses: [Diagnosis], color: Bool) throws(AdvisorError) -> String {
        // Rule and template text is checked for control characters when it loads; the terminal rendering is
        // the last guard, for whatever reaches the report another way: every invisible scalar but tab made
        // visible before the renderer adds its own colours.
        try document(diagnoses).terminal(color: color)
    }

    /// One Markdown document for several diagnoses of one host (its network namespaces, the own first): the
    /// table of namespaces, then the runbook of the host's namespace and of each namespace with findings.
    public static func markdown(_ diagnoses: [Diagnosis]) throws(AdvisorError) -> String {
        try document(diagnoses).markdown
    }

    /// ``markdown(_:)`` as a document, of which Markdown and the terminal's view are two renderings.
    package static func document(_ diagnoses: [Diagnosis]) throws(AdvisorError) -> ReportDocument {
        let diagnoses = diagnoses.flatMap(\.everyNamespace)
        guard let first = diagnoses.first else { return ReportDocument(blocks: []) }
        guard diagnoses.count > 1 else { return try first.ownDocument() }
        var document = NamespaceSummary(rows: diagnoses.map(\.summaryRow)).document(hostname: first.input.hostname)
        document.blocks += try first.ownDocument().blocks
        for diagnosis in diagnoses.dropFirst() where !diagnosis.findings.isEmpty {
            document.blocks += try diagnosis.ownDocument().blocks
        }
        return document
    }

    /// The JSON report, documented by docs/report.schema.json.
    public func json() throws(AdvisorError) -> Data {
        try Self.json([self])
    }

    /// One JSON report for several diagnoses of one capture: the first (the host's) with the others
    /// (network namespaces) under `namespaces`.
    public static func json(_ diagnoses: [Diagnosis]) throws(AdvisorError) -> Data {
        let diagnoses = diagnoses.flatMap(\.everyNamespace)
        guard let first = diagnoses.first else { return Data() }
        var report = try first.ownJSON()
        if diagnoses.count > 1 {
            var namespaces: [JSONReport] = []
            for diagnosis in diagnoses.dropFirst() { namespaces.append(try diagnosis.ownJSON()) }
            report.namespaces = namespaces
        }
        do {
            return try report.encoded()
        } catch {
            throw AdvisorError(code: .invalidTemplate, message: "cannot encode the JSON report: \(error)")
        }
    }
}

/// Why an ``Advisor`` could not be built or a report rendered.
public struct AdvisorError: Error, Sendable, CustomStringConvertible {
    /// What kind of problem it is.
    public enum Code: Sendable, Hashable {
        /// A rule, overlay or template file could not be read.
        case unreadableFile
        /// Rule or overlay files have errors: see ``AdvisorError/diagnostics``.
        case invalidRules
        /// A runbook template is invalid.
        case invalidTemplate
        /// No rule has the id asked for.
        case unknownRule
    }

    /// The kind of problem.
    public var code: Code
    /// One line saying what went wrong.
    public var message: String
    /// Every problem found in rule and overlay files, with its location.
    public var diagnostics: [Diagnostic]
    /// ``diagnostics`` rendered with the source line and a caret, as `rules lint` prints them.
    public var renderedDiagnostics: [String]

    /// An error of `code`, with a one-line `message` and, for rule errors, every diagnostic and its rendering.
    init(code: Code, message: String, diagnostics: [Diagnostic] = [], rendered: [String] = []) {
        self.code = code
        self.message = message
        self.diagnostics = diagnostics
        self.renderedDiagnostics = rendered
    }

    /// The rendered diagnostics, then the message.
    public var description: String { (renderedDiagnostics + [message]).joined(separator: "\n") }
}
