extension Advisor {
    /// Reads `input` and diagnoses it as one value: the host (or the one namespace asked for) with every
    /// other network namespace the input holds in ``Diagnosis/namespaces``. A live host read as root, and
    /// a sosreport with `ip netns` captures, give several; the reports of the diagnosis cover them all, the
    /// table of namespaces first.
    ///
    /// ```swift
    /// let diagnosis = try advisor.diagnose(FactsInput(sosReport: "/tmp/sosreport-web-1.tar.xz"))
    /// print(try diagnosis.markdown())
    /// ```
    ///
    /// - Throws: ``FactsInputError`` when the input cannot be read at all; lesser problems are warnings of
    ///   the snapshots, and rules that lacked their facts report insufficient data.
    public func diagnose(_ input: FactsInput, minimumSeverity: Severity = .info) throws(FactsInputError) -> Diagnosis {
        var snapshots = try input.load()
        var host = snapshots.removeFirst()
        host.namespaces = (host.namespaces ?? []) + snapshots
        if host.namespaces?.isEmpty == true { host.namespaces = nil }
        return diagnose(host, minimumSeverity: minimumSeverity)
    }
}
