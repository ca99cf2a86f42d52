/// An expression as parsed, before names are resolved; every node keeps its text range.
package indirect enum Expr: Sendable, Hashable {
    case literal(FactValue, TextRange)
    case name(String, TextRange)
    /// `base.field`
    case member(Expr, String, TextRange)
    /// `-x`, `not x`
    case unary(String, Expr, TextRange)
    /// `a + b`, `a and b`, `a in b`, ...
    case binary(String, Expr, Expr, TextRange)
    /// `f(a, b)`
    case call(String, [Expr], TextRange)
    /// `f(x in collection: body)` for `any all count sum min max`
    case comprehension(function: String, variable: String, collection: Expr, body: Expr, range: TextRange)
    /// `[a, b]`
    case list([Expr], TextRange)

    package var range: TextRange {
        switch self {
        case .literal(_, let r), .name(_, let r), .member(_, _, let r), .unary(_, _, let r), .binary(_, _, _, let r),
             .call(_, _, let r), .list(_, let r):
            return r
        case .comprehension(_, _, _, _, let r):
            return r
        }
    }

    /// The dotted path of a name or member chain (`sockets.time_wait`), or `nil`.
    package var dottedPath: String? {
        switch self {
        case .name(let n, _): return n
        case .member(let base, let field, _): return base.dottedPath.map { $0 + "." + field }
        default: return nil
        }
    }
}
