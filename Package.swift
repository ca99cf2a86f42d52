// swift-tools-version: 6.3
import PackageDescription

#if canImport(Foundation)
import Foundation
/// `Fuzz/run.sh` sets TWADVISE_FUZZ=1 for its `-sanitize=fuzzer` build (see the targets it changes below).
let fuzzing = ProcessInfo.processInfo.environment["TWADVISE_FUZZ"] != nil
#else
let fuzzing = false
#endif

/// Strict settings applied uniformly to every target, as swift-log's Package.swift does.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "TWAdvise",
    products: [
        .library(name: "TWAdvise", targets: ["TWAdvise"]),
        .library(name: "TWAdviseEngine", targets: ["TWAdviseEngine"]),
        .library(name: "TWAdviseFacts", targets: ["TWAdviseFacts"]),
        .executable(name: "twadvise", targets: ["twadvise"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.0.0"),
        // `swift package generate-documentation --target TWAdvise` builds the DocC catalog (CI does).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin.git", from: "1.4.0"),
    ],
    targets: [
        .target(name: "TWAdviseFacts", swiftSettings: strictSettings),
        .target(
            name: "TWAdviseEngine",
            dependencies: [.product(name: "Yams", package: "Yams")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "TWAdviseRunbooks",
            dependencies: ["TWAdviseEngine", .product(name: "Mustache", package: "swift-mustache")],
            swiftSettings: strictSettings
        ),
        // What a host kept of its past: kernel log and sysstat files (a tree, a sosreport or the live host).
        .target(name: "TWAdviseHistory", dependencies: ["TWAdviseFacts"], swiftSettings: strictSettings),
        // Prometheus history of one instance and the fleet ranking, over the HTTP API.
        .target(name: "TWAdvisePrometheus", dependencies: ["TWAdviseHistory", "CTWAdviseCurl"], swiftSettings: strictSettings),
        // Its HTTP exchange: libcurl loaded at run time with dlopen (C for curl_easy_setopt's variadic calls).
        .target(name: "CTWAdviseCurl"),
        // The flight recorder's store: SQLite, loaded at run time from the system's libsqlite3.so.0.
        .target(name: "TWAdviseRecorder", dependencies: ["TWAdviseHistory", "TWAdviseFacts"], swiftSettings: strictSettings),
        .target(
            name: "TWAdvise",
            dependencies: ["TWAdviseFacts", "TWAdviseEngine", "TWAdviseRunbooks", "TWAdviseHistory", "TWAdvisePrometheus",
                           "TWAdviseRecorder"],
            // A fuzzing build instruments every executable, the plugin's build tool included; it leaves the
            // knowledge base out instead (the fuzz targets do not need it).
            swiftSettings: strictSettings + (fuzzing ? [.define("TWADVISE_NO_EMBEDDED_KNOWLEDGE")] : []),
            plugins: fuzzing ? [] : ["EmbedKnowledgeBase"]
        ),
        // Benchmarks against ss, netstat, wc and awk on the same host: `swift run -c release twadvise-bench`.
        .executableTarget(
            name: "twadvise-bench", dependencies: ["TWAdvise", "TWAdviseEngine", "TWAdviseFacts", "TWAdviseRecorder", "TWAdviseRunbooks", "TWAdviseTestSupport"],
            swiftSettings: strictSettings),
        // libFuzzer targets (Fuzz/run.sh builds them with -sanitize=fuzzer); a plain build replays inputs.
        .executableTarget(
            name: "twadvise-fuzz", dependencies: ["TWAdvise", "TWAdviseEngine", "TWAdviseFacts", "TWAdviseRunbooks", "TWAdviseHistory",
                                                   "TWAdvisePrometheus"],
            swiftSettings: fuzzing ? [.define("FUZZING")] : []),
        // The README's embedding example, exactly (a test compares the two; CI builds and runs it).
        .executableTarget(name: "twadvise-embedding-example", dependencies: ["TWAdvise"], path: "Examples/Embedding",
                          swiftSettings: strictSettings),
        // Build-time helper: turns rules/ and runbooks/ into generated Swift source for TWAdvise.
        // It parses the rules' YAML once, at build time (a syntax error fails the build, naming the line).
        .executableTarget(name: "twadvise-embed", dependencies: ["TWAdviseEngine"], path: "Sources/twadvise-embed"),
        .plugin(name: "EmbedKnowledgeBase", capability: .buildTool(), dependencies: ["twadvise-embed"]),
        .executableTarget(
            name: "twadvise",
            dependencies: ["TWAdvise", "TWAdviseHistory", "TWAdvisePrometheus", "TWAdviseRecorder",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strictSettings
        ),
        // Test helpers shared by the test targets: peer fixture location, temporary captured trees.
        .target(name: "TWAdviseTestSupport", path: "Tests/Support", swiftSettings: strictSettings),
        .testTarget(
            name: "TWAdviseFactsTests", dependencies: ["TWAdviseFacts", "TWAdviseTestSupport"],
            swiftSettings: strictSettings),
        .testTarget(
            name: "TWAdviseTests", dependencies: ["TWAdvise", "TWAdviseRunbooks", "TWAdviseHistory", "TWAdviseRecorder", "TWAdviseTestSupport"],
            exclude: ["Golden"], swiftSettings: strictSettings),
        .testTarget(
            name: "TWAdviseEngineTests", dependencies: ["TWAdviseEngine", "TWAdviseTestSupport"], exclude: ["Golden"],
            swiftSettings: strictSettings),
        .testTarget(
            name: "TWAdviseHistoryTests", dependencies: ["TWAdviseHistory", "TWAdviseFacts", "TWAdviseTestSupport"],
            swiftSettings: strictSettings),
        .testTarget(
            name: "TWAdvisePrometheusTests", dependencies: ["TWAdvisePrometheus", "TWAdviseTestSupport", "twadvise"],
            swiftSettings: strictSettings),
        .testTarget(
            name: "TWAdviseRecorderTests", dependencies: ["TWAdviseRecorder", "TWAdviseTestSupport"],
            swiftSettings: strictSettings),
        .testTarget(
            name: "twadviseCLITests", dependencies: ["twadvise", "TWAdviseFacts", "TWAdviseTestSupport"],
            swiftSettings: strictSettings),
    ],
    swiftLanguageModes: [.v6]
)
