import Foundation
import Glibc
import Testing
@testable import TWAdvisePrometheus

/// Executables the real-server tests need, looked up on PATH.
enum Tools {
    static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") where access("\(dir)/\(name)", X_OK) == 0 { return "\(dir)/\(name)" }
        return nil
    }
    static let prometheus = find("prometheus")
    static let promtool = find("promtool")
    static let python3 = find("python3")
    /// The client's HTTP library, loaded at run time as `--prometheus` loads it.
    static let curlAvailable = HTTPExchange.libraryVersion != nil
    static let curlSkipReason: Comment = "libcurl.so.4 not found (Debian: apt-get install libcurl4)"
    static let serverAvailable = prometheus != nil && promtool != nil
    static let serverSkipReason: Comment = "prometheus and promtool not on PATH (Debian: apt-get install prometheus)"
}

/// A free loopback TCP port: bound to port 0, read back, closed.
func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw HarnessError("socket: errno \(errno)") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard bound else { throw HarnessError("bind: errno \(errno)") }
    return Int(UInt16(bigEndian: address.sin_port))
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A fresh temporary directory.
func temporaryDirectory(_ prefix: String) throws -> String {
    var template = Array("\(NSTemporaryDirectory())/\(prefix)-XXXXXX".utf8CString)
    let made: String? = template.withUnsafeMutableBufferPointer { buffer in
        guard let base = buffer.baseAddress, let result = mkdtemp(base) else { return nil }
        return String(cString: result)
    }
    guard let made else { throw HarnessError("mkdtemp failed") }
    return made
}

/// Runs a process to its end (bounded), its output in `log`; throws when it fails.
func run(_ executable: String, _ arguments: [String], log: String, timeout: TimeInterval = 120) throws {
    let child = try ChildProcess(executable, arguments, log: log)
    let process = child.process
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning, Date() < deadline { usleep(50_000) }
    if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
    guard process.terminationStatus == 0 else {
        throw HarnessError("\(executable) exited \(process.terminationStatus): \(child.logText.suffix(2000))")
    }
}

/// A process started for a test, stopped with SIGTERM then, after 10 s, SIGKILL.
final class ChildProcess: @unchecked Sendable {
    let process = Process()
    let log: String

    init(_ executable: String, _ arguments: [String], log: String) throws {
        self.log = log
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = FileHandle(forWritingAtPath: log)
        process.standardOutput = output
        process.standardError = output
        try process.run()
        try? output?.close()
    }

    var logText: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }

    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning, Date() < deadline { usleep(50_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

/// GET `url` until it answers 200 or `timeout` passes.
func waitUntilReady(_ url: URL, timeout: TimeInterval, process: ChildProcess) async throws {
    let deadline = Date().addingTimeInterval(timeout)
    let request = HTTPExchange.Request(url: url.absoluteString, headers: [], postBody: nil, caFile: nil, timeout: 2, limit: 1 << 20)
    while Date() < deadline {
        guard process.process.isRunning else { throw HarnessError("exited before ready: \(process.logText.suffix(2000))") }
        if let answer = try? await HTTPExchange.perform(request), answer.status == 200 { return }
        try await Task.sleep(nanoseconds: 200_000_000)
    }
    throw HarnessError("not ready within \(Int(timeout)) s: \(process.logText.suffix(2000))")
}

/// Runs blocking work (a child process's start or end, promtool) on a Dispatch thread, not on one of the few
/// threads of Swift's cooperative pool, so that other tests' awaits keep running meanwhile.
func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
    }
}
