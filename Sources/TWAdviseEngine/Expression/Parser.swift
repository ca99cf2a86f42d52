/// Parses expression text into an ``Expr``: a precedence ladder, one function per level.
///
/// ```
/// or         := and ('or' and)*
/// and        := not ('and' not)*
/// not        := 'not' not | comparison
/// comparison := additive (('==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not' 'in') additive)?
/// additive   := multiplicative (('+' | '-') multiplicative)*
/// multiplicative := unary (('*' | '/' | '%') unary)*
/// unary      := '-' unary | postfix
/// postfix    := primary ('.' IDENT)*
/// primary    := literal | IDENT | IDENT '(' args ')' | '(' or ')' | '[' (or (',' or)*)? ']'
/// args       := IDENT 'in' or ':' or | (or (',' or)*)?
/// ```
package struct Parser {
    /// Deepest nesting accepted, so that a hostile rule cannot exhaust the stack.
    package static let maxDepth = 64
    /// Longest expression accepted, in Unicode scalars.
    package static let maxLength = 4096

    private var tokens: [Token]
    private var position = 0
    private var depth = 0

    package static func parse(_ text: String) throws(ExpressionError) -> Expr {
        let length = text.unicodeScalars.count
        guard length <= maxLength else {
            throw ExpressionError(TextRange(0, 1), "expression is \(length) characters long; the limit is \(maxLength)")
        }
        var parser = Parser(tokens: try Lexer.tokenize(text))
        let expr = try parser.parseOr()
        guard case .end = parser.current.kind else {
            throw ExpressionError(parser.current.range, "expected an operator or end of expression, found \(parser.current.display)")
        }
        return expr
    }

    private init(tokens: [Token]) {
        self.tokens = tokens
    }

    private var current: Token { tokens[position] }

    private mutating func advance() -> Token {
        let token = tokens[position]
        if position < tokens.count - 1 { position += 1 }
        return token
    }

    private func isSymbol(_ s: String) -> Bool {
        if case .symbol(s) = current.kind { return true }
        return false
    }

    private func isKeyword(_ s: String) -> Bool {
        if case .keyword(s) = current.kind { return true }
        return false
    }

    private mutating func expect(_ symbol: String, _ context: String) throws(ExpressionError) -> Token {
        guard isSymbol(symbol) else {
            throw ExpressionError(current.range, "expected '\(symbol)' \(context), found \(current.display)")
        }
        return advance()
    }

    private mutating func nested<T>(_ body: (inout Parser) throws(ExpressionError) -> T) throws(ExpressionError) -> T {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else {
            throw ExpressionError(current.range, "expression nests deeper than \(Self.maxDepth) levels")
        }
        return try body(&self)
    }

    mutating func parseOr() throws(ExpressionError) -> Expr {
        try nested { (p: inout Parser) throws(ExpressionError) -> Expr in
            var left = try p.parseAnd()
            while p.isKeyword("or") {
                _ = p.advance()
                let right = try p.parseAnd()
                left = .binary("or", left, right, left.range.union(right.range))
            }
            return left
        }
    }

    mutating func parseAnd() throws(ExpressionError) -> Expr {
        var left = try parseNot()
        while isKeyword("and") {
            _ = advance()
            let right = try parseNot()
            left = .binary("and", left, right, left.range.union(right.range))
        }
        return left
    }

    mutating func parseNot() throws(ExpressionError) -> Expr {
        if isKeyword("not") {
            let start = advance().range
            let operand = try nested { (p: inout Parser) throws(ExpressionError) -> Expr in try p.parseNot() }
            return .unary("not", operand, start.union(operand.range))
        }
        return try parseComparison()
    }

    mutating func parseComparison() throws(ExpressionError) -> Expr {
        let left = try parseAdditive()
        var op: String?
        if case .symbol(let s) = current.kind, ["==", "!=", "<", "<=", ">", ">="].contains(s) {
            op = s
            _ = advance()
        } else if isKeyword("in") {
            op = "in"
            _ = advance()
        } else if isKeyword("not"), case .keyword("in") = tokens[min(position + 1, tokens.count - 1)].kind {
            op = "not in"
            _ = advance()
            _ = advance()
        }
        guard let op else { return left }
        let right = try parseAdditive()
        if case .symbol(let s) = current.kind, ["==", "!=", "<", "<=", ">", ">="].contains(s) {
            throw ExpressionError(current.range, "comparisons do not chain: use 'and' between '\(op)' and '\(s)'")
        }
        return .binary(op, left, right, left.range.union(right.range))
    }

    mutating func parseAdditive() throws(ExpressionError) -> Expr {
        var left = try parseMultiplicative()
        while case .symbol(let s) = current.kind, s == "+" || s == "-" {
            _ = advance()
            let right = try parseMultiplicative()
            left = .binary(s, left, right, left.range.union(right.range))
        }
        return left
    }

    mutating func parseMultiplicative() throws(ExpressionError) -> Expr {
        var left = try parseUnary()
        while case .symbol(let s) = current.kind, s == "*" || s == "/" || s == "%" {
            _ = advance()
            let right = try parseUnary()
            left = .binary(s, left, right, left.range.union(right.range))
        }
        return left
    }

    mutating func parseUnary() throws(ExpressionError) -> Expr {
        if isSymbol("-") {
            let start = advance().range
            let operand = try nested { (p: inout Parser) throws(ExpressionError) -> Expr in try p.parseUnary() }
            return .unary("-", operand, start.union(operand.range))
        }
        return try parsePostfix()
    }

    mutating func parsePostfix() throws(ExpressionError) -> Expr {
        var expr = try parsePrimary()
        while isSymbol(".") {
            _ = advance()
            guard case .identifier(let field) = current.kind else {
                throw ExpressionError(current.range, "expected a field name after '.', found \(current.display)")
            }
            let token = advance()
            expr = .member(expr, field, expr.range.union(token.range))
        }
        return expr
    }

    mutating func parsePrimary() throws(ExpressionError) -> Expr {
        let token = current
        switch token.kind {
        case .int(let v): _ = advance(); return .literal(.int(v), token.range)
        case .float(let v): _ = advance(); return .literal(.float(v), token.range)
        case .duration(let v): _ = advance(); return .literal(.duration(v), token.range)
        case .string(let v): _ = advance(); return .literal(.string(v), token.range)
        case .keyword("true"): _ = advance(); return .literal(.bool(true), token.range)
        case .keyword("false"): _ = advance(); return .literal(.bool(false), token.range)
        case .identifier(let name):
            _ = advance()
            guard isSymbol("(") else { return .name(name, token.range) }
            return try parseCall(name, token.range)
        case .symbol("("):
            _ = advance()
            let inner = try parseOr()
            _ = try expect(")", "to close '('")
            return inner
        case .symbol("["):
            _ = advance()
            var items: [Expr] = []
            if !isSymbol("]") {
                items.append(try parseOr())
                while isSymbol(",") {
                    _ = advance()
                    items.append(try parseOr())
                }
            }
            let close = try expect("]", "to close the list")
            return .list(items, token.range.union(close.range))
        default:
            throw ExpressionError(token.range, "expected an expression, found \(token.display)")
        }
    }

    mutating func parseCall(_ name: String, _ start: TextRange) throws(ExpressionError) -> Expr {
        _ = advance()  // (
        // comprehension: f(x in collection: body)
        if case .identifier(let variable) = current.kind, case .keyword("in") = tokens[min(position + 1, tokens.count - 1)].kind {
            let save = position
            _ = advance()
            _ = advance()
            let collection = try parseOr()
            if isSymbol(":") {
                _ = advance()
                let body = try parseOr()
                let close = try expect(")", "to close the call of '\(name)'")
                return .comprehension(function: name, variable: variable, collection: collection, body: body, range: start.union(close.range))
            }
            position = save  // `f(x in list)` is a plain membership test argument
        }
        var arguments: [Expr] = []
        if !isSymbol(")") {
            arguments.append(try parseOr())
            while isSymbol(",") {
                _ = advance()
                arguments.append(try parseOr())
            }
        }
        let close = try expect(")", "to close the call of '\(name)'")
        return .call(name, arguments, start.union(close.range))
    }
}
