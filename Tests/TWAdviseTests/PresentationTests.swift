import Foundation
import Testing
import TWAdvise
import TWAdviseEngine
@testable import TWAdviseRunbooks
import TWAdviseTestSupport

/// Numbers, bars and sparklines for people, the terminal form of the runbook, and the merge of one rule's
/// sections over its subjects.
@Suite("Presentation")
struct PresentationTests {
    @Test("numbers: rates to three significant digits, no decimals from 100 up, integers as they are",
          arguments: [(243.5667, "244"), (13959.4299, "13959"), (837565.7954, "837566"), (2.3456, "2.35"), (0.012345, "0.0123"),
                      (27040, "27040"), (0.5, "0.5"), (99.96, "100"), (-2.3456, "-2.35"), (0, "0")])
    func numbers(value: Double, text: String) {
        #expect(Presentation.number(value) == text)
    }

    @Test("bars: eighths of a cell, clamped to the width; sparklines from zero to the highest reading")
    func bars() {
        #expect(Presentation.bar(0.958) == "█████████▋")
        #expect(Presentation.bar(1.7) == "██████████")
        #expect(Presentation.bar(0) == "")
        #expect(Presentation.bar(0.05, width: 10, pad: true) == "▌         ")
        #expect(Presentation.bar(.nan) == "")
        #expect(Presentation.sparkline([0, 1, 2, 3, 4, 5, 6, 7]) == "▁▂▃▄▅▆▇█")
        #expect(Presentation.sparkline([5, 5, 5]) == "███")
        #expect(Presentation.sparkline([0, 0]) == "▁▁")
        #expect(Presentation.sparkline([nil, 1, 3]) == " ▃█")
        // A small change of a large count is a small change: not ▁▄▇█.
        #expect(Presentation.sparkline([19_987, 19_990, 19_995, 19_998]) == "████")
        #expect(Presentation.percent(0.71) == "71%" && Presentation.percent(0.9583) == "95.8%")
    }

    @Test("watch: a bar per destination and sparklines of TIME_WAIT and new connections per second")
    func watchFrame() {
        let frame = WatchFrame(time: "10:00:05", timeWait: 27_300, outboundTimeWait: 27_300, inboundTimeWait: 0, established: 100,
                               usablePorts: 28_232, opensPerSecond: 455.25, timeWaitPerSecond: 454.8, findings: [],
                               destinations: [.init(label: "10.0.0.5 → 10.0.0.9:443", inUse: 27_400, timeWait: 27_300, share: 0.9705)],
                               timeWaitHistory: [20_000, 24_000, 27_300], opensHistory: [nil, 300, 455.25])
        let lines = frame.render().split(separator: "\n")
        #expect(lines[0] == "10:00:05  TIME_WAIT 27300 (out 27300, in 0)  ESTABLISHED 100  ports R 28232  opens/s 455  TIME_WAIT/s 455")
        #expect(lines[1] == "  last 3: TIME_WAIT ▆▇█ (20000-27300)  opens/s  ▆█ (300-455)")
        #expect(lines[3].hasSuffix("   97.1% █████████▊"))
    }

    static let sample = """
        # TWAdvise runbook for web\\_1

        | | |
        |---|---|
        | Verdict | **ACTION NEEDED NOW**: 1 critical |

        ## 1. CRITICAL: Ephemeral ports toward one destination are running out

        | Evidence | Value | Read from |
        |---|---|---|
        | U(D) / R | 95.8% █████████▋ | proc/net/tcp |

        Run `ss` on TIME\\_WAIT &lt;now&gt;; see [ip-sysctl](https://www.kernel.org/doc/html/latest/networking/ip-sysctl.html).

        ```sh
        sysctl -w net.ipv4.tcp_tw_reuse=1
        ```
        """

