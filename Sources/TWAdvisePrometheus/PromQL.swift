public import Foundation

/// Small pieces of PromQL text, escaped properly.
public enum PromQL {
    /// `value` as a PromQL double-quoted string literal: `\` and `"` escaped, newlines and other control
    /// characters as `\n`, `\t`, `\u00XX` (the Go string escapes PromQL's lexer understands).
    public static func quoted(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                    + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// The label matcher `name="value"`, the value escaped.
    public static func equals(_ name: String, _ value: String) -> String { "\(name)=\(quoted(value))" }

    /// The label matcher `name=~"^(?:a|b)$"` matching exactly the given values (RE2 metacharacters escaped).
    public static func oneOf(_ name: String, _ values: [String]) -> String {
        "\(name)=~\(quoted(values.map(regexEscaped).joined(separator: "|")))"
    }

    /// `value` with RE2's metacharacters escaped, so it matches itself only.
    public static func regexEscaped(_ value: String) -> String {
        var out = ""
        for c in value {
            if "\\.+*?()|[]{}^$".contains(c) { out.append("\\") }
            out.append(c)
        }
        return out
    }

    /// A duration in whole seconds, as PromQL writes it (`90s`): rounded up, at least `1s`.
    public static func duration(_ seconds: TimeInterval) -> String {
        "\(max(1, Int(seconds.rounded(.up))))s"
    }
}
