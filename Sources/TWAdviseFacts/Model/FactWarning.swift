/// A problem met while reading host facts: the file (and line, where there is one) and what went wrong.
///
/// A warning always accompanies an **unknown** fact: readers never turn a problem into a zero.
public struct FactWarning: Codable, Sendable, Hashable, CustomStringConvertible {
    /// The path of the input, relative to the fact root where there is one (`proc/net/tcp`).
    public var path: String
    /// The 1-based line number inside the file, when the problem is on one line.
    public var line: Int?
    /// A lower-case message without trailing period.
    public var message: String

    /// A problem at `path` (and `line`, when it is about one line).
    package init(path: String, line: Int? = nil, message: String) {
        self.path = path
        self.line = line
        self.message = message
    }

    /// `path:line: message`, the form printed on the command line.
    public var description: String {
        if let line { return "\(path):\(line): \(message)" }
        return "\(path): \(message)"
    }
}
