/// Converts YAML test facts into typed fact values, checked against the schema.
package enum FactLiteral {
    package static func value(_ node: YAMLNode, type: FactType, path: String, diagnostics: inout [Diagnostic]) -> FactValue? {
        switch type {
        case .record(let record):
            guard case .mapping(let pairs, _) = node else {
                diagnostics.append(Diagnostic(at: node.location, "'\(path)' must be a mapping of \(record.name) fields, found \(node.kindName)"))
                return nil
            }
            var fields: [String: FactValue] = [:]
            for (key, valueNode) in pairs {
                guard let spec = record.fields[key.value] else {
                    // Past the diagnostics a file shows, a suggestion would only be cut: none is computed.
                    let notes = diagnostics.count < Diagnostic.maxPerFile ? Suggestions.note(for: key.value, in: record.fields.keys) : []
                    diagnostics.append(Diagnostic(at: key.location, "no fact '\(path.isEmpty ? key.value : path + "." + key.value)'", notes: notes))
                    continue
                }
                if case .scalar(let s) = valueNode, s.isNull { continue }  // explicit null: unknown
                if let v = value(valueNode, type: spec.type, path: path.isEmpty ? key.value : path + "." + key.value, diagnostics: &diagnostics) {
                    fields[key.value] = v
                }
            }
            return .record(fields)
        case .list(let element):
            guard case .sequence(let items, _) = node else {
                diagnostics.append(Diagnostic(at: node.location, "'\(path)' must be a list, found \(node.kindName)"))
                return nil
            }
            var values: [FactValue] = []
            for item in items {
                if let v = value(item, type: element, path: path + "[]", diagnostics: &diagnostics) { values.append(v) }
            }
            return .list(values)
        default:
            guard case .scalar(let scalar) = node else {
                diagnostics.append(Diagnostic(at: node.location, "'\(path)' must be \(type), found \(node.kindName)"))
                return nil
            }
            if let v = scalarValue(scalar, type: type) { return v }
            diagnostics.append(Diagnostic(at: scalar.location, "'\(path)' must be \(type), found '\(scalar.value)'"))
            return nil
        }
    }

    /// A scalar read as a value of `type`: numbers, `60s` durations, `true`/`false`, text, dotted versions.
    package static func scalarValue(_ scalar: YAMLScalar, type: FactType) -> FactValue? {
        let text = scalar.value
        let quoted = scalar.style == .singleQuoted || scalar.style == .doubleQuoted
        switch type {
        case .string:
            return .string(text)
        case .version:
            return Version(parsing: text).map(FactValue.version)
        case .bool:
            if quoted { return nil }
            return text == "true" ? .bool(true) : text == "false" ? .bool(false) : nil
        case .int, .float, .duration:
            if quoted { return nil }
            guard let tokens = try? Lexer.tokenize(text), tokens.count <= 3 else { return nil }
            var sign = 1.0
            var index = 0
            if case .symbol("-") = tokens[0].kind { sign = -1; index = 1 }
            guard index + 2 == tokens.count else { return nil }
            switch (tokens[index].kind, type) {
            case (.int(let v), .int): return .int(sign < 0 ? -v : v)
            case (.int(let v), .float): return .float(sign * Double(v))
            case (.float(let v), .float): return .float(sign * v)
            case (.duration(let v), .duration): return .duration(sign * v)
            case (.int(let v), .duration): return .duration(sign * Double(v))
            default: return nil
            }
        case .list, .record:
            return nil
        }
    }
}

extension FactSchema {
    /// Facts from a JSON (or YAML) document, checked against this schema: every key must name a fact of
    /// its record (a misspelled key is an error, with the closest name), every value must have its fact's
    /// type (a number of seconds for a duration, a dotted string for a version); a fact left out or `null`
    /// is unknown, so that the rules that need it report insufficient data. The document is bounded as rule
    /// files are (``YAMLLimits``).
    ///
    /// - Parameter file: names the document in diagnostics (`facts.json:3:5: error: no fact 'queue_dpeth'`).
    /// - Throws: ``DiagnosticsError`` with every problem (at most ``Diagnostic/maxPerFile``).
    public func facts(json text: String, file: String = "facts.json") throws(DiagnosticsError) -> FactValue {
        var diagnostics: [Diagnostic] = []
        guard let root = YAMLDocument.root(text, file: file, ifEmpty: "no facts: the document is empty", diagnostics: &diagnostics) else {
            throw DiagnosticsError(diagnostics)
        }
        let value = FactLiteral.value(root, type: .record(self.root), path: "", diagnostics: &diagnostics)
        Diagnostic.cap(&diagnostics, from: 0, file: file)
        guard diagnostics.isEmpty, let value else { throw DiagnosticsError(diagnostics) }
        return value
    }
}
