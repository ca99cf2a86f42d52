import Foundation
import Testing
import TWAdvise
@testable import TWAdviseRunbooks
import TWAdviseTestSupport

/// One escaping policy per output, applied by Unicode scalar: what an unprivileged user puts in a process,
/// cgroup, pod or namespace name cannot become HTML in a report, a forged Prometheus sample, or a fake line.
@Suite("Escaping by Unicode scalar")
struct EscapingTests {
    /// A delegated cgroup's name as an attacker writes it: U+0600 joins the `<` into its grapheme, U+0301
    /// joins into the `>`'s.
    static let cgroupName = "x\u{0600}<img src=x onerror=alert(1)>\u{0301}.service"

    @Test("HTML hidden in a grapheme with a prepended or combining scalar is escaped")
    func htmlInGraphemes() throws {
        let escaped = Escaping.html(Escaping.markdown(Self.cgroupName))
        #expect(!escaped.unicodeScalars.contains("<") && !escaped.unicodeScalars.contains(">"))
        // Searched by scalar: as Characters, "&gt;" followed by U+0301 is not "&gt;".
        #expect(Self.containsScalars(escaped, "&lt;img") && Self.containsScalars(escaped, "&gt;\u{0301}"))
        #expect(escaped.contains("⟨U+0600⟩"), "the prepended number sign is made visible")

        // Through a whole report: the host name is the attacker's value.
        var files = Scenario.clientExhaustion.files
        files["proc/sys/kernel/hostname"] = Self.cgroupName + "\n"
        let tree = try TemporaryTree(files)
        let markdown = try ScenarioTests.advisor.diagnose(SnapshotReader(source: FactSource(root: tree.root)).read()).markdown()
        #expect(!markdown.contains("<img"))
        #expect(!markdown.unicodeScalars.contains("\u{0600}"))
    }

    @Test("a value that would start a Markdown block where it begins a line is escaped", arguments: [
        ("# heading", "\\# heading"),
        ("=====", "\\====="),
        ("- item", "\\- item"),
        ("+ item", "\\+ item"),
        ("12. item", "12\\. item"),
        ("3) item", "3\\) item"),
        ("---", "\\---"),
        ("a-b #1 2.5", "a-b #1 2.5"),  // inside a value, nothing starts a block
        ("1.5", "1.5"), ("-3", "-3"), ("-", "\\-"), ("+1", "+1"), ("2)x", "2)x"),
        ("\u{F8F0}x\u{F8F1}", "⟨U+F8F0⟩x⟨U+F8F1⟩"),  // a runbook's own markers cannot be forged
    ])
    func blockStarts(_ value: String, escaped: String) {
        #expect(Escaping.markdown(value) == escaped)
    }

    @Test("Prometheus labels: CRLF as one Character, a quote behind U+0600, ESC and BEL cannot break the file")
    func prometheusLabels() throws {
        let subjects = ["a\r\nb{x=\"1\"} 9", "\u{0600}\"injected=\"1", "bell\u{07}esc\u{1B}[31m", "zw\u{200B}bidi\u{202E}"]
        var files = Scenario.clientExhaustion.files
        files["proc/sys/kernel/hostname"] = "h\n"
        let tree = try TemporaryTree(files)
        let snapshot = SnapshotReader(source: FactSource(root: tree.root)).read()
        let findings = subjects.map { Finding(id: "team.x", title: "t", severity: .high, score: 1, subject: $0) }
        let text = PrometheusText.render(snapshot, findings: findings, timestamp: 1_700_000_000)
        #expect(!text.unicodeScalars.contains("\r") && !text.unicodeScalars.contains("\u{1B}") && !text.unicodeScalars.contains("\u{07}"))
        #expect(!text.unicodeScalars.contains("\u{200B}") && !text.unicodeScalars.contains("\u{202E}"))
        // Every sample line is one metric: no label value ends its line or opens another sample.
        for line in text.split(separator: "\n") where line.hasPrefix("twadvise_finding{") {
            #expect(line.hasSuffix("} 1"), "\(line)")
        }
        #expect(Self.containsScalars(text, #"subject="⟨U+0600⟩\"injected=\"1"}"#))
        if let promtool = Promtool.path {
            let file = try TemporaryTree(["t.prom": text])
            let result = try CLIRunner.process(promtool, ["check", "metrics"], stdin: Data(text.utf8), directory: file.root)
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        }
    }

    @Test("a value cannot add lines to the watch view; zero-width and bidi characters are visible")
    func terminalLines() {
        let frame = WatchFrame(time: "10:00:00", timeWait: 1, outboundTimeWait: 1, inboundTimeWait: 0, established: 0,
                               usablePorts: 100, opensPerSecond: nil, timeWaitPerSecond: nil,
                               findings: [Finding(id: "team.x", title: "t", severity: .high, score: 1, subject: "x\n\n09:41:00 OK")],
                               destinations: [.init(label: "a\u{202E}b\u{200B}", inUse: 1, timeWait: 1, share: 0.01)])
        let lines = frame.render().split(separator: "\n", omittingEmptySubsequences: false)
        #expect(!lines.contains { $0.hasPrefix("09:41:00") })
        #expect(lines.contains { $0.contains("x⟨U+000A⟩⟨U+000A⟩09:41:00 OK") })
        #expect(lines.contains { $0.contains("a⟨U+202E⟩b⟨U+200B⟩") })
    }

