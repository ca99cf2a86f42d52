/// A problem in a rule, overlay or template file, printed as `PATH:LINE:COLUMN: error: MESSAGE`.
public struct Diagnostic: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// How bad a diagnostic is: an error stops the rules from loading.
    public enum Severity: String, Sendable, Hashable, Codable {
        case error, warning, note
    }

    /// Error, warning or note.
    public var severity: Severity
    /// Where in which file.
    public var location: SourceLocation
    /// Lower-case, no trailing period, identifiers quoted.
    public var message: String
    /// Further lines, such as "did you mean 'x'?".
    public var notes: [String]

    /// A diagnostic at `location`, with notes such as "did you mean 'x'?".
    public init(_ severity: Severity = .error, at location: SourceLocation, _ message: String, notes: [String] = []) {
        self.severity = severity
        self.location = location
        self.message = message
        self.notes = notes
    }

    /// `PATH:LINE:COLUMN: error: MESSAGE`, followed by one `note:` line per note.
    public var description: String {
        var text = "\(location): \(severity.rawValue): \(message)"
        for note in notes { text += "\n\(location): note: \(note)" }
        return text
    }

    /// The description followed by the offending source line and a caret under the column.
    public func rendered(source: String?) -> String {
        guard let source else { return description }
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
        guard location.line >= 1, location.line <= lines.count else { return description }
        let scalars = Array(lines[location.line - 1].unicodeScalars)
        let caretColumn = max(1, min(location.column, scalars.count + 1))
        // A long line is shown as a window around the column, so each diagnostic stays a few hundred bytes.
        let width = 120
        let start = max(0, min(caretColumn - 1 - width / 2, scalars.count - width))
        let end = min(scalars.count, start + width)
        var shown = String(String.UnicodeScalarView(scalars[start..<end]))
        var pad = String(scalars[start..<(caretColumn - 1)].map { $0 == "\t" ? "\t" : " " })
        if start > 0 {
            shown = "…" + shown
            pad = " " + pad
        }
        if end < scalars.count { shown += "…" }
        return "\(location): \(severity.rawValue): \(message)\n\(shown)\n\(pad)^"
            + notes.map { "\n\(location): note: \($0)" }.joined()
    }
}

/// An error that carries every diagnostic found, for APIs that throw.
public struct DiagnosticsError: Error, Sendable, CustomStringConvertible {
    /// Every diagnostic, sorted by location.
    public var diagnostics: [Diagnostic]

    /// An error made of these diagnostics.
    public init(_ diagnostics: [Diagnostic]) {
        self.diagnostics = diagnostics
    }

    /// One diagnostic a line.
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

extension Diagnostic {
    /// Most diagnostics one file shows: a broken file's output stays readable and bounded, whatever its size.
    public static let maxPerFile = 50

    /// Keeps the first ``maxPerFile`` diagnostics added since `start`, and says how many more there were.
    static func cap(_ diagnostics: inout [Diagnostic], from start: Int, file: String) {
        let count = diagnostics.count - start
        guard count > maxPerFile else { return }
        let last = diagnostics[start + maxPerFile - 1].location
        diagnostics.removeSubrange((start + maxPerFile)...)
        diagnostics.append(Diagnostic(.note, at: last, "and \(count - maxPerFile) more problems in \(file), not shown: fix these first"))
    }
}
