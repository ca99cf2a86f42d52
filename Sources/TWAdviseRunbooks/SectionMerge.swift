/// Merges the runbook documents rendered for each subject of one rule into one: what is the same for every
/// subject once, what differs once per subject (commands in one code block, a line per subject), so five
/// pressed destinations read as one explanation with five sets of commands, not five copies of it.
///
/// Subsections are matched by heading and their typed blocks (``RunbookBlock``) compared as values. The
/// first subject's blocks are the base: a base block every subject has, in the same
/// order, is printed once; between two such blocks, each subject's own blocks follow, the same ones together.
enum SectionMerge {
    /// One subject's rendered section.
    struct Part {
        /// How the subject reads in prose (already escaped Markdown).
        var label: String
        /// How it reads in a shell comment (no Markdown escapes, no control characters).
        var plainLabel: String
        var steps: RunbookSteps
    }

    /// The merged document; `parts` are in rank order (the first is the worst subject).
    static func merge(_ parts: [Part]) -> RunbookSteps {
        guard parts.count > 1 else { return parts.first?.steps ?? RunbookSteps(subsections: []) }
        var headings: [String?] = []
        for part in parts {
            for subsection in part.steps.subsections where !headings.contains(subsection.heading) { headings.append(subsection.heading) }
        }
        var out: [RunbookSubsection] = []
        for heading in headings {
            let blocks = parts.map { part in part.steps.subsections.first { $0.heading == heading }?.blocks ?? [] }
            if blocks.allSatisfy({ $0.isEmpty }) { continue }
            out.append(RunbookSubsection(heading: heading, blocks: mergeBlocks(zip(parts, blocks).map { (part: $0, blocks: $1) })))
        }
        return RunbookSteps(subsections: out)
    }

    static func mergeBlocks(_ members: [(part: Part, blocks: [RunbookBlock])]) -> [RunbookBlock] {
        let base = members[0].blocks
        // For each member, where each base block sits in it (longest common subsequence).
        let matches = members.map { lcs(base, $0.blocks) }
        let anchors = base.indices.filter { i in matches.allSatisfy { $0[i] != nil } }
        var out: [RunbookBlock] = []
        var previous = members.map { _ in -1 }
        for anchor in anchors + [base.count] {
            let regions = members.indices.map { m -> [RunbookBlock] in
                let end = anchor < base.count ? matches[m][anchor]! : members[m].blocks.count
                return Array(members[m].blocks[(previous[m] + 1)..<end])
            }
            out += region(zip(members.map(\.part), regions).map { ($0, $1) })
            guard anchor < base.count else { break }
            out.append(base[anchor])
            previous = members.indices.map { matches[$0][anchor]! }
        }
        return out
    }

    /// The blocks that differ between two shared ones: one code block merged line by line when every
    /// subject has exactly one there, else each distinct run of blocks once, headed by the subjects it is for.
    static func region(_ members: [(part: Part, blocks: [RunbookBlock])]) -> [RunbookBlock] {
        if members.allSatisfy({ $0.blocks.isEmpty }) { return [] }
        if members.dropFirst().allSatisfy({ $0.blocks == members[0].blocks }) { return members[0].blocks }
        func code(_ block: RunbookBlock) -> RunbookCode? { if case .code(let c) = block { return c } else { return nil } }
        if members.allSatisfy({ $0.blocks.count == 1 && $0.blocks[0].isCode }) {
            return [.code(mergedCode(members.map { ($0.part, code($0.blocks[0])!) }))]
        }
        // Prose that differs (a paragraph some subjects have) followed by as many code blocks for every
        // subject: the prose per subject, then the code blocks merged, each with its counterparts.
        let trailing = members.map { m in m.blocks.reversed().prefix { $0.isCode }.count }
        if let k = trailing.first, k > 0, trailing.allSatisfy({ $0 == k }),
           members.allSatisfy({ $0.blocks.dropLast(k).allSatisfy { !$0.isCode } }) {
            let prose = region(members.map { ($0.part, Array($0.blocks.dropLast(k))) })
            let merged = (0..<k).map { i in
                RunbookBlock.code(mergedCode(members.map { ($0.part, code($0.blocks[$0.blocks.count - k + i])!) }))
            }
            return prose + merged
        }
        var variants: [(labels: [String], blocks: [RunbookBlock])] = []
        for member in members where !member.blocks.isEmpty {
            if let i = variants.firstIndex(where: { $0.blocks == member.blocks }) { variants[i].labels.append(member.part.label) }
            else { variants.append(([member.part.label], member.blocks)) }
        }
        return variants.flatMap { [RunbookBlock.prose("For \($0.labels.joined(separator: ", ")):")] + $0.blocks }
    }

    /// One code block. When every subject's block has the same number of lines and writes no file, line by
    /// line: a line the same for all once, a line that differs once per subject, next to each other (five
    /// `ss ... dst X` lines, then the one `nstat` line). Otherwise each subject's lines under `# subject`.
    static func mergedCode(_ members: [(part: Part, code: RunbookCode)]) -> RunbookCode {
        var variants: [(part: Part, lines: [RunbookCode.Line])] = []
        for member in members where !variants.contains(where: { $0.lines == member.code.lines }) {
            variants.append((member.part, member.code.lines))
        }
        var merged = RunbookCode(language: members[0].code.language, lines: [],
                                 writesFile: members.contains { $0.code.writesFile })
        let count = variants[0].lines.count
        if variants.allSatisfy({ $0.lines.count == count }), !merged.writesFile {
            for i in 0..<count {
                var seen: [RunbookCode.Line] = []
                for variant in variants where !seen.contains(variant.lines[i]) { seen.append(variant.lines[i]) }
                merged.lines += seen
            }
        } else {
            for variant in variants {
                merged.lines.append(RunbookCode.Line("# " + variant.part.plainLabel))
                merged.lines += variant.lines
            }
        }
        return merged
    }

    /// For each index of `a`, the index of `b` it is matched with in a longest common subsequence.
    static func lcs<T: Equatable>(_ a: [T], _ b: [T]) -> [Int?] {
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