    @Test("terminal form with colour: bold headings, red CRITICAL, escapes and entities undone, tables aligned")
    func terminalWithColour() {
        let text = TerminalMarkdown.render(Self.sample, color: true)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "\u{1B}[1;4mTWAdvise runbook for web_1\u{1B}[0m")
        #expect(lines[2] == "  Verdict  \u{1B}[1m\u{1B}[1;31mACTION NEEDED NOW\u{1B}[0m\u{1B}[0m: 1 critical")
        #expect(lines[4] == "\u{1B}[1m1. \u{1B}[1;31mCRITICAL\u{1B}[0m: Ephemeral ports toward one destination are running out\u{1B}[0m")
        #expect(lines[6] == "\u{1B}[1m  Evidence  Value             Read from\u{1B}[0m")
        #expect(lines[7] == "  U(D) / R  95.8% █████████▋  proc/net/tcp")
        #expect(lines[9] == "Run ss on TIME_WAIT <now>; see ip-sysctl <https://www.kernel.org/doc/html/latest/networking/ip-sysctl.html>.")
        #expect(lines[11] == "    sysctl -w net.ipv4.tcp_tw_reuse=1")
    }

    @Test("terminal form under NO_COLOR: the same text without a single control sequence")
    func terminalWithoutColour() throws {
        let coloured = TerminalMarkdown.render(Self.sample, color: true)
        let plain = TerminalMarkdown.render(Self.sample, color: false)
        #expect(!plain.contains("\u{1B}"))
        #expect(coloured.contains("\u{1B}["))
        // Take the control sequences out of the coloured form: what is left is the plain form.
        let stripped = coloured.replacing(/\u{1B}\[[0-9;]*m/, with: "")
        #expect(stripped == plain)
        // The golden five-destination runbook: every escape undone, nothing but text.
        let markdown = try GoldenReportTests.render(.fiveDestinations).markdown
        let rendered = TerminalMarkdown.render(markdown, color: false)
        #expect(!rendered.contains("\\_") && !rendered.contains("\u{1B}") && rendered.contains("net.ipv4.tcp_max_tw_buckets"))
    }

    @Test("merging one rule's sections: shared text once, differing commands line by line, differing prose per subject")
    func merge() throws {
        func part(_ host: String, owner: String?) throws -> SectionMerge.Part {
            let ownerLine = owner.map { "The connections are made by \($0).\n\n" } ?? ""
            return SectionMerge.Part(label: host, plainLabel: host, steps: try SectionTemplate(parsing: """
                ### Why

                Shared explanation.

                ### Immediate steps

                \(ownerLine)```sh
                ss dst \(host)
                nstat -n
                ```

                ### Rollback

                ```sh
                cat > /etc/x.conf <<'CONF'
                key = \(host == "a" ? 1 : 2)
                CONF
                ```
                """, file: "test").render([:]))
        }
        let merged = SectionMerge.merge([try part("a", owner: "java"), try part("b", owner: nil), try part("c", owner: "java")])
        #expect(merged.markdown == """
            ### Why

            Shared explanation.

            ### Immediate steps

            For a, c:

            The connections are made by java.

            ```sh
            ss dst a
            ss dst b
            ss dst c
            nstat -n
            ```

            ### Rollback

            ```sh
            # a
            cat > /etc/x.conf <<'CONF'
            key = 1
            CONF
            # b
            cat > /etc/x.conf <<'CONF'
            key = 2
            CONF
            ```
            """)
    }

    @Test("a computed rate in a template's prose and commands reads rounded; addresses and versions stay")
    func roundedVars() throws {
        let finding = Finding(id: "x.y", title: "t", severity: .medium, score: 50,
                              evidence: [Evidence(label: "rate", value: "13959.4299", number: 13959.4299)],
                              vars: ["rate": .float(243.5667), "host": .string("10.0.0.9"), "version": .version(Version([4, 12])), "pool": .int(50)])
        let context = MarkdownReport.context(finding, rank: 1, current: [:])
        #expect(context["vars"] as? [String: String] == ["rate": "244", "host": "10.0.0.9", "version": "4.12", "pool": "50"])
        #expect(context["shell"] as? [String: String] == ["rate": "244", "host": "10.0.0.9", "version": "4.12", "pool": "50"])
        #expect(FindingGroup.cell(finding.evidence[0]) == "13959")
    }
}
