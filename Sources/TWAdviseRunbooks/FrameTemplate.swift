internal import Mustache

/// The document frame (`report.md`) as consecutive Mustache templates, cut after lines that hold no tag,
/// outside every section.
///
/// swift-mustache 2.1.1 counts the characters left in its input at each tag (`String.distance`) and looks
/// each character up in sets while it reads a tag: one parse of the built-in `report.md` took 2.95 ms here,
/// most of a healthy host's first report (measured with `twadvise-bench frame-once`). Cut into pieces, each
/// parsed alone, the pieces render one after another into the same text, because of where the cuts are:
/// - only after a line end outside every section and tag, and only after a line that holds no tag: Mustache
///   reads such a line as plain text, whatever its state before, and is at the start of a fresh line after
///   it, as a piece parsed alone starts. (After a line with a tag it may not be: a section opened inside a
///   line and closed on a line of its own leaves the next line's spaces and tags not standalone.)
/// - the last piece is always parsed, never kept as text: Mustache drops spaces and tabs at its input's end.
/// Delimiter changes are refused in runbook templates (``RunbookTemplates/checkNesting(_:file:)``) and keep a
/// frame whole here, so `{{` and `}}` find every tag; so does a line end other than `\n` (Mustache also ends
/// lines at U+2028 and U+2029); a frame whose pieces do not parse alone is kept whole.
package struct FrameTemplate: Sendable {
    /// Fixed text or a parsed template, as in a section.
    typealias Piece = SectionTemplate.Piece

    let pieces: [Piece]

    /// Parses `text`, cut (unless `cutting` is false, for a comparison) after tag-free lines outside sections.
    package init(_ text: String, cutting: Bool = true) throws {
        let cut = cutting ? Self.cut(text) : [text]
        var pieces: [Piece] = []
        do {
            for (index, part) in cut.enumerated() {
                if index < cut.count - 1, !part.containsCharacters("{{") {
                    if case .text(let previous)? = pieces.last { pieces[pieces.count - 1] = .text(previous + part) } else { pieces.append(.text(part)) }
                    continue
                }
                pieces.append(.template(try MustacheTemplate(string: part)))
            }
        } catch {
            pieces = [.template(try MustacheTemplate(string: text))]
        }
        self.pieces = pieces
    }

    func render(_ context: [String: Any]) -> String {
        var out = ""
        for piece in pieces { out += piece.render(context) }
        return out
    }

    /// `text` cut after each line end where no section and no tag is open and whose line holds no tag; whole
    /// when a section is left open, a section closes that was not open, a tag is not closed, the delimiters
    /// change or a line ends otherwise than with `\n`.
    static func cut(_ text: String) -> [String] {
        if text.unicodeScalars.contains(where: { $0 == "\u{2028}" || $0 == "\u{2029}" || $0 == "\u{85}" || $0 == "\r" || $0 == "\u{0B}" || $0 == "\u{0C}" }) {
            return [text]
        }
        // The tags as the section checks read them; a `{{` left after the last one is a tag not closed.
        let tags = TemplateVariables.tags(text, includingOthers: true)
        guard !tags.contains(where: { $0.kind == "=" }),
              !text[(tags.last?.range.upperBound ?? text.startIndex)...].containsCharacters("{{") else { return [text] }
        var pieces: [String] = []
        var depth = 0
        var pieceStart = text.startIndex
        var index = text.startIndex
        var lineHasTag = false
        func cutLines(upTo end: String.Index) {
            while let newline = text[index..<end].firstIndex(of: "\n") {
                let after = text.index(after: newline)
                if depth == 0, !lineHasTag {
                    pieces.append(String(text[pieceStart..<after]))
                    pieceStart = after
                }
                lineHasTag = false
                index = after
            }
        }
        for tag in tags {
            cutLines(upTo: tag.range.lowerBound)
            switch tag.kind {
            case "#", "^": depth += 1
            case "/": depth -= 1
            default: break
            }
            guard depth >= 0 else { return [text] }
            lineHasTag = true
            index = tag.range.upperBound
        }
        cutLines(upTo: text.endIndex)
        if pieceStart < text.endIndex { pieces.append(String(text[pieceStart...])) }
        return depth == 0 ? pieces : [text]
    }
}
