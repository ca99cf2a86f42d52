/// Parses the text of one `/proc/sys` file (or the value side of `sysctl -a` / sysctl.conf) by the key's kind.
package enum SysctlValueParser {
    package static func parse(_ text: ArraySlice<UInt8>, kind: SysctlKey.Kind) -> Result<SysctlValue, Numbers.Failure> {
        let fields = splitFields(text)
        switch kind {
        case .integer:
            guard fields.count == 1 else {
                return .failure(fields.isEmpty ? .empty : .notANumber(Numbers.token(text)))
            }
            return Numbers.decimal(fields[0]).map(SysctlValue.integer)
        case .portRange:
            guard fields.count == 2 else {
                return .failure(fields.isEmpty ? .empty : .notANumber(Numbers.token(text)))
            }
            switch (port(fields[0]), port(fields[1])) {
            case (.success(let low), .success(let high)):
                guard low <= high else { return .failure(.notANumber(Numbers.token(text))) }
                return .success(.portRange(PortRange(low: low, high: high)))
            case (.failure(let e), _), (_, .failure(let e)):
                return .failure(e)
            }
        case .integers:
            guard !fields.isEmpty, fields.count <= 16 else {
                return .failure(fields.isEmpty ? .empty : .notANumber(Numbers.token(text)))
            }
            var values: [Int64] = []
            for field in fields {
                switch Numbers.decimal(field) {
                case .success(let v): values.append(v)
                case .failure(let e): return .failure(e)
                }
            }
            return .success(.integers(values))
        case .portSet:
            var ranges: [PortRange] = []
            let joined = Array(fields.joined())
            guard !joined.isEmpty else { return .success(.portSet(PortSet())) }
            for part in joined.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) {
                let bounds = part.split(separator: UInt8(ascii: "-"), omittingEmptySubsequences: false)
                guard bounds.count == 1 || bounds.count == 2 else { return .failure(.notANumber(Numbers.token(part))) }
                switch (port(bounds[0]), port(bounds[bounds.count - 1])) {
                case (.success(let low), .success(let high)):
                    guard low <= high else { return .failure(.notANumber(Numbers.token(part))) }
                    ranges.append(PortRange(low: low, high: high))
                case (.failure(let e), _), (_, .failure(let e)):
                    return .failure(e)
                }
            }
            return .success(.portSet(PortSet(ranges: ranges)))
        }
    }

    private static func port(_ bytes: ArraySlice<UInt8>) -> Result<Int, Numbers.Failure> {
        switch Numbers.decimal(bytes) {
        case .success(let v) where v >= 0 && v <= 65535: return .success(Int(v))
        case .success: return .failure(.notANumber(Numbers.token(bytes)))
        case .failure(let e): return .failure(e)
        }
    }
}
