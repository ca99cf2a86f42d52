import Foundation
import Testing
@testable import TWAdvise
import TWAdviseFacts
@testable import TWAdviseRunbooks
import TWAdviseTestSupport

/// The report as one typed document: the Markdown runbook and the terminal's view are its two renderings.
@Suite("The report document")
struct ReportDocumentTests {
    @Test("each golden runbook reads into blocks that print back byte for byte")
    func goldensRoundTrip() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".md") }.sorted()
        #expect(names.count == 10)
        for name in names {
            let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            #expect(ReportDocument(markdown: text).markdown == text, "\(name)")
        }
    }

    @Test("Markdown read into blocks: headings, a table with an empty header, a list with a continuation, code, a rule")
    func blocks() {
        let document = ReportDocument(markdown: """
            # Title

            | | |
            |---|---|
            | Host | web\\|1 |
            | Empty |  |

            - one
              more of one
            - two
            ```sh
            sysctl -w a=1

            echo b
            ```
            ---
            text
            ## Next
            """)
        #expect(document.blocks == [
            .heading(level: 1, text: "Title"),
            .table(ReportTable(header: ["", ""], rows: [["Host", "web\\|1"], ["Empty", ""]])),
            .list([["one", "more of one"], ["two"]]),
            .code(RunbookCode(language: "sh", lines: [RunbookCode.Line("sysctl -w a=1"), RunbookCode.Line(""), RunbookCode.Line("echo b")])),
            .rule,
            .paragraph(["text"]),
            .heading(level: 2, text: "Next"),
        ])
    }

    @Test("a finding's runbook is in the document as the typed blocks it was built as, not read back from Markdown")
    func stepsStayTyped() throws {
        let (snapshot, _) = try GoldenShapesTests.snapshot(.clientExhaustion)
        let diagnosis = ScenarioTests.advisor.diagnose(snapshot)
        let document = try diagnosis.document()
        let codes = document.blocks.compactMap { block -> RunbookCode? in if case .code(let code) = block { code } else { nil } }
        // A block that writes a file (a here-document) and a line that changes the host's /etc/sysctl.d are
        // what the section template declared: Markdown read back knows neither.
        #expect(codes.contains { $0.writesFile })
        #expect(codes.contains { $0.lines.contains(where: \.changesHostFiles) })
        #expect(!ReportDocument(markdown: document.markdown).blocks.contains { if case .code(let c) = $0 { c.writesFile } else { false } })
        #expect(document.markdown == (try diagnosis.markdown()))
    }

    @Test("the terminal's view and the Markdown are of one document: the same blocks, in the same order")
    func oneDocumentTwoRenderings() throws {
        let (snapshot, _) = try GoldenShapesTests.snapshot(.fiveDestinations)
        let diagnosis = ScenarioTests.advisor.diagnose(snapshot)
        let document = try diagnosis.document()
        #expect(try Diagnosis.terminal([diagnosis], color: false) == document.terminal(color: false))
        #expect(document.terminal(color: false).components(separatedBy: "\n\n").count == document.blocks.count)
    }

    @Test("a | in a cell that nothing escapes (rule text as written) is escaped, so the row keeps its cells")
    func barsInCells() {
        let table = ReportTable(header: ["Evidence", "Value"], rows: [["default (|tcp_ehash_entries| / 2)", "131072"], ["web\\|1", "2"]])
        #expect(table.markdown == "| Evidence | Value |\n|---|---|\n| default (\\|tcp_ehash_entries\\| / 2) | 131072 |\n| web\\|1 | 2 |")
        #expect(ReportDocument(markdown: table.markdown).blocks == [.table(ReportTable(header: ["Evidence", "Value"],
            rows: [["default (\\|tcp_ehash_entries\\| / 2)", "131072"], ["web\\|1", "2"]]))])
        #expect(ReportBlock.table(table).terminal(color: false).contains("default (|tcp_ehash_entries| / 2)  131072"))
    }

    @Test("a placeholder-looking host value is text, never a spliced block; a frame with the body inside a line still gets it")
    func placeholdersCannotBeForged() throws {
        var spliced = MarkdownReport.Spliced()
        let stand = spliced.placeholder(for: [.code(RunbookCode(language: "sh", lines: [RunbookCode.Line("echo spliced")]))])
        let forged = "\u{F8FF}abc-0\u{F8FF}"
        let document = spliced.document("# Report\n\n\(forged)\n\n\(stand)\n")
        #expect(document.blocks == [.heading(level: 1, text: "Report"), .paragraph([forged]),
                                    .code(RunbookCode(language: "sh", lines: [RunbookCode.Line("echo spliced")]))])
        // A host value holding the private-use mark itself changes nothing: the code block stays typed.
        let writes = spliced.placeholder(for: [.code(RunbookCode(language: "sh", lines: [RunbookCode.Line("cat > f <<'EOF'")], writesFile: true))])
        let marked = spliced.document("Host x\u{F8FF}y\n\n\(writes)\n\nSee: \(stand)\n")
        #expect(marked.blocks.first == .paragraph(["Host x\u{F8FF}y"]))
        #expect(marked.blocks.contains(.code(RunbookCode(language: "sh", lines: [RunbookCode.Line("cat > f <<'EOF'")], writesFile: true))),
                "a standalone placeholder keeps its typed block when another is inside a line")
        #expect(marked.markdown.contains("See: ```sh\necho spliced"))
        let inline = spliced.document("Body: \(stand) end\n")
        // The blocks' Markdown where the frame put it, read as Markdown reads it; nothing lost, no placeholder left.
        #expect(inline.markdown.contains("Body: ```sh\necho spliced"))
        #expect(!inline.markdown.unicodeScalars.contains("\u{F8FF}"))
    }
}
