import ArgumentParser
import Dispatch
import Foundation
import TWAdvise
import TWAdviseHistory
import TWAdvisePrometheus

/// Where the past is read from and which part of it: `diagnose` after the fact.
struct HistoryOptions: ParsableArguments {
    @Flag(name: .long, help: "Also read the history the input kept: its kernel log (and, live, the ring buffer) and its sysstat files; the report gets a Timeline and the rules are evaluated at the worst moment.")
    var history = false

    @Option(name: .long, help: ArgumentHelp("Read history from a Prometheus server (node_exporter and 'watch --textfile' metrics) over its HTTP API; needs --instance.", valueName: "url"))
    var prometheus: String?

    @Option(name: .long, help: ArgumentHelp("Replay a recording made by 'twadvise record --dir DIR': the rules at its worst moment (or --at), with the Timeline.", valueName: "dir"))
    var recording: String?

    @Option(name: .long, help: ArgumentHelp("The instance label of the host to read from --prometheus (e.g. web-1:9100).", valueName: "instance"))
    var instance: String?

    @OptionGroup var connection: PrometheusConnectionOptions

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("Evaluate the rules at this moment instead of the worst of the window (RFC 3339, or relative: -2h, now).", valueName: "time"))
    var at: String?

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("Start of the window read (default: a day before its end).", valueName: "time"))
    var from: String?

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("End of the window read (default: now).", valueName: "time"))
    var to: String?

    /// Whether any history is asked for.
    var wanted: Bool { history || prometheus != nil || recording != nil || at != nil || from != nil || to != nil }

    func validate() throws {
        if prometheus != nil, instance == nil {
            throw ValidationError("--prometheus reads one host: name it with --instance (its instance label, e.g. web-1:9100); 'twadvise fleet --prometheus URL' ranks them all")
        }
        if instance != nil, prometheus == nil { throw ValidationError("--instance names a host of --prometheus URL: give the server too") }
        if recording != nil, history || prometheus != nil {
            throw ValidationError("--recording is a history of its own: it does not go with --history or --prometheus")
        }
        if (at != nil || from != nil || to != nil), !history, prometheus == nil, recording == nil {
            throw ValidationError("--at, --from and --to choose a window of history: add --history (the input's kernel log and sysstat files), --prometheus URL --instance NAME, or --recording DIR")
        }
    }

    /// The window the options name.
    func window() throws -> HistoryWindow {
        try Self.window(at: at, from: from, to: to)
    }

    /// The window `--at`, `--from` and `--to` name (``HistoryWindow/parse(at:from:to:now:span:)``); a time
    /// that is not one is an input error of one line (exit 2). `diagnose`, `fleet` and `watch --recording`.
    static func window(at: String?, from: String?, to: String?, span: TimeInterval = 86_400) throws -> HistoryWindow {
        do {
            return try HistoryWindow.parse(at: at, from: from, to: to, span: span)
        } catch {
            throw InputError(error.description)
        }
    }


    /// The history of `--instance` on `--prometheus` in `window`.
    func prometheusHistory(_ window: HistoryWindow) throws -> History? {
        guard let prometheus, let instance else { return nil }
        let client = try connection.client(url: prometheus)
        do {
            return try waitFor { try await PrometheusHistory(client: client).read(instance: instance, from: window.from, to: window.to) }
        } catch {
            throw InputError("--prometheus \(prometheus): \(error)")
        }
    }
}

/// How to reach a Prometheus server: credentials from files, and how long to wait (`diagnose`, `fleet`).
struct PrometheusConnectionOptions: ParsableArguments {
    @Option(name: .customLong("prometheus-bearer-token-file"), help: ArgumentHelp("A file holding the bearer token for --prometheus.", valueName: "file"))
    var bearerTokenFile: String?

    @Option(name: .customLong("prometheus-basic-auth-file"), help: ArgumentHelp("A file holding 'user:password' for --prometheus.", valueName: "file"))
    var basicAuthFile: String?

    @Option(name: .customLong("prometheus-ca-file"), help: ArgumentHelp(
        "A PEM file of CA certificates to verify an https --prometheus with, instead of the system's trust store.",
        valueName: "file"))
    var caFile: String?

    @Option(name: .customLong("prometheus-timeout"), help: ArgumentHelp("Seconds to wait for each answer of --prometheus.", valueName: "seconds"))
    var timeout: Double = 30

    func validate() throws {
        if !(timeout > 0 && timeout <= 600) { throw ValidationError("--prometheus-timeout must be more than 0 and at most 600 seconds") }
    }

    /// The client of the server at `text`, with these credentials.
    func client(url text: String) throws -> PrometheusClient {
        guard let url = URL(string: text) else { throw InputError("--prometheus \(text): not a URL") }
        do {
            return try PrometheusClient(PrometheusOptions(baseURL: url, bearerTokenFile: bearerTokenFile, basicAuthFile: basicAuthFile,
                                                            caBundleFile: caFile, timeout: timeout))
        } catch {
            throw InputError("--prometheus: \(error)")
        }
    }
}

/// Runs `body` to completion from synchronous code (a command's `run`), on a thread of its own: the CLI is
/// not inside the cooperative pool, so waiting here starves nothing.
func waitFor<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let box = ResultBox<T>()
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        do { box.result = .success(try await body()) } catch { box.result = .failure(error) }
        done.signal()
    }
    done.wait()
    return try box.result!.get()
}

/// The result of ``waitFor(_:)``: written once by the task, read after the semaphore that orders the two.
private final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, any Error>?
}
