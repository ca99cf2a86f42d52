/// Merges the runbook text rendered for each subject of one rule into one text: what is the same for every
/// subject once, what differs once per subject (commands in one code block, a line per subject), so five
/// pressed destinations read as one explanation with five sets of commands, not five copies of it.
///
/// The text is cut at `### ` headings into subsections and each subsection into blocks (a fenced code block,
/// or a paragraph). The first subject's blocks are the base: a base block every subject has, in the same
/// order, is printed once; between two such blocks, each subject's own blocks follow, the same ones together.
enum SectionMerge {
    /// One subject's rendered text.
    struct Part {
        /// How the subject reads in prose (already escaped Markdown).
        var label: String
        /// How it reads in a shell comment (no Markdown escapes, no control characters).
        var plainLabel: String
        var text: String
    }

    /// The merged text; `parts` are in rank order (the first is the worst subject).
    static func merge(_ parts: [Part]) -> String {
        guard parts.count > 1 else { return parts.first?.text ?? "" }
        let cut = parts.map { subsections($0.text) }
        var headings: [String] = []
        for sections in cut { for (heading, _) in sections where !headings.contains(heading) { headings.append(heading) } }
        var out: [String] = []
        for heading in headings {
            let texts = cut.map { sections in sections.first { $0.heading == heading }?.text ?? "" }
            if texts.allSatisfy({ $0.isEmpty }) { continue }
            if !heading.isEmpty { out.append(heading) }
            out.append(mergeBlocks(zip(parts, texts).map { (part: $0, blocks: blocks($1)) }))
        }
        return out.joined(separator: "\n\n")
    }

    /// `(heading line, text)` in order; text before the first heading has the heading "".
    static func subsections(_ text: String) -> [(heading: String, text: String)] {
        var result: [(heading: String, text: String)] = []
        var heading = ""
        var lines: [Substring] = []
        var inCode = false
        func flush() {
            let body = lines.joined(separator: "\n").trimmingNewlines()
            if !heading.isEmpty || !body.isEmpty { result.append((heading, body)) }
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") { inCode.toggle() }
            if !inCode, line.hasPrefix("### ") {
                flush()
                heading = String(line)
                lines = []
            } else {
                lines.append(line)
            }
        }
        flush()
        return result
    }

