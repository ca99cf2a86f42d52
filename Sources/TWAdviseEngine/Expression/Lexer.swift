/// Turns expression text into tokens. Positions count Unicode scalars.
package enum Lexer {
    package static let keywords: Set<String> = ["and", "or", "not", "in", "true", "false"]
    static let twoCharSymbols: Set<String> = ["==", "!=", "<=", ">="]
    static let oneCharSymbols: Set<Unicode.Scalar> = ["+", "-", "*", "/", "%", "<", ">", "(", ")", "[", "]", ",", ".", ":"]
    static let durationUnits: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]

    /// The lexer's character classes (ASCII only): what separates tokens, starts an identifier, continues one.
    static func isSpace(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\t" || c == "\n" || c == "\r" }
    static func isDigit(_ c: Unicode.Scalar) -> Bool { c >= "0" && c <= "9" }
    static func isIdentStart(_ c: Unicode.Scalar) -> Bool { (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c == "_" }
    static func isIdentifier(_ c: Unicode.Scalar) -> Bool { isIdentStart(c) || isDigit(c) }

    package static func tokenize(_ text: String) throws(ExpressionError) -> [Token] {
        let s = Array(text.unicodeScalars)
        var tokens: [Token] = []
        var i = 0
        while i < s.count {
            let c = s[i]
            if isSpace(c) {
                i += 1
                continue
            }
            let start = i
            if isDigit(c) {
                var digits = ""
                var isFloat = false
                while i < s.count, isDigit(s[i]) || s[i] == "_" || (s[i] == "." && !isFloat && i + 1 < s.count && isDigit(s[i + 1])) {
                    if s[i] == "." { isFloat = true }
                    if s[i] != "_" { digits.unicodeScalars.append(s[i]) }
                    i += 1
                }
                if i < s.count, s[i] == "e" || s[i] == "E", i + 1 < s.count, isDigit(s[i + 1]) || ((s[i + 1] == "-" || s[i + 1] == "+") && i + 2 < s.count && isDigit(s[i + 2])) {
                    isFloat = true
                    digits.unicodeScalars.append(s[i]); i += 1
                    digits.unicodeScalars.append(s[i]); i += 1
                    while i < s.count, isDigit(s[i]) { digits.unicodeScalars.append(s[i]); i += 1 }
                }
                // A unit directly after the number makes a duration.
                var unitEnd = i
                while unitEnd < s.count, isIdentifier(s[unitEnd]) { unitEnd += 1 }
                let suffix = String(String.UnicodeScalarView(s[i..<unitEnd]))
                if !suffix.isEmpty {
                    guard let unit = durationUnits.first(where: { $0.0 == suffix }), let value = Double(digits) else {
                        throw ExpressionError(TextRange(i, unitEnd), "unknown duration unit '\(suffix)'", notes: ["durations are written 1500ms, 60s, 5m, 2h or 1d"])
                    }
                    guard (value * unit.1).isFinite else { throw ExpressionError(TextRange(start, unitEnd), "invalid duration '\(digits)\(suffix)'") }
                    i = unitEnd
                    tokens.append(Token(kind: .duration(value * unit.1), range: TextRange(start, i)))
                    continue
                }
                if isFloat {
                    guard let value = Double(digits), value.isFinite else { throw ExpressionError(TextRange(start, i), "invalid number '\(digits)'") }
                    tokens.append(Token(kind: .float(value), range: TextRange(start, i)))
                } else {
                    guard let value = Int64(digits) else { throw ExpressionError(TextRange(start, i), "integer '\(digits)' does not fit in 64 bits") }
                    tokens.append(Token(kind: .int(value), range: TextRange(start, i)))
                }
                continue
            }
            if isIdentStart(c) {
                while i < s.count, isIdentifier(s[i]) { i += 1 }
                let word = String(String.UnicodeScalarView(s[start..<i]))
                tokens.append(Token(kind: keywords.contains(word) ? .keyword(word) : .identifier(word), range: TextRange(start, i)))
                continue
            }
            if c == "\"" || c == "'" {
                let quote = c
                i += 1
                var value = ""
                while true {
                    guard i < s.count else { throw ExpressionError(TextRange(start, i), "unterminated string") }
                    let d = s[i]
                    if d == quote { i += 1; break }
                    if d == "\\" {
                        guard i + 1 < s.count else { throw ExpressionError(TextRange(start, i + 1), "unterminated string") }
                        switch s[i + 1] {
                        case "n": value += "\n"
                        case "t": value += "\t"
                        case "\\": value += "\\"
                        case "\"": value += "\""
                        case "'": value += "'"
                        default: throw ExpressionError(TextRange(i, i + 2), "unknown escape '\\\(s[i + 1])'")
                        }
                        i += 2
                        continue
                    }
                    value.unicodeScalars.append(d)
                    i += 1
                }
                tokens.append(Token(kind: .string(value), range: TextRange(start, i)))
                continue
            }
            if i + 1 < s.count {
                let pair = String(String.UnicodeScalarView([c, s[i + 1]]))
                if twoCharSymbols.contains(pair) {
                    i += 2
                    tokens.append(Token(kind: .symbol(pair), range: TextRange(start, i)))
                    continue
                }
            }
            if oneCharSymbols.contains(c) {
                i += 1
                tokens.append(Token(kind: .symbol(String(c)), range: TextRange(start, i)))
                continue
            }
            if c == "=" {
                throw ExpressionError(TextRange(start, start + 1), "unexpected '='", notes: ["comparison is written '=='"])
            }
            if c == "&" || c == "|" || c == "!" {
                let word = c == "&" ? "and" : c == "|" ? "or" : "not"
                throw ExpressionError(TextRange(start, start + 1), "unexpected '\(c)'", notes: ["boolean operators are written 'and', 'or', 'not': use '\(word)'"])
            }
            throw ExpressionError(TextRange(start, start + 1), "unexpected character '\(c.escaped(asASCII: true))'")
        }
        tokens.append(Token(kind: .end, range: TextRange(s.count, s.count)))
        return tokens
    }
}
