/// Escaping of values that come from the host (hostnames, paths, addresses, process names) so that they
/// cannot break the Markdown structure or inject HTML.
public enum Escaping {
    /// Markdown-escapes `text` for prose and table cells: backslash before the characters that change inline
    /// meaning (`\ ` * _ [ ] |` and a few more), control characters and newlines folded to a space.
    /// `<`, `>`, `&` and quotes are left for the HTML escaping the template engine applies after this.
    public static func markdown(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\", "`", "*", "_", "[", "]", "|", "{", "}", "#", "!", "~", "(", ")":
                out.append("\\")
                out.unicodeScalars.append(scalar)
            case "\n", "\r", "\t":
                out.append(" ")
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F || (0x202A...0x202E).contains(scalar.value)
                    || (0x2066...0x2069).contains(scalar.value) {
                    out.append("\u{FFFD}")  // control and bidirectional-override characters
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// `text` if it only has characters safe inside a shell command and a code block
    /// (letters, digits, `. : _ / , = -` and `[` `]` around IPv6); otherwise `nil`.
    public static func shellSafe(_ text: String) -> String? {
        guard !text.isEmpty, text.unicodeScalars.allSatisfy({ s in
            (s >= "a" && s <= "z") || (s >= "A" && s <= "Z") || (s >= "0" && s <= "9")
                || ".:_/,=-[]".unicodeScalars.contains(s)
        }) else { return nil }
        return text
    }

    /// HTML escaping, as the template engine applies to `{{value}}`.
    public static func html(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}
