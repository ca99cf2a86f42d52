import TWAdviseEngine
/// Escaping of values that come from the host (hostnames, paths, addresses, process names, cgroup and pod
/// names) so that they cannot break the output they are written into: one policy per output, each applied
/// **by Unicode scalar**, never by `Character` (a grapheme cluster can hide a `<`, a `"` or a line break
/// behind a prepended or combining scalar: U+0600 before `<`, U+0301 after `>`, `"\r\n"` as one Character).
///
/// | output | policy |
/// |---|---|
/// | Markdown and HTML (``markdown(_:)``, ``html(_:)``) | Markdown specials backslash-escaped, `& < >` as entities, invisible scalars as visible escapes, no line break |
/// | terminal and logs (``terminal(_:)``, ``terminalValue(_:)``) | invisible scalars as visible escapes; a value never breaks a line |
/// | Prometheus label values (``prometheusLabel(_:)``) | `\\`, `"` and `\n` escaped as the format says; other invisible scalars as visible escapes |
/// | JSON | raw: the encoder escapes what JSON needs, and a machine gets the value as read |
///
/// The invisible scalars are those that can move a cursor, reorder or hide text, or end a line: control
/// characters (C0, DEL, C1), format characters (bidirectional controls, zero-width space and joiners, the byte
/// order mark, prepended number signs such as U+0600), and the line and paragraph separators. Their visible
/// escape is `⟨U+XXXX⟩`, which no Markdown, HTML or terminal reads as markup.
public enum Escaping {
    /// Whether `scalar` is invisible or structural in text a person reads: a control, format, line or
    /// paragraph separator scalar: the controls rule text may not hold (one predicate for both), and the
    /// other scalars that draw nothing.
    public static func isInvisible(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isControlCharacter { return true }
        guard scalar.value >= 0xAD else { return false }
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator: return true
        default: return false
        }
    }

    /// The visible form of an invisible scalar: `⟨U+200B⟩`.
    public static func visible(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "⟨U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex + "⟩"
    }

    /// Markdown-escapes `text` for prose and table cells: a backslash before the characters that change inline
    /// meaning (`` \ ` * _ [ ] | ~ ``; without `[` no link or image can start), and before what would start a
    /// block where the value begins a line (``blockStartIndex(_:)``: a heading, a setext underline, a list
    /// item); newline, carriage return and tab folded to a space,
    /// every other invisible scalar made visible, and the private-use scalars U+F8F0 and U+F8F1 too (a
    /// runbook marks a value it could not read with them). `<`, `>` and `&` are left to ``html(_:)``.
    public static func markdown(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        let blockStart = blockStartIndex(text)
        for (index, scalar) in text.unicodeScalars.enumerated() {
            switch scalar {
            case "\\", "`", "*", "_", "[", "]", "|", "~":
                out.append("\\")
                out.append(scalar)
            case _ where index == blockStart:
                out.append("\\")
                out.append(scalar)
            case "\n", "\r", "\t":
                out.append(" ")
            case "\u{F8F0}", "\u{F8F1}":
                out.append(contentsOf: visible(scalar).unicodeScalars)
            default:
                appendVisible(scalar, to: &out)
            }
        }
        return String(out)
    }

    /// Where `text`, at the start of a line, would open a Markdown block: a leading `#`; a leading `-`, `+` or
    /// `=` before a space or the end; a line of `=` or `-` alone (a setext underline or a rule); the `.` or
    /// `)` after leading digits before a space or the end (an ordered list); each after up to three spaces.
    /// `1.5`, `-3` and `a-b` open none.
    static func blockStartIndex(_ text: String) -> Int? {
        // Up to three spaces may stand before a block's marker (CommonMark).
        let indent = min(3, text.unicodeScalars.prefix { $0 == " " }.count)
        let scalars = Array(text.unicodeScalars.dropFirst(indent).prefix(12))
        guard let first = scalars.first else { return nil }
        func endsMarker(_ i: Int) -> Bool { i >= scalars.count || scalars[i] == " " || scalars[i] == "\t" }
        switch first {
        case "#":
            return indent
        case "-", "+", "=":
            if endsMarker(1) { return indent }
            if first != "+", text.unicodeScalars.dropFirst(indent).allSatisfy({ $0 == first }) { return indent }
            return nil
        case "0"..."9":
            let digits = scalars.prefix { ("0"..."9").contains($0) }.count
            guard digits < scalars.count, scalars[digits] == "." || scalars[digits] == ")", endsMarker(digits + 1) else { return nil }
            return indent + digits
        default:
            return nil
        }
    }

    /// Appends `scalar`, or its visible form when it is invisible.
    private static func appendVisible(_ scalar: Unicode.Scalar, to out: inout String.UnicodeScalarView) {
        if isInvisible(scalar) {
            out.append(contentsOf: visible(scalar).unicodeScalars)
        } else {
            out.append(scalar)
        }
    }

    /// Text made by TWAdvise for a terminal or a log, with its own line breaks: every invisible scalar but
    /// newline and tab made visible, so nothing in it can send an escape sequence to the terminal. Values from
    /// the host inside it must have gone through ``terminalValue(_:)`` first, so they cannot add lines.
    public static func terminal(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { isInvisible($0) && $0 != "\n" && $0 != "\t" }) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar == "\n" || scalar == "\t" { out.append(scalar) } else { appendVisible(scalar, to: &out) }
        }
        return String(out)
    }

    /// A value from the host for a terminal or a log line: every invisible scalar, newline and tab included,
    /// made visible, so a process named `x\n09:41:00 OK` cannot add a line to the `watch` view.
    public static func terminalValue(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isInvisible) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars { appendVisible(scalar, to: &out) }
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

    /// `text` as one shell word: as it is when ``shellSafe(_:)``, else in single quotes (a `'` inside written
    /// `'\''`); `nil` when it holds a control, format or separator character, which no code block may show.
    public static func shellQuoted(_ text: String) -> String? {
        if let safe = shellSafe(text) { return safe }
        guard !text.unicodeScalars.contains(where: isInvisible) else { return nil }
        var out = "'"
        for scalar in text.unicodeScalars {
            if scalar == "'" { out += "'\\''" } else { out.unicodeScalars.append(scalar) }
        }
        return out + "'"
    }

    /// HTML escaping of `&`, `<` and `>`, scalar by scalar: enough in Markdown text, where no value stands
    /// inside an attribute.
    public static func html(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0 == "&" || $0 == "<" || $0 == ">" }) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out.append(contentsOf: "&amp;".unicodeScalars)
            case "<": out.append(contentsOf: "&lt;".unicodeScalars)
            case ">": out.append(contentsOf: "&gt;".unicodeScalars)
            default: out.append(scalar)
            }
        }
        return String(out)
    }

    /// A Prometheus label value, scalar by scalar: backslash, double quote and newline escaped as the text
    /// exposition format defines; every other invisible scalar (carriage return, ESC, BEL, zero-width and
    /// bidirectional characters) made visible, so no value can end a line, forge a label or a sample, or hide.
    public static func prometheusLabel(_ value: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": out.append(contentsOf: "\\\\".unicodeScalars)
            case "\"": out.append(contentsOf: "\\\"".unicodeScalars)
            case "\n": out.append(contentsOf: "\\n".unicodeScalars)
            default: appendVisible(scalar, to: &out)
            }
        }
        return String(out)
    }
}
