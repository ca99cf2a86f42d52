// libFuzzer targets for every parser and loader that reads untrusted input. Build and run with
// `Fuzz/run.sh TARGET SECONDS` (swift build -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING).
// TWADVISE_FUZZ_TARGET picks the target; every input must parse or fail cleanly, never crash or hang.
import Foundation
import TWAdvise
import TWAdviseEngine
import TWAdviseFacts
import TWAdviseHistory
import TWAdvisePrometheus
import TWAdviseRunbooks

enum FuzzTarget: String, CaseIterable {
    case rules, expression, proctcp, sockstat, counters, sysctlconf, sockettext, commandoutput, snapshotjson, sosdir
    case escapemarkdown, escapeprometheus
    case gzip, kernellog, sysstat, prometheusjson
    case runbooks

    static let current: FuzzTarget = {
        let name = ProcessInfo.processInfo.environment["TWADVISE_FUZZ_TARGET"] ?? ""
        guard let target = FuzzTarget(rawValue: name) else {
            fatalError("set TWADVISE_FUZZ_TARGET to one of: \(allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return target
    }()

    /// 40 destinations with varied counts (enough rows for column-at-a-time evaluation), from a real snapshot.
    static let destinationFacts: FactValue = {
        var destinations: [DestinationLoad] = []
        for i in 0..<40 {
            destinations.append(DestinationLoad(localAddress: IPAddress(ipv4: 0x0A00_0005), remoteAddress: IPAddress(ipv4: 0x0A01_0000 + UInt32(i)),
                                                remotePort: 443 + i % 3, timeWait: i * 731 % 28_000, established: i % 7, synSent: i % 2, other: 0))
        }
        let table = SocketTable(sources: ["fuzz"], ipv4: StateCounts(), ipv6: StateCounts(), ephemeralRange: .kernelDefault,
                                listeningPorts: [22], timeWait: 300_000, outboundTimeWait: 300_000, destinationCount: 40, destinations: destinations)
        let snapshot = FactsSnapshot(origin: FactsOrigin(kind: .root, location: "fuzz"), host: HostInfo(hostname: "fuzz", kernel: KernelVersion(major: 6, minor: 1)),
                                     sysctls: Sysctls(values: ["net.ipv4.ip_local_port_range": .portRange(.kernelDefault)]), sockets: table)
        return snapshot.factValue
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
            // Differential: the condition, as such and over every destination, must come out the same a column
            // at a time and row by row.
            let text = String(decoding: bytes, as: UTF8.self).replacingBackslashesAndQuotes()
            let yaml = "rules:\n  - id: fuzz.expression\n    title: t\n    severity: low\n    condition: \"\(text)\"\n"
                + "  - id: fuzz.each\n    title: t\n    severity: low\n    for_each: d in sockets.destinations\n    condition: \"\(text)\"\n"
            let (set, _) = RuleSet.load([RuleSource(path: "e.yaml", text: yaml)], schema: HostFactSchema.schema)
            for facts in [FactValue.record([:]), Self.destinationFacts] {
                let fast = set.evaluate(facts, profile: false, vectorized: true).results.map(\.outcome)
                let slow = set.evaluate(facts, profile: false, vectorized: false).results.map(\.outcome)
                precondition(fast == slow, "vectorized and row-by-row evaluation disagree on '\(text)'")
            }
        case .proctcp:
            // Differential: kernel-layout lines decoded from the chunk, chunked oddly, must give what the
            // general line path gives for the whole input.
            func parse(chunk: Int, general: Bool) -> (SocketTable, Int, Int, [FactWarning]) {
                var aggregator = SocketAggregator(ephemeralRange: .kernelDefault, maxTrackedDestinations: 1000)
                var parser = ProcNetTCPParser(path: "tcp")
                parser.parse(bytes, chunk: chunk, generalOnly: general, into: &aggregator)
                let table = aggregator.finish(sources: ["tcp"], readIPv4: true, readIPv6: true, malformedLines: parser.malformedLines,
                                              topDestinations: 1000).0
                return (table, parser.sockets, parser.malformedLines, parser.warnings)
            }
            let reference = parse(chunk: max(bytes.count, 1), general: true)
            for chunk in [max(bytes.count, 1), 7, 150] {
                let fast = parse(chunk: chunk, general: false)
                precondition(fast.0 == reference.0 && fast.1 == reference.1 && fast.2 == reference.2 && fast.3 == reference.3,
                             "the fixed-layout path disagrees with the general path (chunks of \(chunk))")
            }
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
            // The --facts loader: whatever numbers a file carries (Int64.max counts, ports past 65535, NaN
            // seconds), what is accepted must be usable without a trap: derived quantities, the fact tree,
            // provenance, and writing it back.
            if let snapshot = try? FactsSnapshot.decode(json: Data(bytes)) {
                _ = snapshot.derived
                _ = snapshot.factValue
                _ = snapshot.provenance
                _ = snapshot.currentValues
                _ = try? snapshot.jsonData()
            }
        case .sosdir:
            Self.sosDirectory(bytes)
        case .runbooks:
            // A team's runbook section: it loads (its form, structure and commands checked) or fails with a
            // template error, within its bounds; one that loads is at most 64 KiB.
            let text = String(decoding: bytes, as: UTF8.self)
            do {
                _ = try RunbookTemplates(files: ["report.md": "# {{{host}}}\n\n{{#findings}}{{{body}}}{{/findings}}\n",
                                                 "team": "<!-- runbook: team.fuzz -->\n" + text])
                precondition(text.utf8.count <= 64 << 10, "a section over 64 KiB loaded")
            } catch {}
        case .escapemarkdown:
            // Markdown and HTML, the terminal: no markup, no line break, no invisible scalar gets through.
            let text = String(decoding: bytes, as: UTF8.self)
            let markdown = Escaping.html(Escaping.markdown(text))
            for scalar in markdown.unicodeScalars {
                precondition(scalar != "<" && scalar != ">" && !Escaping.isInvisible(scalar), "Markdown let U+\(String(scalar.value, radix: 16)) through")
            }
            let terminal = Escaping.terminalValue(text)
            precondition(!terminal.unicodeScalars.contains(where: Escaping.isInvisible), "a terminal value kept an invisible scalar")
            let view = Escaping.terminal(text + "\n" + text)
            precondition(!view.unicodeScalars.contains { Escaping.isInvisible($0) && $0 != "\n" && $0 != "\t" }, "terminal text kept a control")
            let cells = TerminalMarkdown.render("| a | b |\n|---|---|\n| \(markdown) | z |\n", color: false)
            precondition(cells.contains("z"), "a value split a terminal table")
        case .gzip:
            // Decompresses within its bound or fails cleanly; a bomb never passes the limit.
            if let out = try? Gzip.decompress(bytes, limit: 1 << 20) { precondition(out.count <= 1 << 20, "past the bound") }
        case .kernellog:
            // Every line is dated or not and classified or not, never a crash.
            for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).prefix(10_000) {
                _ = KernelLogLine(line)
                _ = KernelLogCatalogue.classify(line)
            }
        case .sysstat:
            // sar's text and sadf's CSV: every value kept is finite and not negative.
            for samples in [SysstatTextParser.parse(bytes, timeZone: TimeZone(identifier: "UTC")!), SysstatCSVParser.parse(bytes)] {
                for points in samples.points.values {
                    precondition(points.allSatisfy { $0.value.isFinite && $0.value >= 0 }, "a sysstat value is not a count")
                }
            }
        case .prometheusjson:
            // The API's answers: decoded or refused, every point finite.
            let data = Data(bytes)
            if let answer = try? PrometheusDecoding.matrix(data) {
                precondition(answer.value.allSatisfy { $0.points.allSatisfy { $0.value.isFinite } }, "a non-finite point was kept")
            }
            _ = try? PrometheusDecoding.vector(data)
            _ = try? PrometheusDecoding.strings(data)
        case .escapeprometheus:
            // A label value ends only where the writer ends it, and no sample line breaks.
            let value = String(decoding: bytes, as: UTF8.self)
            let text = PrometheusExposition.render([MetricFamily(name: "twadvise_fuzz", help: "fuzz", samples: [.init(labels: [.init("v", value), .init("w", "x")], value: 1)])])
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            precondition(lines.count == 4 && lines[3].isEmpty, "a label value broke the line")
            let sample = lines[2].unicodeScalars
            precondition(!sample.contains(where: Escaping.isInvisible), "a label value kept an invisible scalar")
            // Unescaped quotes: exactly the four that delimit the two values.
            var quotes = 0
            var escaped = false
            for scalar in sample {
                if escaped { escaped = false; continue }
                if scalar == "\\" { escaped = true; continue }
                if scalar == "\"" { quotes += 1 }
            }
            precondition(quotes == 4, "a label value forged a quote")
        }
    }

