#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The one place TWAdviseFacts runs another program (`tar` for a sosreport archive, `rm` for its copy):
/// by absolute path, with a fixed environment, its output discarded or captured up to a bound.
enum Helper {
    static let environment = ["PATH=/usr/bin:/bin", "LC_ALL=C"]

    /// Runs `argv` (`argv[0]` an absolute path) and waits. `cleanUp` is removed if SIGINT or SIGTERM arrives
    /// while it runs: the program is killed, the directory removed, and the signal then taken as it would have
    /// been (the process ends). Returns the exit status (-1 if it did not exit normally) and, with
    /// `captureLimit`, its standard output up to that many bytes (more is read and dropped, status -1).
    static func run(_ argv: [String], captureLimit: Int? = nil, cleanUp: String? = nil) -> (status: Int32, output: [UInt8]) {
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGTERM)
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &signals, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }

        var pipeFDs: [Int32] = [-1, -1]
        if captureLimit != nil, pipe(&pipeFDs) != 0 { return (-1, []) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if captureLimit != nil {
            posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 1)
            posix_spawn_file_actions_addclose(&actions, pipeFDs[0])
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        }
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)  // the child takes signals as usual
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))

        var pid: pid_t = 0
        var cargs = argv.map { strdup($0) } + [nil]
        var cenv = environment.map { strdup($0) } + [nil]
        defer { (cargs + cenv).forEach { free($0) } }
        let spawned = posix_spawn(&pid, argv[0], &actions, &attributes, &cargs, &cenv)
        if captureLimit != nil { close(pipeFDs[1]) }
        guard spawned == 0 else {
            if captureLimit != nil { close(pipeFDs[0]) }
            return (-1, [])
        }

        var output: [UInt8] = []
        var overflow = false
        if let limit = captureLimit {
            // Non-blocking reads, interleaved with waiting for signals.
            _ = fcntl(pipeFDs[0], F_SETFL, fcntl(pipeFDs[0], F_GETFL) | O_NONBLOCK)
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(pipeFDs[0], $0.baseAddress, $0.count) }
                if n > 0 {
                    if output.count + n <= limit { output.append(contentsOf: buffer[0..<n]) } else { overflow = true }
                    continue
                }
                if n == 0 { break }
                if errno == EAGAIN || errno == EINTR {
                    if let signal = waitForSignal(&signals, milliseconds: 20) { interrupt(pid, signal, cleanUp) }
                    continue
                }
                break
            }
            close(pipeFDs[0])
        }
        var status: Int32 = 0
        while true {
            let done = waitpid(pid, &status, WNOHANG)
            if done == pid { break }
            if done < 0 && errno != EINTR { return (-1, output) }
            if let signal = waitForSignal(&signals, milliseconds: 50) { interrupt(pid, signal, cleanUp) }
        }
        let exited = (status & 0x7F) == 0
        return (exited && !overflow ? (status >> 8) & 0xFF : -1, output)
    }

    private static func waitForSignal(_ signals: inout sigset_t, milliseconds: Int) -> Int32? {
        var timeout = timespec(tv_sec: 0, tv_nsec: milliseconds * 1_000_000)
        let received = sigtimedwait(&signals, nil, &timeout)
        return received > 0 ? received : nil
    }

    /// Stops the child, removes what it was writing, and takes `signal` with its default action.
    private static func interrupt(_ pid: pid_t, _ signal: Int32, _ cleanUp: String?) -> Never {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        if let cleanUp { remove(cleanUp) }
        Glibc.signal(signal, SIG_DFL)
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, signal)
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
        raise(signal)
        _exit(128 + signal)
    }

    /// Removes a directory tree this process made (`rm -rf` by absolute path).
    static func remove(_ directory: String) {
        let candidates: [String] = ["/usr/bin/rm", "/bin/rm"]
        guard let rm = candidates.first(where: { access($0, X_OK) == 0 }) else { return }
        _ = run([rm, "-rf", "--", directory])
    }
}
