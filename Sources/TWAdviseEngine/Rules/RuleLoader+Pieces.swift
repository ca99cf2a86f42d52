/// The parts of a rule with a shape of their own: parameters, the iteration, evidence, references.
extension RuleLoader {
    // MARK: - Pieces

    mutating func loadParameter(_ name: YAMLScalar, _ spec: YAMLNode, _ checker: inout TypeChecker) -> RuleParameter? {
        guard case .mapping(let pairs, _) = spec else {
            error(spec.location, "parameter '\(name.value)' must be a mapping with 'value' and 'doc', found \(spec.kindName)")
            return nil
        }
        var valueScalar: YAMLScalar?
        var sameAs: YAMLScalar?
        var doc: String?
        for (key, value) in pairs {
            switch key.value {
            case "value": valueScalar = scalar(value, "value of parameter '\(name.value)'")
            case "same_as": sameAs = scalar(value, "same_as of parameter '\(name.value)'")
            case "doc": doc = scalar(value, "doc of parameter '\(name.value)'")?.value
            default: error(key.location, "unknown key '\(key.value)' in parameter", notes: Suggestions.note(for: key.value, in: Self.paramKeys))
            }
        }
        if doc == nil || doc!.isEmpty { error(name.location, "parameter '\(name.value)' has no 'doc': say what the threshold means") }
        if let sameAs {
            // One threshold, one meaning: this parameter follows another rule's, overlays included.
            if valueScalar != nil { error(sameAs.location, "parameter '\(name.value)' has both 'value' and 'same_as': give one") }
            guard let target = loadedParameters[sameAs.value] else {
                error(sameAs.location, "'same_as' names no parameter of a rule loaded before this one: '\(sameAs.value)'",
                      notes: Suggestions.note(for: sameAs.value, in: loadedParameters.keys))
                return nil
            }
            guard target.link == nil else {
                error(sameAs.location, "'\(sameAs.value)' itself follows '\(target.link ?? "")': name that one")
                return nil
            }
            switch checker.declare(name.value, type: target.type, kind: "parameter") {
            case .success(let slot):
                return RuleParameter(name: name.value, value: target.value, type: target.type, doc: doc ?? "", slot: slot, link: sameAs.value, defaultValue: target.value)
            case .failure(let e):
                error(name.location, e.message)
                return nil
            }
        }
        guard let valueScalar else {
            error(name.location, "parameter '\(name.value)' has no 'value' (or 'same_as')")
            return nil
        }
        guard let (checked, type) = expression(valueScalar, &checker) else { return nil }
        var value: FactValue
        switch checked {
        case .constant(let v): value = v
        case .negate(.constant(let v)):
            var evaluator = Evaluator(facts: .unknown, slotCount: 0)
            value = evaluator.evaluate(.negate(.constant(v)))
        default:
            error(valueScalar.location(atOffset: 0), "parameter '\(name.value)' must be a literal (number, duration, string, bool)")
            return nil
        }
        if case .list = type { value = .unknown }
        switch checker.declare(name.value, type: type, kind: "parameter") {
        case .success(let slot): return RuleParameter(name: name.value, value: value, type: type, doc: doc ?? "", slot: slot, defaultValue: value)
        case .failure(let e):
            error(name.location, e.message)
            return nil
        }
    }

    mutating func loadIteration(_ scalar: YAMLScalar, _ checker: inout TypeChecker) -> (slot: Int, collection: CheckedExpr)? {
        let text = scalar.value
        let scalars = Array(text.unicodeScalars)
        // `NAME in EXPRESSION`: a collection the build parsed needs no lexing of the whole line (the build lexed
        // it); any other is lexed whole, so that an error anywhere in it is reported where it is.
        let variable: String, offset: Int
        if let split = Self.iterationSplit(scalars), parsedExpressions[String(String.UnicodeScalarView(scalars[split.offset...]))] != nil {
            (variable, offset) = split
        } else {
            let tokens: [Token]
            do {
                tokens = try Lexer.tokenize(text)
            } catch {
                report(error, scalar)
                return nil
            }
            guard tokens.count >= 3, case .identifier(let name) = tokens[0].kind, case .keyword("in") = tokens[1].kind else {
                error(scalar.location(atOffset: 0), "'for_each' must read 'NAME in COLLECTION', as in 'd in sockets.destinations'")
                return nil
            }
            (variable, offset) = (name, tokens[2].range.start)
        }
        let collectionText = String(String.UnicodeScalarView(scalars[offset...]))
        do {
            let expr = try parse(collectionText)
            let (checked, type) = try checker.check(expr)
            guard case .list(let element) = type else {
                error(scalar.location(atOffset: offset), "'for_each' needs a list, found \(type)")
                return nil
            }
            let path = (expr.dottedPath ?? variable) + "[]"
            switch checker.declare(variable, type: element, kind: "iteration variable", path: path) {
            case .success(let slot): return (slot, checked)
            case .failure(let e):
                error(scalar.location(atOffset: 0), e.message)
                return nil
            }
        } catch {
            var shifted = error
            shifted.range = TextRange(error.range.start + offset, error.range.end + offset)
            report(shifted, scalar)
            return nil
        }
    }

