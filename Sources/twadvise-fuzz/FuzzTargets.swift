// libFuzzer targets for every parser and loader that reads untrusted input. Build and run with
// `Fuzz/run.sh TARGET SECONDS` (swift build -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING).
// TWADVISE_FUZZ_TARGET picks the target; every input must parse or fail cleanly, never crash or hang.
import Foundation
import TWAdvise
import TWAdviseEngine
import TWAdviseFacts

enum FuzzTarget: String, CaseIterable {
    case rules, expression, proctcp, sockstat, counters, sysctlconf, sockettext, commandoutput, snapshotjson

    static let current: FuzzTarget = {
        let name = ProcessInfo.processInfo.environment["TWADVISE_FUZZ_TARGET"] ?? ""
        guard let target = FuzzTarget(rawValue: name) else {
            fatalError("set TWADVISE_FUZZ_TARGET to one of: \(allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return target
    }()

    func run(_ bytes: [UInt8]) {
        var warnings: [FactWarning] = []
        switch self {
        case .rules:
            let text = String(decoding: bytes, as: UTF8.self)
            let (set, _) = RuleSet.load([RuleSource(path: "fuzz.yaml", text: text)], schema: HostFactSchema.schema)
            _ = set.runTests()
            _ = set.evaluate(.record([:]))
        case .expression:
            let text = String(decoding: bytes, as: UTF8.self)
            let yaml = "rules:\n  - id: fuzz.expression\n    title: t\n    severity: low\n    condition: \"\(text.replacingBackslashesAndQuotes())\"\n"
            let (set, _) = RuleSet.load([RuleSource(path: "e.yaml", text: yaml)], schema: HostFactSchema.schema)
            _ = set.evaluate(.record([:]))
        case .proctcp:
            var aggregator = SocketAggregator(ephemeralRange: .kernelDefault, maxTrackedDestinations: 1000)
            var parser = ProcNetTCPParser(path: "tcp")
            parser.parse(bytes, into: &aggregator)
            _ = aggregator.finish(sources: ["tcp"], readIPv4: true, readIPv6: true, malformedLines: parser.malformedLines, topDestinations: 10)
        case .sockstat:
            _ = SockstatParser.parse(bytes, path: "s", warnings: &warnings)
        case .counters:
            _ = CounterTableParser.parse(bytes, path: "n", warnings: &warnings)
            _ = ConntrackStatParser.parse(bytes, path: "c", warnings: &warnings)
        case .sysctlconf:
            _ = SysctlConfParser.parse(bytes, file: "f", warnings: &warnings)
            for kind in [SysctlKey.Kind.integer, .portRange, .portSet] { _ = SysctlValueParser.parse(bytes[...], kind: kind) }
        case .sockettext:
            var aggregator = SocketAggregator(ephemeralRange: .kernelDefault, maxTrackedDestinations: 1000)
            var parser = SocketTextParser(path: "ss")
            parser.parse(bytes, into: &aggregator)
            _ = aggregator.finish(sources: ["ss"], readIPv4: true, readIPv6: true, malformedLines: 0, topDestinations: 10)
        case .commandoutput:
            _ = SysctlOutputParser.parse(bytes, path: "a", warnings: &warnings)
            _ = NstatParser.parse(bytes, path: "n", warnings: &warnings)
            _ = NetstatStatisticsParser.parse(bytes, path: "s", warnings: &warnings)
        case .snapshotjson:
            if let snapshot = try? FactsSnapshot.decode(json: Data(bytes)) {
                _ = snapshot.factValue
                _ = try? snapshot.jsonData()
            }
        }
    }
}

extension String {
    func replacingBackslashesAndQuotes() -> String {
        String(flatMap { c -> [Character] in c == "\\" ? ["\\", "\\"] : c == "\"" ? ["\\", "\""] : c == "\n" ? [" "] : [c] })
    }
}

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { FuzzTarget.current.run([]); return 0 }
    FuzzTarget.current.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// SwiftPM links an executable's entry point as `<target>_main`; here it hands over to libFuzzer's driver.
@_cdecl("twadvise_fuzz_main")
public func twadviseFuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var vector = argv
    return LLVMFuzzerRunDriver(&count, &vector, fuzzOneInput)
}
#else
@main
struct FuzzMain {
    /// Without -DFUZZING: run every file named on the command line through a target, as a regression check.
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        guard !arguments.isEmpty else {
            print("usage: TWADVISE_FUZZ_TARGET=NAME twadvise-fuzz FILE... (build with Fuzz/run.sh for libFuzzer)")
            return
        }
        for path in arguments {
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            FuzzTarget.current.run(Array(data))
        }
        print("\(arguments.count) inputs ran cleanly through \(FuzzTarget.current.rawValue)")
    }
}
#endif
