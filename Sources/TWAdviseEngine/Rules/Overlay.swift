/// Changes to rules by id, each with a written justification the report echoes:
///
/// ```yaml
/// overlays:
///   - rule: timewait.total-high
///     justification: "our proxies hold 80k TIME_WAIT by design (INC-2231)"
///     params: { total_threshold: 100000 }
///     severity: info
///   - rule: sysctl.fin-timeout-not-timewait
///     justification: "documented exception"
///     disable: true
/// ```
package struct OverlayEntry: Sendable {
    var ruleID: String
    var ruleLocation: SourceLocation
    var justification: String
    var parameters: [(name: YAMLScalar, value: YAMLNode)]
    var severity: (Severity, SourceLocation)?
    var disable: Bool
}

package enum OverlayLoader {
    static let keys = ["rule", "justification", "params", "severity", "disable"]

    package static func load(text: String, file: String, diagnostics: inout [Diagnostic]) -> [OverlayEntry] {
        guard let root = YAMLDocument.root(text, file: file, ifEmpty: "empty overlay file: expected 'overlays:'",
                                           diagnostics: &diagnostics) else { return [] }
        guard case .mapping(let pairs, _) = root, pairs.count == 1, pairs[0].key.value == "overlays",
              case .sequence(let items, _) = pairs[0].value else {
            diagnostics.append(Diagnostic(at: root.location, "an overlay file is a mapping with one key, 'overlays:', holding a list"))
            return []
        }
        var entries: [OverlayEntry] = []
        for item in items {
            guard case .mapping(let fields, let location) = item else {
                diagnostics.append(Diagnostic(at: item.location, "an overlay is a mapping with 'rule' and 'justification'"))
                continue
            }
            var ruleID: YAMLScalar?, justification: String?, severity: (Severity, SourceLocation)?, disable = false
            var parameters: [(name: YAMLScalar, value: YAMLNode)] = []
            var ok = true
            for (key, value) in fields {
                let scalar: YAMLScalar? = { if case .scalar(let s) = value, !s.isNull { return s } else { return nil } }()
                switch key.value {
                case "rule": ruleID = scalar
                case "justification": justification = scalar?.value
                case "params":
                    if case .mapping(let ps, _) = value { parameters = ps.map { (name: $0.key, value: $0.value) } } else {
                        diagnostics.append(Diagnostic(at: value.location, "'params' must map parameter names to values"))
                        ok = false
                    }
                case "severity":
                    if let s = scalar, let level = Severity(rawValue: s.value) { severity = (level, s.location) } else {
                        diagnostics.append(Diagnostic(at: value.location, "unknown severity '\(scalar?.value ?? "")'",
                                                      notes: Suggestions.note(for: scalar?.value ?? "", in: Severity.allCases.map(\.rawValue))))
                        ok = false
                    }
                case "disable":
                    if scalar?.value == "true" { disable = true } else if scalar?.value != "false" {
                        diagnostics.append(Diagnostic(at: value.location, "'disable' must be true or false"))
                        ok = false
                    }
                default:
                    diagnostics.append(Diagnostic(at: key.location, "unknown key '\(key.value)' in overlay", notes: Suggestions.note(for: key.value, in: keys)))
                    ok = false
                }
            }
            guard let ruleID else {
                diagnostics.append(Diagnostic(at: location, "overlay has no 'rule'"))
                continue
            }
            guard let justification, justification.contains(where: { !$0.isWhitespace }) else {
                diagnostics.append(Diagnostic(at: location, "overlay of '\(ruleID.value)' has no 'justification': say why, the report shows it"))
                continue
            }
            if ok {
                entries.append(OverlayEntry(ruleID: ruleID.value, ruleLocation: ruleID.location, justification: justification,
                                            parameters: parameters, severity: severity, disable: disable))
            }
        }
        return entries
    }
}