    /// `NAME in REST` as the lexer reads it (an identifier that is no keyword, then the keyword `in`): the name
    /// and where REST starts; `nil` for anything else.
    static func iterationSplit(_ s: [Unicode.Scalar]) -> (variable: String, offset: Int)? {
        var i = 0
        while i < s.count, Lexer.isSpace(s[i]) { i += 1 }
        let start = i
        guard i < s.count, Lexer.isIdentStart(s[i]) else { return nil }
        while i < s.count, Lexer.isIdentifier(s[i]) { i += 1 }
        let name = String(String.UnicodeScalarView(s[start..<i]))
        guard !Lexer.keywords.contains(name) else { return nil }
        while i < s.count, Lexer.isSpace(s[i]) { i += 1 }
        guard i + 2 < s.count, s[i] == "i", s[i + 1] == "n", Lexer.isSpace(s[i + 2]) else { return nil }
        i += 2
        while i < s.count, Lexer.isSpace(s[i]) { i += 1 }
        return i < s.count ? (name, i) : nil
    }

    mutating func loadEvidence(_ node: YAMLNode, _ checker: inout TypeChecker) -> [EvidenceSpec] {
        guard case .sequence(let items, _) = node else {
            error(node.location, "'evidence' must be a list of {label, value, source}, found \(node.kindName)")
            return []
        }
        var result: [EvidenceSpec] = []
        for item in items {
            guard case .mapping(let pairs, let location) = item else {
                error(item.location, "evidence must be a mapping with 'label' and 'value', found \(item.kindName)")
                continue
            }
            var label: String?, value: CheckedExpr?, source: String?, format = EvidenceFormat.plain
            for (key, v) in pairs {
                switch key.value {
                case "label": label = scalar(v, "label")?.value
                case "value": if let s = scalar(v, "value"), let (c, _) = expression(s, &checker) { value = c }
                case "source": source = scalar(v, "source")?.value
                case "format":
                    if let s = scalar(v, "format") {
                        if let f = EvidenceFormat(rawValue: s.value) { format = f } else {
                            error(s.location, "unknown evidence format '\(s.value)'", notes: ["format is 'plain' or 'percent'"])
                        }
                    }
                default:
                    error(key.location, "unknown key '\(key.value)' in evidence", notes: Suggestions.note(for: key.value, in: Self.evidenceKeys))
                }
            }
            guard let label, let value else {
                if label == nil { error(location, "evidence has no 'label'") }
                continue
            }
            result.append(EvidenceSpec(label: label, value: value, source: source, format: format))
        }
        return result
    }

    mutating func loadReferences(_ node: YAMLNode) -> [Reference] {
        guard case .sequence(let items, _) = node else {
            error(node.location, "'references' must be a list, found \(node.kindName)")
            return []
        }
        var result: [Reference] = []
        for item in items {
            switch item {
            case .scalar(let s):
                result.append(Reference(title: s.value, url: s.value.hasPrefix("http") ? s.value : nil))
            case .mapping(let pairs, let location):
                var title: String?, url: String?
                for (key, v) in pairs {
                    switch key.value {
                    case "title": title = scalar(v, "title")?.value
                    case "url": url = scalar(v, "url")?.value
                    default: error(key.location, "unknown key '\(key.value)' in reference", notes: Suggestions.note(for: key.value, in: ["title", "url"]))
                    }
                }
                if let title { result.append(Reference(title: title, url: url)) } else { error(location, "reference has no 'title'") }
            case .sequence:
                error(item.location, "a reference is a string or {title, url}, found a list")
            }
        }
        return result
    }
}
