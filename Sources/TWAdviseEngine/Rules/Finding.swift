/// One line of evidence: a number and where it came from.
public struct Evidence: Sendable, Hashable, Codable {
    /// What kind of value a line of evidence holds, so that a renderer formats it without guessing from its
    /// text: a count or rate is rounded for a person, a share shown with its bar, seconds and text as they are.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// A count or rate (`number` holds it).
        case number
        /// A fraction of a whole, 0...1 (`number` holds it; the rule asked for `format: percent`).
        case share
        /// A duration in seconds (`number` holds it).
        case seconds
        /// Anything else: text, an address, a version, a list, a truth value.
        case text
        /// Not known from this input.
        case unknown
    }

    /// What the value is (`U(D) / R`), as the rule names it.
    public var label: String
    /// Formatted value (`97.0%`, `27400`, `unknown`).
    public var value: String
    /// The raw number, when the value is numeric.
    public var number: Double?
    /// Where the value was read (`proc/net/tcp`).
    public var source: String?
    /// What kind of value it is.
    public var kind: Kind

    /// A line of evidence; `number` is the raw value when it is numeric. Without `kind`, a value with a
    /// number is a ``Kind/number``, one without is ``Kind/text``.
    public init(label: String, value: String, number: Double? = nil, source: String? = nil, kind: Kind? = nil) {
        self.label = label
        self.value = value
        self.number = number
        self.source = source
        self.kind = kind ?? (number == nil ? .text : .number)
    }

    /// The evidence of a rule's value, formatted as the rule asks (`format: percent` for a share).
    package init(label: String, fact: FactValue, percent: Bool, source: String?) {
        let kind: Kind
        let text: String
        switch fact {
        case .unknown: (kind, text) = (.unknown, fact.description)
        case .int, .float:
            if percent, let n = fact.number {
                (kind, text) = (.share, FactValue.format((n * 1000).rounded() / 10) + "%")
            } else {
                (kind, text) = (.number, fact.description)
            }
        case .duration: (kind, text) = (.seconds, fact.description)
        case .string(""), .list([]): (kind, text) = (.text, "none")  // an empty set (no reserved ports) is a value; an empty cell reads as missing
        default: (kind, text) = (.text, fact.description)
        }
        self.init(label: label, value: text, number: fact.number, source: source, kind: kind)
    }
}

/// What a rule found: one per rule, or one per subject for rules that iterate.
public struct Finding: Sendable, Hashable, Codable {
    /// The id of the rule that fired.
    public var id: String
    /// The rule's title.
    public var title: String
    /// Severity after the rule's escalations.
    public var severity: Severity
    /// Ranking score (higher first); see ``Finding/ranked(_:before:)``.
    public var score: Double
    /// What the finding is about (`10.0.0.5 -> 10.0.0.9:443`, `net.ipv4.tcp_tw_recycle`), if the rule names one.
    public var subject: String?
    /// The numbers behind the finding, with where each was read.
    public var evidence: [Evidence]
    /// The runbook section the finding renders through.
    public var runbook: String?
    /// Primary sources the rule cites.
    public var references: [Reference]
    /// Parameter values in force (after overlays), by name, typed (`0.95`, `60s`).
    public var parameters: [String: FactValue]
    /// Justifications of the overlays applied to the rule.
    public var justifications: [String]
    /// Named values for the runbook template, from the rule's `vars:`, typed (unknown and false ones left out).
    public var vars: [String: FactValue]
    /// The rule file's value of each parameter an overlay changed, by name (the others are at their default).
    public var parameterDefaults: [String: FactValue]

    /// A finding as a rule's evaluation makes it.
    public init(id: String, title: String, severity: Severity, score: Double, subject: String? = nil,
                evidence: [Evidence] = [], runbook: String? = nil, references: [Reference] = [],
                parameters: [String: FactValue] = [:], justifications: [String] = [], vars: [String: FactValue] = [:],
                parameterDefaults: [String: FactValue] = [:]) {
        self.id = id
        self.title = title
        self.severity = severity
        self.score = score
        self.subject = subject
        self.evidence = evidence
        self.runbook = runbook
        self.references = references
        self.parameters = parameters
        self.justifications = justifications
        self.vars = vars
        self.parameterDefaults = parameterDefaults
    }

    /// The deterministic ranking order: score, then severity (both descending), then id, then subject.
    public static func ranked(_ a: Finding, before b: Finding) -> Bool {
        if a.score != b.score { return a.score > b.score }
        if a.severity != b.severity { return a.severity > b.severity }
        if a.id != b.id { return a.id < b.id }
        return (a.subject ?? "") < (b.subject ?? "")
    }
}

