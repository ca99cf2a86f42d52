/// Escaping of values that come from the host (hostnames, paths, addresses, process names) so that they
/// cannot break the Markdown structure or inject HTML.
public enum Escaping {
    /// Markdown-escapes `text` for prose and table cells: a backslash before the characters that change inline
    /// meaning (`` \ ` * _ [ ] | ~ ``; without `[` no link or image can start), control and bidirectional
    /// characters replaced, newlines folded to a space. `<`, `>` and `&` are left to ``html(_:)``.
    public static func markdown(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\", "`", "*", "_", "[", "]", "|", "~":
                out.append("\\")
                out.unicodeScalars.append(scalar)
            case "\n", "\r", "\t":
                out.append(" ")
            default:
                if isControl(scalar) {
                    out.append("\u{FFFD}")  // control and bidirectional-override characters
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// C0 and C1 controls, DEL, and the bidirectional overrides: what can move a terminal's cursor, change its
    /// colours or reorder what a reader sees.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || (0x202A...0x202E).contains(scalar.value)
            || (0x2066...0x2069).contains(scalar.value)
    }

    /// `text` for a terminal or a log: every control character but newline and tab replaced by U+FFFD, so a
    /// value from a capture (a file name, a subject) cannot send an escape sequence to the terminal.
    public static func terminal(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { isControl($0) && $0 != "\n" && $0 != "\t" }) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            out.append(isControl(scalar) && scalar != "\n" && scalar != "\t" ? "\u{FFFD}" : scalar)
        }
        return String(out)
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

    /// HTML escaping of `&`, `<` and `>`: enough in Markdown text, where no value stands inside an attribute.
    public static func html(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            default: out.append(c)
            }
        }
        return out
    }
}
