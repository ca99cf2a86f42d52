import ArgumentParser
import Foundation
import TWAdvise
import TWAdviseFacts
import TWAdviseHistory
import TWAdviseRecorder

struct RecordCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Record what watch shows, every interval, into a SQLite store that diagnose --recording replays.",
        usage: "twadvise record --dir <dir> [--interval <seconds>] [--retain <duration>] [--max-size <size>]",
        discussion: """
            Each interval: for every network namespace, TIME_WAIT in and out, socket states, the destinations \
            closest to running out (U(D), TIME_WAIT, share of R, pressure), counter deltas, settings when they \
            change, the kernel messages of the interval; and the full snapshot of a moment with a high or \
            critical finding. Readings older than --retain, and the oldest beyond --max-size, are removed as it \
            runs. One recorder per folder. SIGTERM or SIGINT stops it (exit 0); SIGHUP reopens the store. The \
            schema is in docs/recording.md.

            Exit status: 0 when stopped by a signal; 2 for bad usage, a folder another recorder holds (its PID \
            named), or a store that cannot be opened.
            """
    )

    static let examples = [
        ("twadvise record --dir /var/lib/twadvise", "every 10 s, 7 days kept, at most 1 GiB"),
        ("twadvise diagnose --recording /var/lib/twadvise --from -2h", "the worst moment of the last two hours"),
        ("twadvise watch --recording /var/lib/twadvise --from 2026-12-07T03:00:00Z", "replay what watch showed"),
    ]

    @Option(name: .long, help: ArgumentHelp("The folder of the recording (created if needed).", valueName: "dir"))
    var dir: String

    @Option(name: .long, help: ArgumentHelp("Seconds between readings.", valueName: "seconds"))
    var interval: Double = 10

    @Option(name: .long, help: ArgumentHelp("Keep readings this long: 7d, 12h, 90m.", valueName: "duration"))
    var retain: String = "7d"

    @Option(name: .customLong("max-size"), help: ArgumentHelp("Bound of the store: 1G, 500M; the oldest readings go beyond it.", valueName: "size"))
    var maxSize: String = "1G"

    @Option(name: .long, help: ArgumentHelp("Destinations kept per namespace and reading.", valueName: "n"))
    var top = 8

    @Option(name: .long, help: ArgumentHelp("Stop after this many readings (for tests and benchmarks; default: until a signal).", valueName: "n"))
    var readings: Int?

    @Flag(name: .customLong("host-namespace"), help: "Record only the network namespace twadvise runs in (by default, with root or CAP_SYS_ADMIN, every network namespace is recorded).")
    var hostNamespace = false

    @OptionGroup var rules: RuleOptions

    func validate() throws {
        guard interval >= 1, interval <= 3600 else { throw ValidationError("--interval \(interval): from 1 to 3600 seconds") }
        guard Self.duration(retain) != nil else { throw ValidationError("--retain \(retain): a duration such as 7d, 12h or 90m") }
        guard Self.size(maxSize) != nil else { throw ValidationError("--max-size \(maxSize): a size such as 1G, 500M or 64M (at least 1M)") }
        guard (1...100).contains(top) else { throw ValidationError("--top \(top): 1 to 100 destinations per namespace") }
        if let readings, readings < 1 { throw ValidationError("--readings \(readings): at least 1") }
    }

    /// `7d`, `12h`, `90m` in seconds (``TimeExpression/duration(_:)``); at least a minute.
    static func duration(_ text: String) -> Double? {
        TimeExpression.duration(text).flatMap { $0 >= 60 ? $0 : nil }
    }

    /// `1G`, `500M`, `64K` in bytes; at least 1 MiB.
    static func size(_ text: String) -> Int64? {
        guard let unit = text.uppercased().last, let amount = Double(text.dropLast()), amount > 0, amount.isFinite else { return nil }
        let bytes: Double? = switch unit {
        case "K": amount * 1024
        case "M": amount * 1024 * 1024
        case "G": amount * 1024 * 1024 * 1024
        case "T": amount * 1024 * 1024 * 1024 * 1024
        default: nil
        }
        return bytes.flatMap { $0 >= 1_048_576 && $0 <= 1e15 ? Int64($0) : nil }
    }

    func run() throws {
        try runReportingInputErrors {
            let advisor = try rules.advisor()
            var signals = sigset_t()
            sigemptyset(&signals)
            for signal in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&signals, signal) }
            pthread_sigmask(SIG_BLOCK, &signals, nil)
            // While a reading is taken only SIGINT and SIGTERM are waited for: a SIGHUP stays pending until the
            // wait between readings, where it reopens the store.
            var stopSignals = sigset_t()
            sigemptyset(&stopSignals)
            for signal in [SIGINT, SIGTERM] { sigaddset(&stopSignals, signal) }
            let store: RecordingStore
            do throws(RecorderError) {
                store = try RecordingStore.openForWriting(directory: dir, retain: .seconds(Self.duration(retain)!), maxSize: Self.size(maxSize)!)
            } catch {
                throw InputError("--dir \(dir): \(error.message)")
            }
            defer { store.close() }
            var watcher = Watcher(advisor: advisor, top: top)
            var namespacesNotRecorded: String?
            if hostNamespace {
                watcher.input.hostNamespaceOnly = true
                namespacesNotRecorded = "recorded with --host-namespace"
            } else if NetworkNamespaces.canEnter() {
                watcher.input.hostNamespaceOnly = false
            } else {
                namespacesNotRecorded = "entering them needs root or CAP_SYS_ADMIN"
                printError("twadvise: other network namespaces are not recorded: entering them needs root or CAP_SYS_ADMIN")
            }
            // A recorder runs for weeks: few malloc arenas, and freed memory returned after each reading (the
            // reading's socket table is large for a moment, then gone), keep its resident size flat.
            Allocator.limitArenas(2)
            var memory = RecorderMemory()
            var said: Set<String> = []
            var kmsg = KernelLogReader(source: FactSource())
            kmsg.readsRingBuffer = true
            var lastKernel = Date()
            var hostRecord: RecordingStore.HostRecord?
            var taken = 0
            while true {
                let started = Date()
                guard let reading = PendingReading.read(&watcher, stoppingOn: &stopSignals) else { return }
                // The kernel messages of this domain since the last reading, from the ring buffer.
                let now = Date()
                let kernelLog = kmsg.readRingBuffer(window: lastKernel...now)
                lastKernel = now
                let messages = kernelLog.kernelEvents.map { "\($0.count)× \($0.example)" }
                let outcome = store.append(reading.recorded(at: started, top: top, memory: &memory, kernelMessages: messages))
                // The host, and whether its kernel messages could be read, kept in the store when they change:
                // a postmortem of the recording names the host and says when kernel messages are not in it.
                let unreadable = kernelLog.notRead.first { $0.source == kmsg.ringBufferPath }.map { "\($0.source): \($0.reason)" }
                let record = RecordingStore.HostRecord(hostname: reading.hostSnapshot.host.hostname, kernel: reading.hostSnapshot.host.kernel?.release,
                                                       kernelMessagesNotRecorded: unreadable, otherNamespacesNotRecorded: namespacesNotRecorded)
                if record != hostRecord, outcome.stored, (try? store.noteHost(record)) != nil { hostRecord = record }
                if let unreadable, !said.contains(unreadable) {
                    said.insert(unreadable)
                    printError("twadvise: kernel messages are not recorded: \(unreadable)")
                }
                // Each condition is said once on stderr (and in the store's events), then again when it is over.
                for notice in outcome.notices where !said.contains(notice.description) {
                    said.insert(notice.description)
                    printError("twadvise: \(notice)")
                }
                Allocator.trim()
                taken += 1
                if let readings, taken >= readings { return }
                let wait = max(0, interval - Date().timeIntervalSince(started))
                var timeout = timespec(tv_sec: Int(wait), tv_nsec: Int((wait - Double(Int(wait))) * 1e9))
                let received = sigtimedwait(&signals, nil, &timeout)
                if received == SIGINT || received == SIGTERM { return }
                if received == SIGHUP, let notice = store.reopen() { printError("twadvise: \(notice)") }
            }
        }
    }
}

/// glibc's malloc tuning, found at run time (malloc.h is not in the Glibc module): fewer arenas, and freed
/// memory returned to the system after each reading. Where the symbols are missing (musl), nothing is done.
enum Allocator {
    private typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
    private typealias MallocTrim = @convention(c) (Int) -> Int32

    /// `mallopt(M_ARENA_MAX, count)`.
    static func limitArenas(_ count: Int32) {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        _ = unsafeBitCast(symbol, to: Mallopt.self)(-8, count)  // M_ARENA_MAX
    }

    /// `malloc_trim(0)`.
    static func trim() {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return }
        _ = unsafeBitCast(symbol, to: MallocTrim.self)(0)
    }
}
