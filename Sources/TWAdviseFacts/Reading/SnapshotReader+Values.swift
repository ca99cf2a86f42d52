/// The small files of a root: host name and kernel, /proc/sys values, file handles.
extension SnapshotReader {
    func readHost(_ warnings: inout [FactWarning]) -> HostInfo {
        var host = HostInfo()
        if let bytes = source.read("proc/sys/kernel/hostname", warnings: &warnings) {
            host.hostname = textValue(bytes, path: "proc/sys/kernel/hostname", &warnings)
        }
        if let bytes = source.read("proc/sys/kernel/osrelease", warnings: &warnings),
           let text = textValue(bytes, path: "proc/sys/kernel/osrelease", &warnings) {
            host.kernel = KernelVersion(parsing: text)
            if host.kernel == nil {
                warnings.append(FactWarning(path: "proc/sys/kernel/osrelease", line: 1, message: "'\(text)' is not a kernel version"))
            }
        }
        if let bytes = source.read("proc/uptime", warnings: &warnings) {
            let fields = splitFields(bytes[...])
            if let first = fields.first, let seconds = Double(String(decoding: first, as: UTF8.self)), seconds >= 0, seconds.isFinite {
                host.uptimeSeconds = seconds
            } else {
                warnings.append(FactWarning(path: "proc/uptime", line: 1, message: "expected seconds since boot"))
            }
        }
        return host
    }

    /// A file that must hold something: zero bytes (a truncated capture) is a warning and unknown.
    func readNonEmpty(_ path: String, _ warnings: inout [FactWarning]) -> [UInt8]? {
        guard let bytes = source.read(path, warnings: &warnings) else { return nil }
        guard bytes.contains(where: { !$0.isASCIIWhitespace }) else {
            warnings.append(FactWarning(path: path, message: "empty file"))
            return nil
        }
        return bytes
    }

    /// The value text of a /proc/sys file. The kernel always ends it with a newline (an empty set of
    /// reserved ports is `"\n"`), so zero bytes or a missing newline mean a truncated capture.
    static func procSysValue(_ bytes: [UInt8]) -> Result<ArraySlice<UInt8>, Numbers.Failure> {
        guard let last = bytes.last else { return .failure(.empty) }
        guard last == 0x0A else { return .failure(.truncated) }
        return .success(bytes.dropLast())
    }

    func readSysctls(_ warnings: inout [FactWarning]) -> Sysctls {
        var values: [String: SysctlValue] = [:]
        var absent: [String] = []
        for key in SysctlKey.all {
            do {
                let bytes = try source.bytes(key.procPath)
                switch Self.procSysValue(bytes).flatMap({ SysctlValueParser.parse($0, kind: key.kind) }) {
                case .success(let value): values[key.name] = value
                case .failure(let failure):
                    warnings.append(FactWarning(path: key.procPath, line: 1, message: failure.description))
                }
            } catch {
                if error == .missing {
                    absent.append(key.name)
                    if !Self.optionalKeys.contains(key.name) {
                        warnings.append(FactWarning(path: key.procPath, message: error.description))
                    }
                } else {
                    warnings.append(FactWarning(path: key.procPath, message: error.description))
                }
            }
        }
        return Sysctls(values: values, absent: absent)
    }

    func readInteger(_ path: String, _ warnings: inout [FactWarning], warnIfMissing: Bool = true) -> Int64? {
        guard let bytes = source.read(path, warnings: &warnings, warnIfMissing: warnIfMissing) else { return nil }
        switch Self.procSysValue(bytes).flatMap({ SysctlValueParser.parse($0, kind: .integer) }) {
        case .success(let value): return value.integer
        case .failure(let failure):
            warnings.append(FactWarning(path: path, line: 1, message: failure.description))
            return nil
        }
    }

    func readFileHandles(_ warnings: inout [FactWarning]) -> FileHandleFacts {
        let path = "proc/sys/fs/file-nr"
        guard let bytes = source.read(path, warnings: &warnings) else { return FileHandleFacts() }
        let value: ArraySlice<UInt8>
        switch Self.procSysValue(bytes) {
        case .success(let v): value = v
        case .failure(let e):
            warnings.append(FactWarning(path: path, line: 1, message: e.description))
            return FileHandleFacts()
        }
        let fields = splitFields(value)
        guard fields.count == 3 else {
            warnings.append(FactWarning(path: path, line: 1, message: "expected 3 numbers, found \(fields.count) fields"))
            return FileHandleFacts()
        }
        var numbers: [Int64] = []
        for field in fields {
            switch Numbers.decimal(field) {
            case .success(let v): numbers.append(v)
            case .failure(let e):
                warnings.append(FactWarning(path: path, line: 1, message: e.description))
                return FileHandleFacts()
            }
        }
        return FileHandleFacts(allocated: numbers[0], unused: numbers[1], maximum: numbers[2])
    }


    func textValue(_ bytes: [UInt8], path: String, _ warnings: inout [FactWarning]) -> String? {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            warnings.append(FactWarning(path: path, line: 1, message: "not valid UTF-8"))
            return nil
        }
        let trimmed = text.trimmingASCIIWhitespace()
        guard !trimmed.isEmpty else {
            warnings.append(FactWarning(path: path, line: 1, message: "empty file"))
            return nil
        }
        return trimmed
    }
}
