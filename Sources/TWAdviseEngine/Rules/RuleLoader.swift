/// Reads rule files: YAML structure, keys, ids, and every expression type-checked against the schema.
/// Collects every error of every file rather than stopping at the first.
package struct RuleLoader {
    package static let ruleKeys = [
        "id", "title", "description", "severity", "escalate", "for_each", "params", "let", "condition", "score",
        "subject", "evidence", "vars", "runbook", "references", "tests", "override", "justification",
    ]
    static let testKeys = ["name", "facts", "params", "expect", "expect_insufficient"]
    static let evidenceKeys = ["label", "value", "source", "format"]
    static let paramKeys = ["value", "doc", "same_as"]
    /// Most rules accepted across all sources.
    package static let maxRules = 10_000

    package let schema: FactSchema
    package var diagnostics: [Diagnostic] = []
    /// Parameters of the rules loaded so far, by `RULE-ID.NAME`, for `same_as`.
    var loadedParameters: [String: RuleParameter] = [:]
    /// Files each fact path is read from, for "insufficient data" reports; walked from the schema once.
    let factSources: [String: [String]]
    /// Whether `tests:` are read (a diagnosis of rules whose tests ran when they were built does not need them).
    package var loadsTests = true
    /// Expressions the build parsed, by their exact text, for the source being loaded (``CompiledExpressions``).
    var parsedExpressions: [String: Expr] = [:]
    /// When not `nil`, every expression parsed is recorded here by its text (the build, for ``CompiledExpressions``).
    package var recordedExpressions: [String: Expr]?
    /// Expressions lexed and parsed at run time so far (those not found in ``parsedExpressions``).
    package private(set) var expressionsParsed = 0

    package init(schema: FactSchema) {
        self.schema = schema
        self.factSources = schema.sourcesByPath
    }

    package mutating func error(_ location: SourceLocation, _ message: String, notes: [String] = []) {
        diagnostics.append(Diagnostic(at: location, message, notes: notes))
    }

    /// Loads every rule of one source, from the tree the build compiled when there is one; problems go to
    /// ``diagnostics``.
    package mutating func load(_ source: RuleSource) -> [Rule] {
        // A table that does not decode whole (damaged, another version) is not used: every expression is parsed.
        parsedExpressions = source.expressions.flatMap(CompiledExpressions.decode) ?? [:]
        defer { parsedExpressions = [:] }
        // Without tests, the tree is decoded without them (the loader would not read them).
        if let compiled = source.compiled, let root = CompiledYAML.decode(compiled, file: source.path, skippingRuleTests: !loadsTests) {
            return load(root: root)
        }
        return load(text: source.text, file: source.path)
    }

    /// Makes the parameters of rules decoded from their checked form (``CompiledRules``) known to `same_as`
    /// in the files loaded after them, as loading them would have.
    package mutating func register(_ rules: [Rule]) {
        for rule in rules {
            for parameter in rule.parameters { loadedParameters[rule.id + "." + parameter.name] = parameter }
        }
    }

    /// The expression `text` parses to: the build's parse when it recorded this exact text, else the parser's.
    mutating func parse(_ text: String) throws(ExpressionError) -> Expr {
        if let parsed = parsedExpressions[text] { return parsed }
        expressionsParsed += 1
        let expr = try Parser.parse(text)
        recordedExpressions?[text] = expr
        return expr
    }

    /// Loads every rule of one file; problems go to ``diagnostics``.
    package mutating func load(text: String, file: String) -> [Rule] {
        guard let root = YAMLDocument.root(text, file: file, ifEmpty: "empty rule file: expected a top-level 'rules:' list",
                                           diagnostics: &diagnostics) else { return [] }
        return load(root: root)
    }

    private mutating func load(root: YAMLNode) -> [Rule] {
        guard case .mapping(let pairs, _) = root else {
            error(root.location, "expected a mapping with a 'rules:' list, found \(root.kindName)")
            return []
        }
        var rules: [Rule] = []
        for (key, value) in pairs {
            guard key.value == "rules" else {
                // An overlay file put in a rules directory is the usual way to get here.
                let overlay = key.value == "overlays" ? ["an overlay file is not a rule file: pass it with --overlay FILE"] : []
                error(key.location, "unknown top-level key '\(key.value)'", notes: overlay + Suggestions.note(for: key.value, in: ["rules"]))
                continue
            }
            guard case .sequence(let items, _) = value else {
                error(value.location, "'rules' must be a list of rules, found \(value.kindName)")
                continue
            }
            for item in items {
                if let rule = loadRule(item) { rules.append(rule) }
            }
        }
        return rules
    }

    /// Dotted lower-case words: at least two parts split at '.', each non-empty, of `a-z`, `0-9` and '-', and
    /// neither starting nor ending with '-'. (Every allowed character is ASCII: a byte loop over UTF-8 decides.)
    static func isValidID(_ id: String) -> Bool {
        var parts = 1
        var partLength = 0
        var previous: UInt8 = 0
        for byte in id.utf8 {
            if byte == UInt8(ascii: ".") {
                guard partLength > 0, previous != UInt8(ascii: "-") else { return false }
                parts += 1
                partLength = 0
            } else {
                guard (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                        || byte == UInt8(ascii: "-") else { return false }
                if partLength == 0, byte == UInt8(ascii: "-") { return false }
                partLength += 1
            }
            previous = byte
        }
        return parts >= 2 && partLength > 0 && previous != UInt8(ascii: "-")
    }

    // MARK: - Helpers

    mutating func scalar(_ node: YAMLNode, _ what: String) -> YAMLScalar? {
        guard case .scalar(let s) = node, !s.isNull else {
            error(node.location, "'\(what)' must be a single value, found \(node.kindName)")
            return nil
        }
        // Rule text reaches reports and terminals as it is written: a control character (an escape sequence
        // that hides text or sets the clipboard) has no place in it. Tab and newline are text.
        if Self.hasControlCharacter(s.value), let bad = s.value.unicodeScalars.first(where: { $0.isControlCharacter && $0 != "\t" && $0 != "\n" }) {
            error(s.location, "'\(what)' holds the control character U+\(String(bad.value, radix: 16, uppercase: true).leftPadded(4)): not allowed in rule text")
            return nil
        }
        return s
    }

    mutating func requiredScalar(_ field: (key: YAMLScalar, value: YAMLNode)?, _ name: String, in location: SourceLocation) -> YAMLScalar? {
        guard let field else {
            error(location, "rule has no '\(name)'")
            return nil
        }
        return scalar(field.value, name)
    }

    mutating func optionalScalar(_ field: (key: YAMLScalar, value: YAMLNode)?, _ name: String) -> YAMLScalar? {
        guard let field else { return nil }
        return scalar(field.value, name)
    }

    /// Parses and checks the expression in `scalar`, reporting errors at their exact position in the file.
    package mutating func expression(_ scalar: YAMLScalar, _ checker: inout TypeChecker) -> (CheckedExpr, FactType)? {
        do {
            let expr = try parse(scalar.value)
            return try checker.check(expr)
        } catch {
            report(error, scalar)
            return nil
        }
    }

    mutating func report(_ error: ExpressionError, _ scalar: YAMLScalar) {
        // Reported where the binding it follows from failed: the cause first, and only once.
        if error.followsFrom == nil {
            diagnostics.append(Diagnostic(at: scalar.location(atOffset: error.range.start), error.message, notes: error.notes))
        }
        for other in error.others where other.followsFrom == nil {
            diagnostics.append(Diagnostic(at: scalar.location(atOffset: other.range.start), other.message, notes: other.notes))
        }
    }
}

extension RuleLoader {
    /// Whether `text` holds a C0 control but tab and newline, DEL, or a C1 control (UTF-8 `C2 80` to `C2 9F`):
    /// one pass over the bytes, as every scalar of every rule file is checked when it loads.
    static func hasControlCharacter(_ text: String) -> Bool {
        func scan(_ bytes: some Sequence<UInt8>) -> Bool {
            var previous: UInt8 = 0
            for byte in bytes {
                if (byte < 0x20 && byte != 0x09 && byte != 0x0A) || byte == 0x7F || (previous == 0xC2 && byte >= 0x80 && byte <= 0x9F) { return true }
                previous = byte
            }
            return false
        }
        return text.utf8.withContiguousStorageIfAvailable(scan) ?? scan(text.utf8)
    }
}

extension String {
    /// The string with `0` before it up to `width` characters (`1B` → `001B`).
    func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}

extension Unicode.Scalar {
    /// A C0 control (tab and newline included), DEL or a C1 control: what rule files, their names and runbook
    /// templates may not hold, each caller allowing tab or newline where they are text.
    package var isControlCharacter: Bool { value < 0x20 || (0x7F...0x9F).contains(value) }
}
