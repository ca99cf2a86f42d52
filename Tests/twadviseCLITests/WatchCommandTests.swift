import Foundation
import Testing
import TWAdviseTestSupport

@Suite("twadvise watch", .serialized)
struct WatchCommandTests {
    static let promtool: String? = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test("--once on a captured tree: the pressed destination first, with its share of R")
    func once() throws {
        let tree = try Scenario.clientExhaustion.tree()
        let result = try CLIRunner.run(["watch", "--once", "--root", tree.root, "--top", "2"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.contains("TIME_WAIT 27300 (out 27300, in 0)  ESTABLISHED 120  ports R 28232") == true)
        #expect(lines.contains { $0.contains("worst: CRITICAL ports.destination-exhaustion 10.0.0.5 → 10.0.0.9:443") })
        #expect(lines.contains { $0.hasPrefix("  10.0.0.5 → 10.0.0.9:443") && $0.hasSuffix("97.1% █████████▊") })
        #expect(lines.count == 5)  // header, finding, column titles, 2 destinations
    }

    @Test("--textfile writes exposition text atomically that promtool accepts",
          .enabled(if: WatchCommandTests.promtool != nil, "promtool not installed (.ci/run installs Debian's prometheus package)"))
    func textfile() throws {
        var files = Scenario.clientExhaustion.files
        files["proc/sys/kernel/hostname"] = "web\"1\\\n"
        let tree = try TemporaryTree(files)
        let path = tree.path("twadvise.prom")
        let result = try CLIRunner.run(["watch", "--once", "--root", tree.root, "--textfile", path])
        #expect(result.status == 0 && result.stdout.isEmpty, "\(result.stderr)")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("twadvise_finding{namespace=\"host\",rule=\"ports.destination-exhaustion\",severity=\"critical\",subject=\"10.0.0.5 → 10.0.0.9:443\"} 1\n"))
        #expect(text.contains("twadvise_destination_port_share{namespace=\"host\",local=\"10.0.0.5\",remote=\"10.0.0.9\",port=\"443\"} 0.9705"))
        // No temporary file is left beside it, whatever its name.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: tree.root).filter { $0.hasPrefix("twadvise.prom") }
        #expect(leftovers == ["twadvise.prom"])
        let check = try CLIRunner.process(Self.promtool!, ["check", "metrics"], stdin: Data(text.utf8))
        #expect(check.status == 0, "promtool: \(check.stdout)\(check.stderr)")
    }

    @Test("SIGTERM and SIGINT stop the loop cleanly with exit 0", arguments: [SIGTERM, SIGINT])
    func stopsOnSignal(signal: Int32) throws {
        let tree = try Scenario.healthy.tree()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLIRunner.executable)
        process.arguments = ["watch", "--root", tree.root, "--interval", "0.3"]
        _ = FileManager.default.createFile(atPath: tree.path("watch.out"), contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: tree.path("watch.out")))
        process.standardOutput = out
        try process.run()
        func frames() -> Int {
            let text = (try? String(contentsOfFile: tree.path("watch.out"), encoding: .utf8)) ?? ""
            return text.split(separator: "\n").filter { $0.contains("TIME_WAIT 12") }.count
        }
        // Signal once the loop has printed at least two frames (slower builds, such as ASan's, take longer).
        let ready = Date().addingTimeInterval(15)
        while frames() < 2 && Date() < ready { Thread.sleep(forTimeInterval: 0.05) }
        kill(process.processIdentifier, signal)
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        #expect(!process.isRunning)
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        #expect(process.terminationStatus == 0 && process.terminationReason == .exit)
        try out.close()
        #expect(frames() >= 2)
    }

    @Test("bad intervals and an unwritable textfile are input errors")
    func errors() throws {
        #expect(try CLIRunner.run(["watch", "--interval", "0"]).status == 2)
        let tree = try Scenario.healthy.tree()
        let result = try CLIRunner.run(["watch", "--once", "--root", tree.root, "--textfile", "/nonexistent/dir/x.prom"])
        #expect(result.status == 2 && result.stderr == "twadvise: error: cannot write /nonexistent/dir/x.prom: No such file or directory\n")
    }
}
