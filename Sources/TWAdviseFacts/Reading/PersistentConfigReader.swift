/// Reads the persistent sysctl configuration under a fact root in `sysctl --system` order.
package enum PersistentConfigReader {
    /// sysctl.d directories, highest precedence first.
    package static let directories = [
        "etc/sysctl.d", "run/sysctl.d", "usr/local/lib/sysctl.d", "usr/lib/sysctl.d", "lib/sysctl.d",
    ]
    package static let mainFile = "etc/sysctl.conf"

    package static func read(_ source: FactSource, warnings: inout [FactWarning]) -> PersistentSysctlConfig {
        // name -> path of the highest-precedence file with that name
        var chosen: [String: String] = [:]
        for directory in directories {
            let names: [String]
            do {
                names = try source.list(directory)
            } catch {
                if error != .missing {
                    warnings.append(FactWarning(path: directory, message: error.description))
                }
                continue
            }
            for name in names where name.hasSuffix(".conf") && chosen[name] == nil {
                chosen[name] = directory + "/" + name
            }
        }
        var files: [String] = []
        var readsMainFile = false
        for name in chosen.keys.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) {
            guard let path = chosen[name] else { continue }
            if let target = symlinkTarget(source.absolutePath(path)) ?? source.standInTarget(path), target.hasSuffix("sysctl.conf"),
               target == "../sysctl.conf" || target == "/etc/sysctl.conf" {
                // The usual `99-sysctl.conf -> ../sysctl.conf` link: /etc/sysctl.conf is applied here, once.
                files.append(mainFile)
                readsMainFile = true
            } else {
                files.append(path)
            }
        }
        if !readsMainFile { files.append(mainFile) }

        var config = PersistentSysctlConfig()
        for file in files {
            guard let bytes = source.read(file, warnings: &warnings, warnIfMissing: false) else { continue }
            config.files.append(file)
            config.entries += SysctlConfParser.parse(bytes, file: file, warnings: &warnings)
        }
        return config
    }
}
