/// How bad a finding is. Ordered: `info < low < medium < high < critical`.
public enum Severity: String, Sendable, Hashable, Codable, CaseIterable, Comparable, CustomStringConvertible {
    case info, low, medium, high, critical

    /// Position from `info` (0) to `critical` (4).
    public var rank: Int { Severity.allCases.firstIndex(of: self)! }

    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }

    /// The score a finding ranks by when its rule gives no `score:` (info 5, low 20, medium 40, high 60,
    /// critical 80): a team rule without one ranks among the built-in rules of its severity, not always last.
    public var defaultScore: Double { [5, 20, 40, 60, 80][rank] }

    /// The lower-case name (`high`).
    public var description: String { rawValue }
}
