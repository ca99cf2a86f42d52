/// Parses `/proc/net/sockstat` and `/proc/net/sockstat6`: lines of `PROTO: key value key value ...`.
///
/// A line that does not have that shape (a key without a value, a value that is not a number)
/// contributes nothing and yields a warning with its line number: its values stay unknown.
package enum SockstatParser {
    package static func parse(_ bytes: [UInt8], path: String, warnings: inout [FactWarning]) -> KeyedCounters {
        var result = KeyedCounters()
        for (number, line) in splitLines(bytes) {
            let fields = splitFields(line)
            if fields.isEmpty { continue }
            guard let head = fields.first, head.last == UInt8(ascii: ":"), head.count > 1 else {
                warnings.append(FactWarning(path: path, line: number, message: "expected 'PROTOCOL: key value ...', found '\(Numbers.token(line))'"))
                continue
            }
            let pairs = fields.dropFirst()
            guard !pairs.isEmpty, pairs.count % 2 == 0 else {
                warnings.append(FactWarning(path: path, line: number, message: "expected key and value pairs after '\(Numbers.token(head))'"))
                continue
            }
            var values: [String: Int64] = [:]
            var failed = false
            var index = pairs.startIndex
            while index < pairs.endIndex {
                let key = pairs[index]
                switch Numbers.decimal(pairs[index + 1]) {
                case .success(let v):
                    values[Numbers.token(key)] = v
                case .failure(let e):
                    warnings.append(FactWarning(path: path, line: number, message: "\(Numbers.token(key)): \(e)"))
                    failed = true
                }
                index += 2
            }
            if failed { continue }
            let section = Numbers.token(head.dropLast())
            result.sections[section, default: [:]].merge(values) { _, new in new }
        }
        return result
    }
}
