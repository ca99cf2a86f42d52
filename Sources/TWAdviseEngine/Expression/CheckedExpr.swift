/// An expression after type checking: names resolved to slots or fact paths, operators chosen by type.
package indirect enum CheckedExpr: Sendable {
    case constant(FactValue)
    /// A parameter, a `let` binding or an iteration variable.
    case slot(Int)
    /// A fact path from the root of the fact tree.
    case fact([String])
    /// A field of a record value; `path` names it in "missing" reports (`sockets.destinations[].time_wait`).
    case member(CheckedExpr, String, path: String)
    /// The field of every record of a list.
    case project(CheckedExpr, String, path: String)
    case negate(CheckedExpr)
    case not(CheckedExpr)
    case and(CheckedExpr, CheckedExpr)
    case or(CheckedExpr, CheckedExpr)
    case arithmetic(ArithmeticOperator, CheckedExpr, CheckedExpr, result: FactType)
    case compare(ComparisonOperator, CheckedExpr, CheckedExpr)
    case membership(CheckedExpr, CheckedExpr, negated: Bool)
    case call(Builtin, [CheckedExpr])
    case comprehension(Builtin, slot: Int, collection: CheckedExpr, body: CheckedExpr)
    case list([CheckedExpr])
}

package enum ArithmeticOperator: String, Sendable {
    case add = "+", subtract = "-", multiply = "*", divide = "/", remainder = "%"
}

package enum ComparisonOperator: String, Sendable {
    case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
}
