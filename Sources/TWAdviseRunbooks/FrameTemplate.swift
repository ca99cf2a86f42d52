internal import Mustache

/// The document frame (`report.md`) as consecutive Mustache templates, cut at each line end outside every
/// section.
///
/// swift-mustache 2.1.1 counts the characters left in its input at each tag (`String.distance`) and looks
/// each character up in sets while it reads a tag: one parse of the built-in `report.md` took 2.95 ms here,
/// most of a healthy host's first report; cut at every line outside a section, 1.6 ms (measured with
/// `twadvise-bench frame-once`). The pieces render one after another into the same text: Mustache decides a
/// standalone tag by its line, and every cut is at a line's end outside every section and tag. Delimiter
/// changes are refused in runbook templates (``RunbookTemplates/checkNesting(_:file:)``) and keep a frame
/// whole here, so `{{` and `}}` find every tag; a frame whose pieces do not parse alone is kept whole.
package struct FrameTemplate: Sendable {
    enum Piece: Sendable {
        case text(String)
        case template(MustacheTemplate)
    }

    let pieces: [Piece]

    /// Parses `text`, cut (unless `cutting` is false, for a comparison) at line ends outside sections.
    package init(_ text: String, cutting: Bool = true) throws {
        let cut = cutting ? Self.cut(text) : [text]
        var pieces: [Piece] = []
        do {
            for line in cut {
                guard line.containsCharacters("{{") else {
                    if case .text(let previous)? = pieces.last { pieces[pieces.count - 1] = .text(previous + line) } else { pieces.append(.text(line)) }
                    continue
                }
                pieces.append(.template(try MustacheTemplate(string: line)))
            }
        } catch {
            pieces = [.template(try MustacheTemplate(string: text))]
        }
        self.pieces = pieces
    }

    func render(_ context: [String: Any]) -> String {
        var out = ""
        for piece in pieces {
            switch piece {
            case .text(let text): out += text
            case .template(let template): out += template.render(context)
            }
        }
        return out
    }

    /// `text` cut after each line end where no section and no tag is open; whole when a section is left
    /// open, a section closes that was not open, a tag is not closed or the delimiters change.
    static func cut(_ text: String) -> [String] {
        var pieces: [String] = []
        var depth = 0
        var pieceStart = text.startIndex
        var index = text.startIndex
        func cutLines(upTo end: String.Index) {
            guard depth == 0 else { return }
            while pieceStart < end, let newline = text[index..<end].firstIndex(of: "\n") {
                let after = text.index(after: newline)
                pieces.append(String(text[pieceStart..<after]))
                pieceStart = after
                index = after
            }
        }
        while let open = text[index...].firstCharacterRange(of: "{{") {
            cutLines(upTo: open.lowerBound)
            guard let close = text[open.upperBound...].firstCharacterRange(of: "}}") else { return [text] }
            var end = close.upperBound
            var body = text[open.upperBound..<close.lowerBound]
            if body.first == "{" {
                // A triple mustache ends at "}}}".
                guard end < text.endIndex, text[end] == "}" else { return [text] }
                end = text.index(after: end)
                body = body.dropFirst()
            }
            switch body.drop(while: { $0 == " " }).first {
            case "#", "^": depth += 1
            case "/": depth -= 1
            case "=": return [text]
            default: break
            }
            guard depth >= 0 else { return [text] }
            index = end
        }
        cutLines(upTo: text.endIndex)
        if pieceStart < text.endIndex { pieces.append(String(text[pieceStart...])) }
        return depth == 0 ? pieces : [text]
    }
}
