/// Parses `sysctl -a` output (`key = value` lines) into runtime sysctls, plus hostname and kernel release.
package enum SysctlOutputParser {
    package struct Result: Sendable {
        var sysctls: Sysctls
        var hostname: String?
        var osrelease: String?
    }

    package static func parse(_ bytes: [UInt8], path: String, warnings: inout [FactWarning]) -> Result {
        var values: [String: SysctlValue] = [:]
        var seen: Set<String> = []
        var hostname: String?, osrelease: String?
        var keys = 0
        for (number, raw) in splitLines(bytes) {
            guard raw.isValidUTF8 else {
                warnings.append(FactWarning(path: path, line: number, message: "line is not valid UTF-8, ignored"))
                continue
            }
            let text = String(decoding: raw, as: UTF8.self).trimmingASCIIWhitespace()
            if text.isEmpty { continue }
            if text.hasPrefix("sysctl: ") {  // "sysctl: permission denied on key 'x'", "sysctl: reading key ..."
                if let key = text.split(separator: "'").dropFirst().first.map(String.init) { seen.insert(key.replacingSlashes()) }
                warnings.append(FactWarning(path: path, line: number, message: text))
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
            guard let spec = SysctlKey.named(key) else { continue }
            switch SysctlValueParser.parse(Array(value.utf8)[...], kind: spec.kind) {
            case .success(let v): values[key] = v
            case .failure(let e): warnings.append(FactWarning(path: path, line: number, message: "\(key): \(e)"))
            }
        }
        // A full `sysctl -a` lists every key the kernel has: a known key it does not list is absent.
        let absent = keys > 100 ? SysctlKey.all.map(\.name).filter { !seen.contains($0) } : []
        if keys == 0 { warnings.append(FactWarning(path: path, message: "no 'key = value' lines: not sysctl -a output")) }
        return Result(sysctls: Sysctls(values: values, absent: absent), hostname: hostname, osrelease: osrelease)
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
