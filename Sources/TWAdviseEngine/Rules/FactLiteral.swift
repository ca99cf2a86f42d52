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
                    diagnostics.append(Diagnostic(at: key.location, "no fact '\(path.isEmpty ? key.value : path + "." + key.value)'",
                                                  notes: Suggestions.note(for: key.value, in: record.fields.keys)))
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
