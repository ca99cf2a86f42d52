import TWAdvise
import TWAdviseFacts

extension FactsInputError {
    /// The error as the command line says it: the input named by the option that gave it (`--namespace`,
    /// `--root`, `--sos`, `--facts`), the library's reason after it.
    var commandLineMessage: String {
        switch self {
        case .cannotEnterNamespaces, .namespaceNotFound, .cannotReadNamespace, .namespaceNotCaptured:
            return "--namespace " + description.dropFirst("network namespace ".count)
        case .notADirectory:
            return "--root " + description
        case .unreadableSnapshot(let failure):
            return "--facts \(failure)"
        case .unreadableSosReport, .noFacts(.sosReport, _, _):
            return "--sos " + description.dropFirst("sosreport ".count)
        case .unreadableFile, .givenTwice, .invalidSnapshot, .noFacts:
            return description
        }
    }
}

extension CapturedInputNames {
    /// The options that give each input: `--sysctl FILE (sysctl -a output)`, `--root DIR holding PATH`.
    static let commandLine = CapturedInputNames(
        sysctl: "--sysctl FILE (sysctl -a output)", counters: "--nstat FILE (nstat -zas output)",
        sockets: "--ss FILE (ss -tanp output)", tree: { "--root DIR holding \($0)" })
}
