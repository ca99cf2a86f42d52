// swift-tools-version: 6.3
import PackageDescription

/// Strict settings applied uniformly to every target (see STYLE.md: swift-log's Package.swift).
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
        .target(
            name: "TWAdvise",
            dependencies: ["TWAdviseFacts", "TWAdviseEngine", "TWAdviseRunbooks"],
            swiftSettings: strictSettings,
            plugins: ["EmbedKnowledgeBase"]
        ),
        // Benchmarks against ss, netstat, wc and awk on the same host: `swift run -c release twadvise-bench`.
        .executableTarget(
            name: "twadvise-bench", dependencies: ["TWAdvise", "TWAdviseEngine", "TWAdviseFacts"],
            swiftSettings: strictSettings),
        // Build-time helper: turns rules/ and runbooks/ into generated Swift source for TWAdvise.
        .executableTarget(name: "twadvise-embed", path: "Sources/twadvise-embed"),
        .plugin(name: "EmbedKnowledgeBase", capability: .buildTool(), dependencies: ["twadvise-embed"]),
        .executableTarget(
            name: "twadvise",
            dependencies: ["TWAdvise", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strictSettings
        ),
        // Test helpers shared by the test targets: peer fixture location, temporary captured trees.
        .target(name: "TWAdviseTestSupport", path: "Tests/Support", swiftSettings: strictSettings),
        .testTarget(
            name: "TWAdviseFactsTests", dependencies: ["TWAdviseFacts", "TWAdviseTestSupport"],
            swiftSettings: strictSettings),
        .testTarget(
            name: "TWAdviseTests", dependencies: ["TWAdvise", "TWAdviseRunbooks", "TWAdviseTestSupport"],
            exclude: ["Golden"], swiftSettings: strictSettings),
        .testTarget(
            name: "TWAdviseEngineTests", dependencies: ["TWAdviseEngine"], exclude: ["Golden"],
            swiftSettings: strictSettings),
        .testTarget(
            name: "twadviseCLITests", dependencies: ["twadvise", "TWAdviseTestSupport"],
            swiftSettings: strictSettings),
    ],
    swiftLanguageModes: [.v6]
)