    /// Paragraphs and fenced code blocks.
    static func blocks(_ text: String) -> [String] {
        var result: [String] = []
        var current: [Substring] = []
        var inCode = false
        func flush() {
            if !current.isEmpty { result.append(current.joined(separator: "\n")) }
            current = []
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") {
                if !inCode { flush() }
                current.append(line)
                if inCode { flush() }
                inCode.toggle()
            } else if !inCode, line.allSatisfy({ $0 == " " }) {
                flush()
            } else {
                current.append(line)
            }
        }
        flush()
        return result
    }

    static func mergeBlocks(_ members: [(part: Part, blocks: [String])]) -> String {
        let base = members[0].blocks
        // For each member, where each base block sits in it (longest common subsequence).
        let matches = members.map { lcs(base, $0.blocks) }
        let anchors = base.indices.filter { i in matches.allSatisfy { $0[i] != nil } }
        var out: [String] = []
        var previous = members.map { _ in -1 }
        for anchor in anchors + [base.count] {
            let regions = members.indices.map { m -> [String] in
                let end = anchor < base.count ? matches[m][anchor]! : members[m].blocks.count
                return Array(members[m].blocks[(previous[m] + 1)..<end])
            }
            out += region(zip(members.map(\.part), regions).map { ($0, $1) })
            guard anchor < base.count else { break }
            out.append(base[anchor])
            previous = members.indices.map { matches[$0][anchor]! }
        }
        return out.joined(separator: "\n\n")
    }

    /// The blocks that differ between two shared ones: one code block merged line by line when every
    /// subject has exactly one there, else each distinct text once, headed by the subjects it is for.
    static func region(_ members: [(part: Part, blocks: [String])]) -> [String] {
        if members.allSatisfy({ $0.blocks.isEmpty }) { return [] }
        let texts = members.map { $0.blocks.joined(separator: "\n\n") }
        if Set(texts).count == 1 { return members[0].blocks }
        if members.allSatisfy({ $0.blocks.count == 1 && $0.blocks[0].hasPrefix("```") }) {
            return [mergedCode(members.map { ($0.part, $0.blocks[0]) })]
        }
        // Prose that differs (a paragraph some subjects have) followed by as many code blocks for every
        // subject: the prose per subject, then the code blocks merged, each with its counterparts.
        let trailing = members.map { m in m.blocks.reversed().prefix { $0.hasPrefix("```") }.count }
        if let k = trailing.first, k > 0, trailing.allSatisfy({ $0 == k }),
           members.allSatisfy({ $0.blocks.dropLast(k).allSatisfy { !$0.hasPrefix("```") } }) {
            let prose = region(members.map { ($0.part, Array($0.blocks.dropLast(k))) })
            let code = (0..<k).map { i in
                mergedCode(members.map { ($0.part, $0.blocks[$0.blocks.count - k + i]) })
            }
            return prose + code
        }
        var variants: [(labels: [String], text: String)] = []
        for (member, text) in zip(members, texts) where !text.isEmpty {
            if let i = variants.firstIndex(where: { $0.text == text }) { variants[i].labels.append(member.part.label) }
            else { variants.append(([member.part.label], text)) }
        }
        return variants.map { "For \($0.labels.joined(separator: ", ")):\n\n\($0.text)" }
    }

    /// One code block. When every subject's block has the same number of lines and writes no file, line by
    /// line: a line the same for all once, a line that differs once per subject, next to each other (five
    /// `ss ... dst X` lines, then the one `nstat` line). Otherwise each subject's lines under `# subject`.
    static func mergedCode(_ members: [(part: Part, code: String)]) -> String {
        func body(_ code: String) -> [Substring] {
            let lines = code.split(separator: "\n", omittingEmptySubsequences: false)
            return Array(lines.dropFirst().dropLast())
        }
        let fence = members[0].code.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? "```"
        var variants: [(part: Part, lines: [Substring])] = []
        for member in members where !variants.contains(where: { $0.lines == body(member.code) }) {
            variants.append((member.part, body(member.code)))
        }
        var lines = [fence]
        let count = variants[0].lines.count
        if variants.allSatisfy({ $0.lines.count == count && !$0.lines.contains { $0.contains("<<") } }) {
            for i in 0..<count {
                var seen: [Substring] = []
                for variant in variants where !seen.contains(variant.lines[i]) { seen.append(variant.lines[i]) }
                lines += seen.map(String.init)
            }
        } else {
            for variant in variants {
                lines.append("# " + variant.part.plainLabel)
                lines += variant.lines.map(String.init)
            }
        }
        lines.append("```")
        return lines.joined(separator: "\n")
    }

    /// For each index of `a`, the index of `b` it is matched with in a longest common subsequence.
    static func lcs(_ a: [String], _ b: [String]) -> [Int?] {
        var table = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            for j in stride(from: b.count - 1, through: 0, by: -1) {
                table[i][j] = a[i] == b[j] ? table[i + 1][j + 1] + 1 : max(table[i + 1][j], table[i][j + 1])
            }
        }
        var result = [Int?](repeating: nil, count: a.count)
        var i = 0, j = 0
        while i < a.count, j < b.count {
            if a[i] == b[j] {
                result[i] = j
                i += 1
                j += 1
            } else if table[i + 1][j] >= table[i][j + 1] {
                i += 1
            } else {
                j += 1
            }
        }
        return result
    }
}

extension String {
    func trimmingNewlines() -> String {
        var s = Substring(self)
        while s.first == "\n" { s.removeFirst() }
        while s.last == "\n" { s.removeLast() }
        return String(s)
    }
}
