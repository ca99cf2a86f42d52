public import TWAdviseFacts
public import TWAdviseHistory

/// The history a host kept on its own disk: its kernel log (and, live, its ring buffer) and its sysstat files.
public enum HostHistory {
    /// Everything `source` kept within `window`: the kernel log messages of this domain and the sysstat
    /// series; what could not be read is in ``History/notRead``.
    public static func read(_ source: FactSource, window: HistoryWindow) -> History {
        let range = window.from...window.to
        let kernel = KernelLogReader(source: source).read(window: range)
        let sysstat = SysstatReader(source: source).read(window: range)
        var history = kernel.merging(sysstat)
        // What was looked for and not there is said too: a report that read only /dev/kmsg must not read as if
        // the host kept nothing else worth asking for.
        if !kernel.read.contains(where: { $0.hasPrefix("var/log/") || $0.hasPrefix("sos_commands/") }),
           !kernel.notRead.contains(where: { $0.source.hasPrefix("var/log") }) {
            history.notRead.append(HistoryGap(source: "var/log/kern.log, syslog, messages",
                                              reason: "none found; a host that keeps its kernel log only in the journal shows it with journalctl -k"))
        }
        if sysstat.read.isEmpty, sysstat.notRead.isEmpty {
            let directories = SysstatReader.directories.filter { !source.isLiveRoot || !$0.hasPrefix("sos_commands") }
            history.notRead.append(HistoryGap(source: directories.joined(separator: ", "),
                                              reason: "no sysstat file; install sysstat and enable its collection to keep these series"))
        }
        return history
    }
}
