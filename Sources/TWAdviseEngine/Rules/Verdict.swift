/// What a diagnosis concludes, in one word a person acts on. "Healthy" needs evidence: it is the verdict
/// only when nothing fired and every rule the verdict rests on could be evaluated; when one of them lacked
/// facts and nothing of medium or above fired, the verdict is ``insufficientData``.
public enum Verdict: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// Nothing fired, and every deciding rule could run.
    case healthy = "healthy"
    /// Only findings of severity info.
    case notesOnly = "healthy (notes only)"
    /// The highest finding is low.
    case minorIssues = "minor issues"
    /// The highest finding is medium.
    case needsAttention = "needs attention"
    /// The highest finding is high.
    case actionNeeded = "ACTION NEEDED"
    /// The highest finding is critical.
    case actionNeededNow = "ACTION NEEDED NOW"
    /// A rule the verdict rests on could not be evaluated for want of facts, and nothing of medium or above
    /// fired: no verdict can be given.
    case insufficientData = "insufficient data"

    /// The verdict of findings whose highest severity is `highest` (`nil`: none fired); `decidable` is false
    /// when a rule the verdict rests on lacked facts.
    public init(highest: Severity?, decidable: Bool) {
        if !decidable, (highest ?? .info) < .medium {
            self = .insufficientData
            return
        }
        switch highest {
        case nil: self = .healthy
        case .info?: self = .notesOnly
        case .low?: self = .minorIssues
        case .medium?: self = .needsAttention
        case .high?: self = .actionNeeded
        case .critical?: self = .actionNeededNow
        }
    }

    /// The verdict as a report prints it (`healthy`, `ACTION NEEDED NOW`, `insufficient data`).
    public var description: String { rawValue }
}
