import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Runs sysstat's `sadf` on one binary file, bounded: standard input from `/dev/null`, a fixed environment
/// (`LC_ALL=C`, `TZ=UTC`: numbers with a decimal point, times in UTC), a time limit after which it is killed,
/// and at most `outputLimit` bytes of output kept (it is killed past them).
package struct SadfRunner: Sendable {
    /// What one run gave.
    package struct Outcome: Sendable {
        /// Standard output (at most `outputLimit` bytes).
        package var output: [UInt8]
        /// The first line of standard error that explains a refusal (the format line when there is one).
        package var message: String?
        /// The exit status (a signal's number, negated, when killed).
        package var status: Int32
        /// Why the run was stopped, when it was: time limit or output limit.
        package var stopped: String?
    }

    /// The `sadf` executable.
    package var path: String
    /// Seconds before `sadf` is killed.
    package var timeout: Double = 10
    /// Bytes of output kept before `sadf` is killed.
    package var outputLimit: Int = 64 << 20

    package init(path: String, timeout: Double = 10, outputLimit: Int = 64 << 20) {
        self.path = path
        self.timeout = timeout
        self.outputLimit = outputLimit
    }

    /// The first executable `sadf` on `PATH`, else `/usr/bin/sadf` when it exists.
    package static func find(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        let directories = (environment["PATH"] ?? "").split(separator: ":").map(String.init) + ["/usr/bin", "/bin"]
        for directory in directories where directory.hasPrefix("/") {
            let candidate = directory + "/sadf"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    /// `sadf -d -- -n SOCK,TCP,ETCP FILE`: the SOCK, TCP and ETCP activities as semicolon-separated values.
    package func csv(of file: String) -> Result<Outcome, SadfFailure> {
        run(["-d", "--", "-n", "SOCK,TCP,ETCP", file])
    }

    /// The installed version, from `sadf -V` (`12.6.1`), or `nil`.
    package func version() -> String? {
        guard case .success(let outcome) = run(["-V"]) else { return nil }
        let text = String(decoding: outcome.output, as: UTF8.self) + "\n" + (outcome.message ?? "")
        guard let range = text.range(of: "sysstat version ") else { return nil }
        return String(text[range.upperBound...].prefix(while: { !$0.isWhitespace }))
    }

    /// Runs `sadf` with `arguments`.
    package func run(_ arguments: [String]) -> Result<Outcome, SadfFailure> {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = ["LC_ALL": "C", "TZ": "UTC", "PATH": "/usr/bin:/bin"]
        process.standardInput = FileHandle.nullDevice
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        do {
            try process.run()
        } catch {
            return .failure(SadfFailure(description: "could not run \(path): \(error.localizedDescription)"))
        }
        let pid = process.processIdentifier
        // `done` is set once the output is read, before the process is reaped: the timer never signals a
        // reaped (possibly reused) PID.
        let state = Mutex<(done: Bool, timedOut: Bool)>((false, false))
        let timer = DispatchWorkItem {
            state.withLock { value in
                guard !value.done else { return }
                value.timedOut = true
                kill(pid, SIGKILL)
            }
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: timer)

        // Standard error on another thread, so that a chatty sadf never blocks on a full pipe; 8 KiB kept.
        let errors = Mutex<[UInt8]>([])
        let group = DispatchGroup()
        let errorHandle = stderr.fileHandleForReading
        DispatchQueue.global().async(group: group) {
            while true {
                let chunk = errorHandle.availableData
                if chunk.isEmpty { break }
                errors.withLock { kept in
                    if kept.count < 8192 { kept.append(contentsOf: chunk.prefix(8192 - kept.count)) }
                }
            }
        }
        var output: [UInt8] = []
        var overflow = false
        let outputHandle = stdout.fileHandleForReading
        while true {
            let chunk = outputHandle.availableData
            if chunk.isEmpty { break }
            if output.count + chunk.count > outputLimit {
                overflow = true
                state.withLock { value in
                    if !value.done { kill(pid, SIGKILL) }
                }
                break
            }
            output.append(contentsOf: chunk)
        }
        group.wait()
        let timedOut = state.withLock { value in
            value.done = true
            return value.timedOut
        }
        timer.cancel()
        process.waitUntilExit()
        let status = process.terminationReason == .uncaughtSignal ? -process.terminationStatus : process.terminationStatus
        let stopped = timedOut ? "sadf did not finish within \(Int(timeout)) s" :
            overflow ? "sadf printed more than \(outputLimit >> 20) MiB" : nil
        let text = String(decoding: errors.withLock { $0 }, as: UTF8.self)
        return .success(Outcome(output: overflow ? [] : output, message: Self.reason(text), status: status, stopped: stopped))
    }

    /// The one line of sadf's standard error that says why: the format line ("Current sysstat version cannot
    /// read the format of this file (0x2173)") when there is one, else the first non-empty line.
    static func reason(_ text: String) -> String? {
        let lines = text.split(whereSeparator: \.isNewline).map { String($0.prefix(200)) }.filter { !$0.isEmpty }
        return lines.first(where: { $0.contains("format of this file") }) ?? lines.first
    }
}

/// `sadf` could not be run at all.
package struct SadfFailure: Error, Sendable, CustomStringConvertible {
    package var description: String
}
