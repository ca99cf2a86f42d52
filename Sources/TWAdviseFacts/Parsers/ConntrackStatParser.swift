/// Parses `/proc/net/stat/nf_conntrack`: a header of column names and one row of hex numbers per CPU.
///
/// Returns per-column sums over CPUs (what node_exporter reports), except `entries`, which every row
/// repeats as the global count and is taken from the first row.
package enum ConntrackStatParser {
    package static func parse(_ bytes: [UInt8], path: String, warnings: inout [FactWarning]) -> [String: Int64]? {
        let lines = splitLines(bytes).filter { !splitFields($0.text).isEmpty }
        guard let header = lines.first else {
            warnings.append(FactWarning(path: path, message: "empty file"))
            return nil
        }
        let names = splitFields(header.text).map { Numbers.token($0) }
        var totals: [String: Int64] = [:]
        var rows = 0
        for (number, line) in lines.dropFirst() {
            let values = splitFields(line)
            guard values.count == names.count else {
                warnings.append(FactWarning(path: path, line: number, message: "expected \(names.count) columns, found \(values.count)"))
                return nil
            }
            for (name, value) in zip(names, values) {
                switch Numbers.hex(value) {
                case .success(let v):
                    let signed = Int64(truncatingIfNeeded: v)
                    if name == "entries" {
                        if rows == 0 { totals[name] = signed }
                    } else {
                        totals[name, default: 0] &+= signed
                    }
                case .failure(let e):
                    warnings.append(FactWarning(path: path, line: number, message: "\(name): \(e)"))
                    return nil
                }
            }
            rows += 1
        }
        guard rows > 0 else {
            warnings.append(FactWarning(path: path, message: "header without any CPU row"))
            return nil
        }
        return totals
    }
}
