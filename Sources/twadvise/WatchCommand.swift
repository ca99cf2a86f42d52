import ArgumentParser
import Dispatch
import TWAdvise
import TWAdviseRecorder
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "The netstat loop done right: TIME_WAIT, pressed destinations and rates every few seconds.",
        discussion: """
            Reads /proc/net/sockstat, the counters and the socket table each interval (not netstat), shows the \
            destinations closest to running out of ports, and with --textfile writes Prometheus text for \
            node_exporter's textfile collector (atomically). Stops cleanly on SIGINT or SIGTERM.
            """
    )
    static let examples = [
        ("twadvise watch", "every 5 s until Ctrl-C"),
        ("twadvise watch --interval 2 --top 10", "faster, more destinations"),
        ("twadvise watch --once --textfile /var/lib/node_exporter/textfile/twadvise.prom", "from cron"),
    ]

    @Option(parsing: .unconditional, help: ArgumentHelp("Seconds between readings.", valueName: "seconds")) var interval: Double = 5
    @Option(parsing: .unconditional, help: ArgumentHelp("Destinations shown (and exported).", valueName: "n")) var top: Int = 5
    @Flag(help: "Read once, print or write, and exit (for cron).") var once = false
    @Option(name: .long, help: ArgumentHelp("Write Prometheus exposition text to PATH (atomically, via a temporary file and rename).", valueName: "path"))
    var textfile: String?
    @Option(name: .long, help: ArgumentHelp("Read a captured tree instead of the live host.", valueName: "dir"))
    var root: String?
    @Option(name: .long, help: ArgumentHelp("Follow another network namespace of the live host: an 'ip netns' name, a PID in it, or a path such as /proc/PID/ns/net (needs root or CAP_SYS_ADMIN).", valueName: "name|pid|path"))
    var namespace: String?
    @Flag(name: .customLong("host-namespace"), help: "Follow only the network namespace twadvise runs in (by default, with root or CAP_SYS_ADMIN, every namespace of the live host is read and the others shown one line each).")
    var hostNamespace = false
    @Option(name: .long, help: ArgumentHelp("Replay a recording made by 'twadvise record --dir DIR' instead of reading the host (with --from, and --to).", valueName: "dir"))
    var recording: String?
    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("With --recording: where the replay starts (RFC 3339, or relative: -2h).", valueName: "time"))
    var from: String?
    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("With --recording: where the replay ends (default: the end of the recording).", valueName: "time"))
    var to: String?
    @OptionGroup var rules: RuleOptions

    func validate() throws {
        if recording != nil, root != nil || namespace != nil || hostNamespace || textfile != nil || once {
            throw ValidationError("--recording replays a recording; it does not go with --root, --namespace, --host-namespace, --textfile or --once")
        }
        if recording == nil, from != nil || to != nil { throw ValidationError("--from and --to choose what --recording replays: give --recording DIR") }
        guard interval >= 0.2, interval <= 3600 else {
            throw ValidationError("--interval \(FactValue.format(interval)): readings must be 0.2 to 3600 seconds apart, e.g. --interval 5 (the default)")
        }
        guard top >= 1 else { throw ValidationError("--top \(top): show at least 1 destination, e.g. --top 5 (the default)") }
        if namespace != nil && root != nil { throw ValidationError("--namespace follows a namespace of the live host; it does not go with --root") }
        if hostNamespace && (namespace != nil || root != nil) {
            throw ValidationError("--host-namespace restricts watch to the namespace twadvise runs in; it does not go with --namespace or --root")
        }
    }

    func run() throws {
        if let recording { return try replay(recording) }
        try runReportingInputErrors {
            let advisor = try rules.advisor()
            let rootPath = root ?? "/"
            guard isExistingDirectory(rootPath) else { throw InputError(FactsInputError.notADirectory(path: rootPath).commandLineMessage) }
            // SIGINT and SIGTERM are taken synchronously while waiting: no handler, no shared state.
            var signals = sigset_t()
            sigemptyset(&signals)
            sigaddset(&signals, SIGINT)
            sigaddset(&signals, SIGTERM)
            pthread_sigmask(SIG_BLOCK, &signals, nil)

            // Read as diagnose reads the same options, each reading.
            var input = FactsInput(root: root, hostNamespaceOnly: true)
            if let namespace {
                // The same selection, and the same messages, as diagnose --namespace (checked once here; a
                // namespace gone later is a reading that says so).
                do throws(FactsInputError) {
                    _ = try NetworkNamespaces.select(namespace)
                    input.namespace = namespace
                } catch {
                    throw InputError(error.commandLineMessage)
                }
            } else if root == nil && !hostNamespace {
                if NetworkNamespaces.canEnter() {
                    input.hostNamespaceOnly = false
                } else {
                    printError("twadvise: other network namespaces are not watched: entering them needs root or CAP_SYS_ADMIN; this covers only the namespace twadvise runs in")
                }
            }
            var watcher = Watcher(advisor: advisor, input: input, top: top)
            // At a terminal (and not --once), each reading replaces the last one on the alternate screen, which
            // is restored on exit; with TERM=dumb, or into a file or pipe, readings follow one another.
            let inPlace = !once && isatty(1) == 1 && ProcessInfo.processInfo.environment["TERM"].map { $0 != "dumb" } ?? false
            if inPlace { try writeStandardOutput(Data("\u{1B}[?1049h".utf8)) }
            defer { if inPlace { try? writeStandardOutput(Data("\u{1B}[?1049l".utf8)) } }
            while true {
                guard let reading = PendingReading.read(&watcher, stoppingOn: &signals) else { return }
                if let textfile { try writeAtomically(reading.prometheusText(), to: textfile) }
                if !(once && textfile != nil) {
                    try writeStandardOutput(Data(((inPlace ? "\u{1B}[H\u{1B}[2J" : "") + reading.view + "\n").utf8))
                }
                if once { return }
                var timeout = timespec(tv_sec: Int(interval), tv_nsec: Int((interval - Double(Int(interval))) * 1e9))
                let received = sigtimedwait(&signals, nil, &timeout)
                if received == SIGINT || received == SIGTERM { return }
            }
        }
    }

    /// Prints the readings of a recording in `--from`...`--to` one after another, oldest first.
    func replay(_ directory: String) throws {
        try runReportingInputErrors {
            let window = try HistoryOptions.window(at: nil, from: from, to: to, span: 7 * 86_400)
            var failure: (any Error)?
            do throws(RecorderError) {
                let store = try RecordingStore.openForReading(directory: directory)
                defer { store.close() }
                try store.forEachReading(in: RecordingWindow(from: window.from, to: window.to)) { reading in
                    do {
                        try writeStandardOutput(Data((reading.view(top: top) + "\n\n").utf8))
                        return true
                    } catch {
                        failure = error
                        return false
                    }
                }
            } catch {
                throw InputError("--recording \(directory): \(error.message)")
            }
            if let failure { throw failure }
        }
    }

    func writeAtomically(_ text: String, to path: String) throws {
        try OutputFile.write(Array(text.utf8), to: path, atomicOnly: true)
    }
}