    /// The sosreport directory reader over a tree made from the input: entries `PATH\0CONTENT\0`, at most 64;
    /// a PATH starting with `@` is a symbolic link to CONTENT (inside the tree or out of it), one ending in
    /// `|` a FIFO. Paths are kept inside the temporary directory.
    static func sosDirectory(_ bytes: [UInt8]) {
        var template = Array("/tmp/twadvise-fuzz-sos-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else { return }
        let root = String(cString: made)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let top = root + "/sos"
        try? FileManager.default.createDirectory(atPath: top + "/sos_commands/networking", withIntermediateDirectories: true)
        let parts = bytes.split(separator: 0, omittingEmptySubsequences: false)
        var index = 0
        while index + 1 < parts.count, index < 128 {
            var path = String(decoding: parts[index], as: UTF8.self)
            let content = Array(parts[index + 1])
            index += 2
            let isLink = path.hasPrefix("@")
            let isFIFO = path.hasSuffix("|")
            if isLink { path.removeFirst() }
            if isFIFO { path.removeLast() }
            let components = path.split(separator: "/").filter { $0 != ".." && $0 != "." && !$0.isEmpty }
            guard !components.isEmpty, components.count < 12 else { continue }
            let full = top + "/" + components.joined(separator: "/")
            try? FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            if isLink {
                try? FileManager.default.createSymbolicLink(atPath: full, withDestinationPath: String(decoding: content, as: UTF8.self))
            } else if isFIFO {
                _ = mkfifo(full, 0o600)
            } else {
                _ = FileManager.default.createFile(atPath: full, contents: Data(content))
            }
        }
        guard let report = try? SosReport.open(top) else { return }
        let options = SnapshotReader.Options(topDestinations: 10)
        let host = report.hostSnapshot(options: options)
        _ = host.factValue
        for namespace in report.namespaces.prefix(8) {
            _ = report.namespaceSnapshot(namespace, host: host, options: options).factValue
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
