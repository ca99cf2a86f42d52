public import TWAdviseFacts
public import TWAdviseHistory

/// The history a host kept on its own disk: its kernel log (and, live, its ring buffer) and its sysstat files.
public enum HostHistory {
    /// Everything `source` kept within `window`: the kernel log messages of this domain and the sysstat
    /// series; what could not be read is in ``History/notRead``.
    public static func read(_ source: FactSource, window: HistoryWindow) -> History {
        let range = window.from...window.to
        return KernelLogReader(source: source).read(window: range).merging(SysstatReader(source: source).read(window: range))
    }
}