/// One reading of a ``Watcher`` on a worker thread; ``finished`` is signalled when it is done.
final class PendingReading: @unchecked Sendable {
    let finished = DispatchSemaphore(value: 0)
    private var watcher: Watcher
    private var reading: WatchReading?

    init(_ watcher: Watcher) { self.watcher = watcher }

    /// Reads (on the worker); the fields are written before `finished` is signalled and read after it.
    func run() {
        reading = watcher.read()
        finished.signal()
    }

    /// One reading of `watcher` on a worker, so that SIGINT or SIGTERM stops the command at once even while a
    /// read is slow (the worker inherits the blocked signals; this thread keeps taking them): the reading, or
    /// `nil` when a signal came first.
    static func read(_ watcher: inout Watcher, stoppingOn signals: inout sigset_t) -> WatchReading? {
        let pending = PendingReading(watcher)
        DispatchQueue.global().async { pending.run() }
        while !pending.finished.wait(timeout: .now() + .milliseconds(100)).isSuccess {
            var poll = timespec(tv_sec: 0, tv_nsec: 0)
            let received = sigtimedwait(&signals, nil, &poll)
            if received == SIGINT || received == SIGTERM { return nil }
        }
        let reading: WatchReading
        (watcher, reading) = pending.result()
        return reading
    }

    /// The watcher (with its new previous reading) and the reading; call after `finished`.
    func result() -> (Watcher, WatchReading) {
        guard let reading else { preconditionFailure("result() before the reading finished") }
        return (watcher, reading)
    }
}

extension DispatchTimeoutResult {
    var isSuccess: Bool { self == .success }
}
