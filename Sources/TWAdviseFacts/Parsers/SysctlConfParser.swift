/// Parses `sysctl.conf` syntax: `key = value`, comments starting with `#` or `;`, a leading `-` to ignore errors.
package enum SysctlConfParser {
    package static func parse(_ bytes: [UInt8], file: String, warnings: inout [FactWarning]) -> [PersistentSysctlEntry] {
        var entries: [PersistentSysctlEntry] = []
        for (number, raw) in splitLines(bytes) {
            guard raw.isValidUTF8 else {
                warnings.append(FactWarning(path: file, line: number, message: "line is not valid UTF-8, ignored"))
                continue
            }
            let text = String(decoding: raw, as: UTF8.self).trimmingASCIIWhitespace()
            if text.isEmpty || text.hasPrefix("#") || text.hasPrefix(";") { continue }
            guard let equals = text.firstIndex(of: "=") else {
                // systemd-sysctl: `-KEY` alone excludes KEY from an earlier glob assignment (sysctl.d(5));
                // it sets nothing.
                if text.hasPrefix("-"), !text.dropFirst().contains(where: { $0 == " " || $0 == "\t" }), text.count > 1 { continue }
                warnings.append(FactWarning(path: file, line: number, message: "expected 'key = value', found '\(Numbers.token(Array(text.utf8)))'"))
                continue
            }
            var key = String(text[..<equals]).trimmingASCIIWhitespace()
            let value = String(text[text.index(after: equals)...]).trimmingASCIIWhitespace()
            var ignoreErrors = false
            if key.hasPrefix("-") {
                ignoreErrors = true
                key = String(key.dropFirst()).trimmingASCIIWhitespace()
            }
            guard !key.isEmpty else {
                warnings.append(FactWarning(path: file, line: number, message: "assignment without a key"))
                continue
            }
            entries.append(PersistentSysctlEntry(
                key: key.replacingSlashes(), value: value, file: file, line: number, ignoreErrors: ignoreErrors))
        }
        return entries
    }
}
