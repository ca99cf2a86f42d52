extension NetworkNamespaces {
    /// The namespace `wanted` names (an `ip netns` name or label, a PID in it, or a file that refers to it),
    /// for reading it: what `diagnose` and `watch` both ask for one namespace through.
    ///
    /// - Throws: ``FactsInputError/cannotEnterNamespaces(wanted:)`` without `CAP_SYS_ADMIN`, and
    ///   ``FactsInputError/namespaceNotFound(wanted:candidates:more:)`` with the first 20 found when none matches.
    public static func select(_ wanted: String, proc: String = "/proc", runNetns: String = "/run/netns") throws(FactsInputError) -> NetworkNamespace {
        guard canEnter(proc: proc) else { throw .cannotEnterNamespaces(wanted: wanted) }
        let found = discover(proc: proc, runNetns: runNetns).namespaces
        guard let namespace = LiveNamespaceReader.match(wanted, in: found, proc: proc) else {
            let labels = found.prefix(20).map { $0.name ?? $0.pid.map(String.init) ?? $0.path }
            throw .namespaceNotFound(wanted: wanted, candidates: labels, more: found.count > 20)
        }
        return namespace
    }
}
