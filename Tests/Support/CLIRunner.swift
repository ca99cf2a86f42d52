public import Foundation

/// Runs the built `twadvise` binary and captures what it prints (swift-argument-parser's AssertExecuteCommand style).
public enum CLIRunner {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        public var stdoutBytes: Data

        public init(status: Int32, stdout: String, stderr: String, stdoutBytes: Data) {
            self.status = status
            self.stdout = stdout
            self.stderr = stderr
            self.stdoutBytes = stdoutBytes
        }
    }

    /// The `twadvise` executable built beside the test bundle.
    public static let executable: String = {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("twadvise").path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        return PeerFixtures.packageRoot + "/.build/debug/twadvise"
    }()

    /// Runs `twadvise ARGS`, optionally through a wrapper (`setpriv ...`), with `stdin` as standard input.
    public static func run(_ arguments: [String], stdin: Data? = nil, wrapper: [String] = []) throws -> Result {
        let command = wrapper + [executable] + arguments
        return try process(command[0], Array(command.dropFirst()), stdin: stdin)
    }

    /// Runs any program and captures what it prints.
    public static func process(_ path: String, _ arguments: [String], stdin: Data? = nil, environment: [String: String]? = nil,
                               directory: String? = nil) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        // Drain stderr on another thread while reading stdout here: a child that fills one pipe while we
        // wait on the other would otherwise block forever.
        let errorBox = DataBox()
        let reader = Thread { errorBox.data = err.fileHandleForReading.readDataToEndOfFile() }
        reader.start()
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try input.fileHandleForWriting.close()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errorBox.done { usleep(1000) }
        let errData = errorBox.data
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self), stdoutBytes: outData)
    }

    final class DataBox: @unchecked Sendable {
        private let lock = NSLock()
        private var stored = Data()
        private var finished = false
        var data: Data {
            get { lock.withLock { stored } }
            set { lock.withLock { stored = newValue; finished = true } }
        }
        var done: Bool { lock.withLock { finished } }
    }

    /// `setpriv` arguments that run a command as `nobody` with no capabilities, when this process is root.
    public static var unprivilegedWrapper: [String]? {
        guard geteuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else { return nil }
        return ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all"]
    }
}
