/// A reference a finding cites: kernel documentation, a commit, an article.
public struct Reference: Sendable, Hashable, Codable {
    /// What the reference is (`ip-sysctl: tcp_tw_reuse`).
    public var title: String
    /// Where to read it, when it has an address.
    public var url: String?

    /// A reference with a title and, optionally, an address.
    public init(title: String, url: String? = nil) {
        self.title = title
        self.url = url
    }
}

/// A named threshold of a rule; an overlay can change its value by name.
public struct RuleParameter: Sendable, Hashable {
    /// The name rules and overlays use (`medium_ratio`).
    public var name: String
    /// The value in force (after overlays).
    public var value: FactValue
    /// Its type; an overlay's value must have it.
    public var type: FactType
    /// What the threshold means.
    public var doc: String
    package var slot: Int
    /// `RULE-ID.NAME` of the parameter this one follows (`same_as`), if any: its value is always that one's.
    public var link: String? = nil
    /// The value the rule file gives (for a `same_as` parameter, the one it follows), before any overlay.
    public var defaultValue: FactValue? = nil
}

/// One line of evidence a finding shows: a label, the value and where it came from.
package struct EvidenceSpec: Sendable {
    var label: String
    var value: CheckedExpr
    /// What the rule file says the value comes from; shown only when the embedder does not say where the
    /// facts the value reads were read (``FactProvenance``).
    var source: String?
    var format: EvidenceFormat
    /// Fact paths the value reads, through `let` bindings too (`sockets.destinations[].in_use`), sorted.
    var factPaths: [String] = []
}

package enum EvidenceFormat: String, Sendable, CaseIterable {
    case plain, percent
}

/// An in-file test: partial facts in, expected findings (or none, or insufficient data) out.
package struct RuleTestCase: Sendable {
    package enum Expectation: Sendable {
        case findings([ExpectedFinding])
        case insufficient([String])
    }

    package struct ExpectedFinding: Sendable {
        var severity: Severity?
        var subject: String?
        var location: SourceLocation
    }

    var name: String
    var facts: FactValue
    var parameters: [String: FactValue]
    var expectation: Expectation
    var location: SourceLocation
}

/// A loaded, type-checked rule.
public struct Rule: Sendable {
    /// Stable dotted lower-case id (`ports.destination-exhaustion`).
    public var id: String
    /// One line saying what the rule finds.
    public var title: String
    /// The mechanism, in a few sentences (the runbook's "why" expands on it).
    public var description: String
    /// Severity when the rule fires, before escalations.
    public var severity: Severity
    /// Named thresholds, in the order the rule file gives them.
    public var parameters: [RuleParameter]
    /// Section of the runbook the finding renders through.
    public var runbook: String?
    /// Primary sources the rule cites.
    public var references: [Reference]
    /// Where the rule is defined.
    public var location: SourceLocation
    /// Whether it replaces a rule with the same id from an earlier source.
    public var isOverride: Bool
    /// Why it replaces the earlier rule (required with `override: true`); reports list it.
    public var overrideJustification: String? = nil
    /// Set by an overlay or `--disable`.
    public var isDisabled = false
    /// Written justification of every overlay applied to this rule.
    public var overlayJustifications: [String] = []
    /// The text of the condition and of the iteration, for `rules explain`.
    public var conditionText: String
    /// The text of `for_each`, when the rule iterates.
    public var iterationText: String?
    /// Each `let:` name with the text of its expression, in order.
    public var letTexts: [(name: String, expression: String)] = []
    /// Each `escalate:` severity with the text of its condition, as the file gives them.
    public var escalationTexts: [(severity: String, condition: String)] = []

    package var escalations: [(Severity, CheckedExpr)]
    package var iteration: (slot: Int, collection: CheckedExpr)?
    package var lets: [(slot: Int, expr: CheckedExpr)]
    package var condition: CheckedExpr
    package var score: CheckedExpr?
    package var subject: CheckedExpr?
    package var evidence: [EvidenceSpec]
    /// Named values for the runbook template (`{{vars.remote_address}}`).
    package var vars: [(name: String, expr: CheckedExpr)]
    package var tests: [RuleTestCase]
    package var slotCount: Int
    /// Distinct fact paths the rule reads (indexes of `.cachedFact`).
    package var factPathCount = 0
    /// Fields of the iterated items the rule reads (indexes of `.iterationField`), when the collection is a fact.
    package var iterationFields: [String] = []
    /// The fact path iterated over, when it is one (the key of shared columns).
    package var iterationPath: String?
    /// Sources (files) of the facts the rule reads, for "insufficient data" reports.
    package var factSources: [String: [String]]

    /// Number of in-file tests.
    public var testCount: Int { tests.count }
}