/// A fact a rule needed but did not have.
public struct MissingFact: Sendable, Hashable, Codable, CustomStringConvertible {
    /// What an embedder says about an input for a missing fact: one to give, one given that lacks it, or
    /// where a host reads it from.
    public enum Hint: Sendable, Hashable, Codable, CustomStringConvertible {
        /// An input that would supply the fact (`sysctl -a output`).
        case give(String)
        /// An input given that does not hold the fact (`the captured sysctl -a output x.txt`).
        case notIn(String)
        /// Where a host reads the fact from.
        case readFrom(String)

        /// `give X`, `not in X`, or `from X`.
        public var description: String {
            switch self {
            case .give(let input): return "give \(input)"
            case .notIn(let input): return "not in \(input)"
            case .readFrom(let source): return "from \(source)"
            }
        }

        public init(from decoder: any Decoder) throws {
            let text = try decoder.singleValueContainer().decode(String.self)
            if text.hasPrefix("give ") { self = .give(String(text.dropFirst(5))) }
            else if text.hasPrefix("not in ") { self = .notIn(String(text.dropFirst(7))) }
            else { self = .readFrom(text.hasPrefix("from ") ? String(text.dropFirst(5)) : text) }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(description)
        }
    }

    /// The fact path (`sockets.destinations[].time_wait`).
    public var path: String
    /// Files the fact is read from on a host, when the schema says.
    public var sources: [String]
    /// What the embedder said about the inputs for it (empty: ``sources`` are shown as where it is read).
    public var hints: [Hint]

    /// A missing fact read from `sources` on a host.
    public init(path: String, sources: [String], hints: [Hint] = []) {
        self.path = path
        self.sources = sources
        self.hints = hints
    }

    private enum CodingKeys: String, CodingKey { case path, sources, hints }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        path = try container.decode(String.self, forKey: .path)
        sources = try container.decode([String].self, forKey: .sources)
        hints = try container.decodeIfPresent([Hint].self, forKey: .hints) ?? []
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(path, forKey: .path)
        try container.encode(sources, forKey: .sources)
        if !hints.isEmpty { try container.encode(hints, forKey: .hints) }
    }

    /// The path, with what would supply it in parentheses: `path (give X or Y)`, `path (not in X)`, or
    /// `path (from proc/net/tcp, proc/net/tcp6)`.
    public var description: String {
        guard !hints.isEmpty else { return sources.isEmpty ? path : "\(path) (from \(sources.joined(separator: ", ")))" }
        var give: [String] = [], notIn: [String] = [], from: [String] = []
        for hint in hints {
            switch hint {
            case .give(let input): give.append(input)
            case .notIn(let input): notIn.append("not in " + input)
            case .readFrom(let source): from.append(source)
            }
        }
        var parts: [String] = []
        if !give.isEmpty { parts.append("give " + give.joined(separator: " or ")) }
        parts += notIn
        if !from.isEmpty { parts.append("from " + from.joined(separator: ", ")) }
        return "\(path) (\(parts.joined(separator: "; ")))"
    }
}

/// The outcome of one rule: it fired, it did not, or the facts it needs were missing.
public enum RuleOutcome: Sendable, Hashable {
    case fired([Finding])
    case notFired
    /// Never a silent no-fire: the missing facts, and reasons for undefined results (division by zero).
    case insufficientData(missing: [MissingFact], reasons: [String])
}

/// One rule's outcome and, when profiling, how long it took.
public struct RuleResult: Sendable, Hashable {
    /// The rule's id.
    public var ruleID: String
    /// The rule's title.
    public var title: String
    /// Fired, not fired, or insufficient data.
    public var outcome: RuleOutcome
    /// Nanoseconds spent evaluating, when profiling was asked for.
    public var nanoseconds: Int64?
}

/// Every rule's outcome and the findings in rank order.
public struct Evaluation: Sendable, Hashable {
    /// Every enabled rule's outcome, in load order.
    public var results: [RuleResult]
    /// Every finding, in rank order.
    public var findings: [Finding]

    /// Rules whose facts were missing, with what was missing.
    public var insufficient: [(ruleID: String, missing: [MissingFact], reasons: [String])] {
        results.compactMap {
            if case .insufficientData(let m, let r) = $0.outcome { return ($0.ruleID, m, r) }
            return nil
        }
    }

    public static func == (a: Evaluation, b: Evaluation) -> Bool { a.results == b.results && a.findings == b.findings }
    public func hash(into hasher: inout Hasher) { hasher.combine(findings) }
}