    @Test("a terminal table splits cells at every '|' scalar, joined into a grapheme or not")
    func terminalCells() throws {
        let markdown = "| a | b |\n|---|---|\n| x\u{0600}\\| y | z |\n"
        let rendered = TerminalMarkdown.render(markdown, color: false)
        #expect(rendered.contains("z"))
        #expect(rendered.split(separator: "\n").contains { $0.contains("y") && $0.contains("z") })
    }

    /// Whether `text` holds `part` scalar for scalar.
    static func containsScalars(_ text: String, _ part: String) -> Bool {
        let t = Array(text.unicodeScalars), p = Array(part.unicodeScalars)
        guard !p.isEmpty, t.count >= p.count else { return p.isEmpty }
        return (0...(t.count - p.count)).contains { Array(t[$0..<($0 + p.count)]) == p }
    }

    /// Strings of scalars an attacker would pick: markup, quotes, controls, format and combining characters,
    /// separators, and any other scalar.
    static func randomStrings(count: Int, seed: UInt64) -> [String] {
        var rng = SeededRandom(seed: seed)
        let pool: [UInt32] = [0x3C, 0x3E, 0x26, 0x22, 0x5C, 0x7C, 0x60, 0x0A, 0x0D, 0x09, 0x1B, 0x07, 0x7F, 0x85, 0x9B,
                              0x0600, 0x0301, 0x200B, 0x200D, 0x200E, 0x202E, 0x2066, 0x2028, 0x2029, 0xFEFF, 0x061C, 0xE9]
        return (0..<count).map { _ in
            var scalars = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0...24, using: &rng) {
                let value = Bool.random(using: &rng) ? pool.randomElement(using: &rng)! : UInt32.random(in: 0...0x10FFFF, using: &rng)
                if let scalar = Unicode.Scalar(value) { scalars.append(scalar) }
            }
            return String(scalars)
        }
    }

    @Test("property: a terminal shows a visible value as it was, whatever Markdown escaped in it")
    func terminalRoundTrip() {
        var rng = SeededRandom(seed: 0x7E21)
        // Scalars Markdown escapes or reads as structure, a combining scalar to join them, letters and digits.
        let pool = Array("\\`*_[]|~#=-+.)(<>&! 1aZ9".unicodeScalars) + ["\u{0301}", "é"]
        for _ in 0..<2_000 {
            var scalars = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0...16, using: &rng) { scalars.append(pool.randomElement(using: &rng)!) }
            let value = String(scalars)
            let shown = TerminalMarkdown.inline(MarkdownReport.host(value), color: false)
            // Only a value that makes bold (`**`), code or a link of its own could differ; escaping rules them out.
            #expect(shown.unicodeScalars.elementsEqual(value.unicodeScalars), "\(value.unicodeScalars.map(\.value)) shown as \(shown.unicodeScalars.map(\.value))")
        }
    }

    @Test("property: over random Unicode, no escaper lets through markup, a line break or an invisible scalar")
    func property() throws {
        let strings = Self.randomStrings(count: 3000, seed: 0x7A11)
        for s in strings {
            let markdown = Escaping.html(Escaping.markdown(s))
            #expect(!markdown.unicodeScalars.contains { $0 == "<" || $0 == ">" || Escaping.isInvisible($0) }, "\(s.unicodeScalars.map(\.value))")
            let terminal = Escaping.terminalValue(s)
            #expect(!terminal.unicodeScalars.contains(where: Escaping.isInvisible))
            let label = Escaping.prometheusLabel(s)
            #expect(!label.unicodeScalars.contains(where: Escaping.isInvisible))
            // Every quote is escaped: a label value ends only where the writer ends it.
            var escaped = false
            for scalar in label.unicodeScalars {
                if escaped { escaped = false; continue }
                if scalar == "\\" { escaped = true; continue }
                #expect(scalar != "\"", "\(label)")
            }
        }
    }

    @Test("property: a Prometheus text file with any label values passes promtool check metrics",
          .enabled(if: Promtool.path != nil, "promtool not installed (.ci/run installs Debian's prometheus package)"))
    func promtoolAcceptsAnyLabel() throws {
        let labels = Self.randomStrings(count: 400, seed: 0xBEEF)
        let family = MetricFamily(name: "twadvise_property", help: "Random label values.",
                                  samples: labels.enumerated().map { i, value in
                                      .init(labels: [.init("i", String(i)), .init("value", value)], value: Double(i))
                                  })
        let text = PrometheusExposition.render([family])
        let result = try CLIRunner.process(Promtool.path!, ["check", "metrics"], stdin: Data(text.utf8), directory: NSTemporaryDirectory())
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    }
}
