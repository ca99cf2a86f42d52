/// Parses `sysctl -a` output (`key = value` lines) into runtime sysctls, plus hostname and kernel release.
package enum SysctlOutputParser {
    package struct Result: Sendable {
        var sysctls: Sysctls
        var hostname: String?
        var osrelease: String?
        /// `fs.file-nr`: allocated, unused, maximum.
        var fileHandles: FileHandleFacts?
        /// `net.netfilter.nf_conntrack_count`.
        var conntrackCount: Int64?
    }

    package static func parse(_ bytes: [UInt8], path: String, warnings: inout [FactWarning]) -> Result {
        var values: [String: SysctlValue] = [:]
        var seen: Set<String> = []
        var hostname: String?, osrelease: String?
        var fileHandles: FileHandleFacts?
        var conntrackCount: Int64?
        var keys = 0
        var denied: (count: Int, firstLine: Int)?
        for (number, raw) in splitLines(bytes) {
            guard raw.isValidUTF8 else {
                warnings.append(FactWarning(path: path, line: number, message: "line is not valid UTF-8, ignored"))
                continue
            }
            let text = String(decoding: raw, as: UTF8.self).trimmingASCIIWhitespace()
            if text.isEmpty { continue }
            if text.hasPrefix("sysctl: ") {  // "sysctl: permission denied on key 'x'", "sysctl: reading key ..."
                if let key = text.split(separator: "'").dropFirst().first.map(String.init) { seen.insert(key.replacingSlashes()) }
                // sysctl's own complaints inside a container's capture: one warning for all, not one per key.
                if text.hasPrefix("sysctl: permission denied on key") {
                    denied = (count: (denied?.count ?? 0) + 1, firstLine: denied?.firstLine ?? number)
                } else {
                    warnings.append(FactWarning(path: path, line: number, message: text))
                }
                continue
            }
            guard let equals = text.firstIndex(of: "=") else {
                warnings.append(FactWarning(path: path, line: number, message: "expected 'key = value', found '\(Numbers.token(Array(text.utf8)))'"))
                continue
            }
            let key = String(text[..<equals]).trimmingASCIIWhitespace().replacingSlashes()
            let value = String(text[text.index(after: equals)...]).trimmingASCIIWhitespace()
            keys += 1
            seen.insert(key)
            if key == "kernel.hostname" { hostname = value }
            if key == "kernel.osrelease" { osrelease = value }
            if key == "fs.file-nr" {
                let numbers = value.split(whereSeparator: { $0 == " " || $0 == "\t" }).compactMap { Int64($0) }
                if numbers.count == 3, numbers.allSatisfy({ $0 >= 0 }) {
                    fileHandles = FileHandleFacts(allocated: numbers[0], unused: numbers[1], maximum: numbers[2])
                } else {
                    warnings.append(FactWarning(path: path, line: number, message: "fs.file-nr: expected 3 numbers"))
                }
            }
            if key == "net.netfilter.nf_conntrack_count" {
                if let count = Int64(value), count >= 0 { conntrackCount = count } else {
                    warnings.append(FactWarning(path: path, line: number, message: "net.netfilter.nf_conntrack_count: not a count"))
                }
            }
            guard let spec = SysctlKey.named(key) else { continue }
            switch SysctlValueParser.parse(Array(value.utf8)[...], kind: spec.kind) {
            case .success(let v): values[key] = v
            case .failure(let e): warnings.append(FactWarning(path: path, line: number, message: "\(key): \(e)"))
            }
        }
        // A full `sysctl -a` lists every key the kernel has: a known key it does not list is absent.
        let absent = keys > 100 ? SysctlKey.all.map(\.name).filter { !seen.contains($0) } : []
        if keys == 0 { warnings.append(FactWarning(path: path, message: "no 'key = value' lines: not sysctl -a output")) }
        if let denied {
            warnings.append(FactWarning(path: path, line: denied.firstLine, message:
                "sysctl could not read \(denied.count) key\(denied.count == 1 ? "" : "s") when this was captured (permission denied, as in a container); those are unknown"))
        }
        return Result(sysctls: Sysctls(values: values, absent: absent), hostname: hostname, osrelease: osrelease,
                      fileHandles: fileHandles, conntrackCount: conntrackCount)
    }
}

/// Parses `nstat -zas` / `nstat -az` output (`TcpExtTW  8387793  0.0`) into counters by section.
package enum NstatParser {
    /// Sections as nstat prefixes them, longest first so that `TcpExt` wins over `Tcp`.
    static let sections = ["MPTcpExt", "UdpLite6", "IcmpMsg", "TcpExt", "IpExt", "Icmp6", "UdpLite", "Udp6", "Ip6", "Icmp", "Tcp", "Udp", "Ip"]

    package static func parse(_ bytes: [UInt8], path: String, warnings: inout [FactWarning]) -> KeyedCounters {
        var counters = KeyedCounters()
        for (number, line) in splitLines(bytes) {
            let fields = splitFields(line)
            guard let first = fields.first, first.first != UInt8(ascii: "#") else { continue }
            let name = Numbers.token(first)
            guard fields.count >= 2, let section = sections.first(where: { name.hasPrefix($0) && name.count > $0.count }) else {
                warnings.append(FactWarning(path: path, line: number, message: "expected 'CounterName value [rate]', found '\(Numbers.token(line))'"))
                continue
            }
            switch Numbers.decimal(fields[1]) {
            case .success(let v): counters.sections[section, default: [:]][String(name.dropFirst(section.count))] = v
            case .failure(let e): warnings.append(FactWarning(path: path, line: number, message: "\(name): \(e)"))
            }
        }
        if counters.isEmpty { warnings.append(FactWarning(path: path, message: "no counters: not nstat output")) }
        return counters
    }
}
