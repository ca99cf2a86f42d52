/// A range of an expression's text, in Unicode scalars from its start (half-open).
package struct TextRange: Sendable, Hashable {
    package var start: Int
    package var end: Int

    package init(_ start: Int, _ end: Int) {
        self.start = start
        self.end = end
    }

    package func union(_ other: TextRange) -> TextRange { TextRange(min(start, other.start), max(end, other.end)) }
}

package enum TokenKind: Sendable, Hashable {
    case int(Int64)
    case float(Double)
    case duration(Double)
    case string(String)
    case identifier(String)
    /// `and or not in true false`
    case keyword(String)
    /// `+ - * / % == != < <= > >= ( ) [ ] , . :`
    case symbol(String)
    case end
}

package struct Token: Sendable, Hashable {
    package var kind: TokenKind
    package var range: TextRange

    /// How the token is named in "expected X, found Y".
    package var display: String {
        switch kind {
        case .int(let v): return "'\(v)'"
        case .float(let v): return "'\(v)'"
        case .duration(let v): return "duration '\(v)s'"
        case .string(let s): return "string \"\(s)\""
        case .identifier(let s): return "'\(s)'"
        case .keyword(let s): return "'\(s)'"
        case .symbol(let s): return "'\(s)'"
        case .end: return "end of expression"
        }
    }
}

/// A syntax or type error inside one expression, at a range of its text.
package struct ExpressionError: Error, Sendable, Hashable {
    package var range: TextRange
    package var message: String
    package var notes: [String]
    /// The `let:` binding whose own error this one follows from: reported there, not again here.
    package var followsFrom: String?
    /// Errors found in other parts of the same expression (the other operand of `and`, `>`, ...), reported
    /// beside this one so that a rule author sees every mistake at once.
    package var others: [ExpressionError] = []

    package init(_ range: TextRange, _ message: String, notes: [String] = [], followsFrom: String? = nil) {
        self.range = range
        self.message = message
        self.notes = notes
        self.followsFrom = followsFrom
    }
}
