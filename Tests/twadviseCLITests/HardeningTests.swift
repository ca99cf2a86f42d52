import Foundation
import Testing
import TWAdviseTestSupport

/// The bad-input matrix for every file the CLI is given, fuzz regressions, and a 1 GB adversarial input.
@Suite("Hardening", .serialized)
struct HardeningTests {
    enum Corruption: String, CaseIterable {
        case empty, truncated, garbage, nonUTF8, huge, deeplyNested, wrongType, directory, symlinkLoop, missing

        func make(_ tree: TemporaryTree, _ name: String, valid: String) throws {
            switch self {
            case .empty: try tree.write(name, "")
            case .truncated: try tree.write(name, String(valid.prefix(valid.count / 2)))
            case .garbage: try tree.write(name, "\u{1}\u{2}}{][ garbage: [:\n\t- :\n")
            case .nonUTF8: try tree.write(name, [0xFF, 0xFE, 0x00, 0xC3, 0x28, 0x0A])
            case .huge: try tree.write(name, Array(repeating: UInt8(ascii: "a"), count: 70 << 20))
            case .deeplyNested: try tree.write(name, String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000))
            case .wrongType: try tree.write(name, "[1, 2, 3]\n")
            case .directory: try tree.mkdir(name)
            case .symlinkLoop:
                try tree.symlink(name, to: tree.path(name + ".b"))
                try tree.symlink(name + ".b", to: tree.path(name))
            case .missing: break
            }
        }
    }

    static let validRule = "rules:\n  - id: team.ok\n    title: ok\n    severity: low\n    condition: sockstat.tw > 1\n"
    static let validOverlay = "overlays:\n  - rule: timewait.total-high\n    justification: x\n    disable: true\n"

    @Test("rule, overlay, facts and captured files: each corruption is refused with one line, exit 2, nothing written",
          arguments: Corruption.allCases)
    func matrix(corruption: Corruption) throws {
        let tree = try Scenario.healthy.tree()
        let cases: [(flag: String, file: String, valid: String)] = [
            ("--rules", "bad.yaml", Self.validRule), ("--overlay", "overlay.yaml", Self.validOverlay),
            ("--facts", "facts.json", "{\"schemaVersion\": 1}"), ("--ss", "ss.txt", "State Recv-Q\nESTAB 0 0 1.2.3.4:5 6.7.8.9:10\n"),
            ("--sysctl", "sysctl.txt", "kernel.hostname = x\n"), ("--sos", "sos.tar.xz", ""),
        ]
        for (flag, file, valid) in cases {
            try corruption.make(tree, file, valid: valid)
            var arguments = ["diagnose", flag, tree.path(file), "--output", tree.path("report.md")]
            if flag == "--rules" || flag == "--overlay" { arguments += ["--root", tree.root] }
            let result = try CLIRunner.run(arguments)
            let label = "\(flag) \(corruption)"
            // Every corruption of every input is refused the same way: exit 2, the reason on one last line, no report.
            #expect(result.status == 2, "\(label): status \(result.status) \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").last?.hasPrefix("twadvise: error: ") == true, "\(label): \(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: tree.path("report.md")), "\(label) wrote a report")
            try? FileManager.default.removeItem(atPath: tree.path("report.md"))
            try? FileManager.default.removeItem(atPath: tree.path(file))
            try? FileManager.default.removeItem(atPath: tree.path(file + ".b"))
        }
    }

    /// The replay build of the fuzz targets, beside the CLI: `swift build` makes it (the test target does not
    /// depend on it, so `swift test` alone does not build it).
    static let fuzzBinary = URL(fileURLWithPath: CLIRunner.executable).deletingLastPathComponent().appendingPathComponent("twadvise-fuzz").path

    @Test("fuzz seeds and regressions replay through their targets without a crash",
          .enabled(if: FileListing.sourceTreePresent, "source tree not present"),
          .enabled(if: FileManager.default.isExecutableFile(atPath: fuzzBinary), "twadvise-fuzz is not built: run swift build first (.ci/run does)"))
    func fuzzReplay() throws {
        let binary = Self.fuzzBinary
        for target in ["rules", "expression", "proctcp", "sockstat", "counters", "sysctlconf", "sockettext", "commandoutput", "snapshotjson", "sosdir",
                       "escapemarkdown", "escapeprometheus", "gzip", "kernellog", "sysstat", "prometheusjson", "runbooks"] {
            var files: [String] = []
            for folder in ["Fuzz/corpus/\(target)", "Fuzz/regressions/\(target)"] {
                let path = PeerFixtures.packageRoot + "/" + folder
                files += ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).map { path + "/" + $0 }
            }
            #expect(!files.isEmpty, "\(target) has no seeds")
            let environment = ProcessInfo.processInfo.environment.merging(["TWADVISE_FUZZ_TARGET": target]) { _, new in new }
            let result = try CLIRunner.process(binary, files, environment: environment)
            #expect(result.status == 0, "\(target): \(result.stdout)\(result.stderr)")
        }
    }

    /// Runs twadvise with its address space limited to 1 GiB.
    static func limited(_ arguments: [String]) throws -> CLIRunner.Result {
        try CLIRunner.process("/bin/sh", ["-c", "ulimit -v 1048576 && exec \"$@\"", "sh", CLIRunner.executable] + arguments)
    }

    /// Sanitizer runtimes reserve terabytes of address space, so `ulimit -v` cannot apply to sanitized builds.
    static let sanitized: Bool = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "__asan_init") != nil
        || dlsym(UnsafeMutableRawPointer(bitPattern: 0), "__tsan_init") != nil

    @Test("a 1 GB adversarial socket table under ulimit -v 1 GiB, as /proc/net/tcp and as an ss capture: streamed in constant memory",
          .enabled(if: !HardeningTests.sanitized, "sanitizer builds cannot run under ulimit -v"))
    func gigabyteInput() throws {
        let tree = try Scenario.healthy.tree()
        let line = Array("   0: 0500000A:9C40 0900000A:01BB 06 00000000:00000000 03:00001234 00000000     0        0 0 3 0000000000000000\n".utf8)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: tree.path("proc/net/tcp")))
        try handle.seekToEnd()
        let chunk = Data((0..<80_000).flatMap { _ in line })
        for _ in 0..<(1 << 30) / chunk.count { try handle.write(contentsOf: chunk) }
        try handle.write(contentsOf: Data(repeating: UInt8(ascii: "x"), count: 64 << 20))  // and one 64 MB line
        try handle.close()
        try FileManager.default.createSymbolicLink(atPath: tree.path("ss.txt"), withDestinationPath: tree.path("proc/net/tcp"))
        let snapshot = try Self.limited(["snapshot", "--root", tree.root])
        #expect(snapshot.status == 0, "\(snapshot.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: snapshot.stdoutBytes) as? [String: Any])
        let sockets = try #require(object["sockets"] as? [String: Any])
        #expect((sockets["timeWait"] as? Int ?? 0) > 9_000_000)
        #expect(sockets["malformedLines"] as? Int == 1)
        // The same bytes as an ss capture: not ss output, so no TCP row, one clear line, exit 2, in bounded memory.
        let ss = try Self.limited(["diagnose", "--ss", tree.path("ss.txt")])
        #expect(ss.status == 2)
        #expect(ss.stderr.hasPrefix("twadvise: error: the captured output holds no readable fact: \(tree.path("ss.txt")):"))
        #expect(ss.stderr.hasSuffix(": line longer than 16384 bytes\n") && ss.stderr.split(separator: "\n").count == 1)
    }
}
