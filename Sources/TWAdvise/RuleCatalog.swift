public import TWAdviseEngine

/// Rules assembled from the built-in knowledge base, extra rule sources, overlays and disabled ids,
/// checked against ``HostFactSchema``.
public struct RuleCatalog: Sendable {
    public var ruleSet: RuleSet
    /// Every problem found in every source, sorted by location.
    public var diagnostics: [Diagnostic]
    /// Source texts by path, for rendering diagnostics with the offending line.
    public var texts: [String: String]
    /// The extra rule sources and overlays it was built from.
    public var extraSources: [RuleSource]
    public var overlaySources: [RuleSource]

    /// Whether any diagnostic is an error.
    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    /// - Parameters:
    ///   - builtIn: include the embedded `rules/`.
    ///   - extra: team rule files (`--rules`), loaded after the built-in ones; a rule replaces a built-in one
    ///     with the same id only when it says `override: true`.
    ///   - overlays: overlay files applied in order.
    ///   - disabled: ids turned off (`--disable`).
    public init(builtIn: Bool = true, extra: [RuleSource] = [], overlays: [RuleSource] = [], disabled: [String] = [],
                schema: FactSchema = HostFactSchema.schema) {
        let sources = (builtIn ? KnowledgeBase.ruleSources : []) + extra
        var (ruleSet, diagnostics) = RuleSet.load(sources, schema: schema)
        for overlay in overlays { diagnostics += ruleSet.apply(overlay: overlay) }
        diagnostics += ruleSet.disable(disabled)
        self.ruleSet = ruleSet
        self.diagnostics = diagnostics
        var texts: [String: String] = [:]
        for source in sources + overlays { texts[source.path] = source.text }
        self.texts = texts
        self.extraSources = extra
        self.overlaySources = overlays
    }

    /// Diagnostics with the source line and a caret under the column.
    public func renderedDiagnostics() -> [String] {
        diagnostics.map { $0.rendered(source: texts[$0.location.file]) }
    }
}
