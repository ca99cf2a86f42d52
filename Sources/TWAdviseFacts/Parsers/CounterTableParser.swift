/// Parses `/proc/net/netstat` and `/proc/net/snmp`: pairs of lines `Section: Name1 Name2 ...` followed by
/// `Section: value1 value2 ...`, matched by name.
///
/// A pair whose counts differ, or a value that is not a 64-bit integer, makes that section unknown
/// (with a warning): a shifted column would silently attach values to the wrong names.
package enum CounterTableParser {
    package static func parse(_ bytes: [UInt8], path: String, warnings: inout [FactWarning]) -> KeyedCounters {
        var result = KeyedCounters()
        let lines = splitLines(bytes).filter { !splitFields($0.text).isEmpty }
        var index = 0
        while index < lines.count {
            let (number, header) = lines[index]
            let names = splitFields(header)
            guard let head = names.first, head.last == UInt8(ascii: ":") else {
                warnings.append(FactWarning(path: path, line: number, message: "expected 'Section: names', found '\(Numbers.token(header))'"))
                index += 1
                continue
            }
            guard index + 1 < lines.count else {
                warnings.append(FactWarning(path: path, line: number, message: "'\(Numbers.token(head))' header has no value line"))
                break
            }
            let (valueNumber, valueLine) = lines[index + 1]
            let values = splitFields(valueLine)
            guard values.first == head else {
                warnings.append(FactWarning(path: path, line: valueNumber, message: "expected the values of '\(Numbers.token(head))', found '\(Numbers.token(valueLine))'"))
                index += 1
                continue
            }
            index += 2
            let section = Numbers.token(head.dropLast())
            guard names.count == values.count else {
                warnings.append(FactWarning(
                    path: path, line: valueNumber,
                    message: "\(section) has \(names.count - 1) names but \(values.count - 1) values; section ignored"))
                continue
            }
            var parsed: [String: Int64] = [:]
            var failed = false
            for (name, value) in zip(names.dropFirst(), values.dropFirst()) {
                switch Numbers.decimal(value) {
                case .success(let v): parsed[Numbers.token(name)] = v
                case .failure(let e):
                    warnings.append(FactWarning(path: path, line: valueNumber, message: "\(section).\(Numbers.token(name)): \(e); section ignored"))
                    failed = true
                }
                if failed { break }
            }
            if !failed { result.sections[section, default: [:]].merge(parsed) { _, new in new } }
        }
        return result
    }
}
