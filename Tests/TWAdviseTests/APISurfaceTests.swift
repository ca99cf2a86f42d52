import Foundation
import Testing
import TWAdviseTestSupport

/// What `import TWAdvise` gives an embedder (issue 22): the public symbols of TWAdvise and TWAdviseFacts are
/// the list in docs/api-surface.txt, and the DocC catalog's and README's examples compile against the public
/// surface alone. Machinery is `package`; making something public, or no longer public, is a change of the
/// list, made on purpose (`TWADVISE_RECORD=1 swift test --filter APISurface`, then review the diff).
@Suite("API surface", .enabled(if: SurfaceToolchain.found != nil, "swift-symbolgraph-extract, swiftc or the built modules not found"))
struct APISurfaceTests {
    /// The modules whose public symbols are pinned (TWAdviseEngine is meant for embedders as a whole).
    static let modules = ["TWAdvise", "TWAdviseFacts"]
    static let listPath = PeerFixtures.packageRoot + "/docs/api-surface.txt"

    /// One line per public symbol: module (with the module it extends, if any), kind, and path with argument
    /// labels, sorted. Members a protocol's extension gives (`!=`, `map`) are not the module's own and are left out.
    static func publicSymbols(_ toolchain: SurfaceToolchain.Toolchain) throws -> [String] {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("twadvise-api-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: output) }
        for module in modules {
            let result = try CLIRunner.process(toolchain.symbolGraphExtract, [
                "-module-name", module, "-I", toolchain.buildDirectory + "/Modules",
                "-module-cache-path", toolchain.buildDirectory + "/ModuleCache",
                "-minimum-access-level", "public", "-skip-synthesized-members", "-output-dir", output,
            ] + toolchain.moduleMapArguments)
            guard result.status == 0 else { throw SurfaceError(message: "swift-symbolgraph-extract \(module): \(result.stderr)") }
        }
        var lines: [String] = []
        for file in try FileManager.default.contentsOfDirectory(atPath: output) where file.hasSuffix(".symbols.json") {
            // `TWAdvise@TWAdviseFacts.symbols.json`: TWAdvise's public extensions of TWAdviseFacts's types.
            let module = String(file.dropLast(".symbols.json".count)).replacing("@", with: " extends ")
            let data = try Data(contentsOf: URL(fileURLWithPath: output + "/" + file))
            let graph = try JSONDecoder().decode(SymbolGraph.self, from: data)
            for symbol in graph.symbols {
                let kind = symbol.kind.identifier.replacing("swift.", with: "")
                lines.append("\(module)  \(kind)  \(symbol.pathComponents.joined(separator: "."))")
            }
        }
        return lines.sorted()
    }

    struct SymbolGraph: Decodable {
        struct Symbol: Decodable {
            struct Kind: Decodable { var identifier: String }
            var kind: Kind
            var pathComponents: [String]
        }
        var symbols: [Symbol]
    }

    struct SurfaceError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    static let header = """
        # The public API of the TWAdvise and TWAdviseFacts modules: module, kind, symbol.
        # Kept by Tests/TWAdviseTests/APISurfaceTests.swift; after a deliberate change of the public API, record it
        # with `TWADVISE_RECORD=1 swift test --filter APISurface` and review the diff. Machinery is `package`.

        """

    @Test("the public symbols of TWAdvise and TWAdviseFacts are those listed in docs/api-surface.txt")
    func publicSymbolsAreListed() throws {
        let toolchain = try #require(SurfaceToolchain.found)
        let actual = try Self.publicSymbols(toolchain)
        #expect(!actual.isEmpty)
        if Golden.recording {
            try (Self.header + actual.joined(separator: "\n") + "\n").write(toFile: Self.listPath, atomically: true, encoding: .utf8)
            Issue.record("recorded \(Self.listPath): review the diff, then run again without TWADVISE_RECORD")
            return
        }
        let text = try String(contentsOfFile: Self.listPath, encoding: .utf8)
        let listed = text.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") && !$0.isEmpty }
        let added = Set(actual).subtracting(listed).sorted()
        let removed = Set(listed).subtracting(actual).sorted()
        #expect(added.isEmpty && removed.isEmpty, """
            the public API changed; make machinery `package`, or, if the change is meant, record the list with \
            TWADVISE_RECORD=1 and review it
            public but not listed:
            \(added.map { "  + " + $0 }.joined(separator: "\n"))
            listed but not public:
            \(removed.map { "  - " + $0 }.joined(separator: "\n"))
            """)
        let sortedOnce = listed == actual  // a Bool, so that a failure does not print both lists whole
        #expect(!(added.isEmpty && removed.isEmpty) || sortedOnce, "docs/api-surface.txt is not sorted or has duplicates: record it with TWADVISE_RECORD=1")
    }

    /// Every Swift example of the DocC catalog and the README's embedding example, each in a function of its
    /// own (they reuse names); the names they leave to the reader (`yaml`) are declared first.
    static func examplesClient() throws -> String {
        var imports: Set<String> = []
        var bodies: [String] = []
        for document in ["Sources/TWAdvise/TWAdvise.docc/GettingStarted.md", "README.md"] {
            let text = try String(contentsOfFile: PeerFixtures.packageRoot + "/" + document, encoding: .utf8)
            for block in text.components(separatedBy: "```swift\n").dropFirst().compactMap({ $0.components(separatedBy: "```").first }) {
                if block.hasPrefix("// Package.swift") { continue }  // the manifest, not library code
                var body: [Substring] = []
                for line in block.split(separator: "\n", omittingEmptySubsequences: false) {
                    if line.hasPrefix("import ") { imports.insert(String(line.split(separator: " ")[1])) } else { body.append(line) }
                }
                bodies.append(body.joined(separator: "\n"))
            }
        }
        var client = imports.sorted().map { "import \($0)\n" }.joined()
        client += "\nlet yaml = \"rules: []\"\n"
        for (index, body) in bodies.enumerated() {
            client += "\nfunc example\(index)() throws {\n\(body)\n_ = 0\n}\n"
        }
        return client
    }

    @Test("the DocC catalog's and README's examples compile against the public surface alone (no package access)")
    func examplesCompile() throws {
        let toolchain = try #require(SurfaceToolchain.found)
        let client = try Self.examplesClient()
        #expect(client.contains("import TWAdvise\n") && client.contains("Advisor("), "no example found:\n\(client)")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("twadvise-client-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/Client.swift"
        try client.write(toFile: file, atomically: true, encoding: .utf8)
        // No -package-name: like another package, the client sees public declarations only. Warnings (an
        // unused `let` of an example) do not matter; errors do.
        let result = try CLIRunner.process(toolchain.swiftc, [
            "-typecheck", "-swift-version", "6", "-I", toolchain.buildDirectory + "/Modules",
            "-module-cache-path", toolchain.buildDirectory + "/ModuleCache", "-suppress-warnings", file,
        ] + toolchain.moduleMapArguments)
        #expect(result.status == 0, "the examples do not compile against the public API:\n\(result.stderr)\n\(client)")
    }
}

/// The built modules and the toolchain's tools the surface tests run.
enum SurfaceToolchain {
    /// The built modules and the toolchain's tools, when all are there.
    struct Toolchain {
        var symbolGraphExtract: String
        var swiftc: String
        /// `.build/<triple>/debug`: `Modules/` and `ModuleCache/`.
        var buildDirectory: String
        /// The C modules' maps loading TWAdvise needs: Yams's (under TWAdviseEngine) and the HTTP shim's (under
        /// TWAdvisePrometheus), each generated or checked out by the build.
        var moduleMaps: [String]

        var moduleMapArguments: [String] { moduleMaps.flatMap { ["-Xcc", "-fmodule-map-file=" + $0] } }
    }

    static let found: Toolchain? = {
        guard FileListing.sourceTreePresent else { return nil }
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":").map(String.init) + ["/opt/swift/usr/bin"]
        // Both tools from one toolchain, the first on PATH that has them: the one `swift test` runs from.
        let bin = path.first { directory in
            ["swift-symbolgraph-extract", "swiftc"].allSatisfy { FileManager.default.isExecutableFile(atPath: directory + "/" + $0) }
        }
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [beside, URL(fileURLWithPath: PeerFixtures.packageRoot + "/.build/debug")]
        guard let build = candidates.first(where: {
            FileManager.default.fileExists(atPath: $0.appendingPathComponent("Modules/TWAdvise.swiftmodule").path)
        }) else { return nil }
        // `.build/debug` is a link to `.build/<triple>/debug`: the module cache must be named by one path only.
        let real = build.resolvingSymlinksInPath()
        // <scratch>/<triple>/debug → <scratch>/checkouts; the package's own .build otherwise.
        let scratch = real.deletingLastPathComponent().deletingLastPathComponent()
        let maps = [scratch.path, PeerFixtures.packageRoot + "/.build"].map { $0 + "/checkouts/Yams/Sources/CYaml/include/module.modulemap" }
        let curl = real.path + "/CTWAdviseCurl.build/module.modulemap"
        guard let bin, let map = maps.first(where: { FileManager.default.fileExists(atPath: $0) }),
              FileManager.default.fileExists(atPath: curl) else { return nil }
        return Toolchain(symbolGraphExtract: bin + "/swift-symbolgraph-extract", swiftc: bin + "/swiftc", buildDirectory: real.path,
                         moduleMaps: [map, curl])
    }()
}
