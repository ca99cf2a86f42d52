#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
internal import TWAdviseEngine
internal import Mustache

/// Renders a report as a Markdown runbook through ``RunbookTemplates``.
///
/// Every value in the template context is final Markdown: values from the host are Markdown- and
/// HTML-escaped here, so templates print them with triple braces (`{{{subject}}}`); double braces
/// escape once more, which stays safe. Output is deterministic: the same input gives the same bytes.
public struct MarkdownReport: Sendable {
    public var templates: RunbookTemplates

    public init(templates: RunbookTemplates) {
        self.templates = templates
    }

    /// The runbook text: the Markdown of ``document(_:)``.
    public func render(_ input: ReportInput) throws(RunbookTemplateError) -> String {
        try document(input).markdown
    }

    /// The report as a document: the frame's blocks, with each finding's evidence tables and runbook as the
    /// typed blocks they were built as (``ReportDocument``).
    public func document(_ input: ReportInput) throws(RunbookTemplateError) -> ReportDocument {
        let report = try templates.reportTemplate()
        var spliced = Spliced()
        let shown = input.shownFindings
        // Only the sections of the findings shown are parsed (once per set of templates, then kept).
        let sections = try templates.sectionTemplates(shown.compactMap(\.runbook))
        let current = Self.shellValues(input.current)
        let groups = FindingGroup.grouping(shown)
        var findings: [[String: Any]] = []
        var top: [[String: Any]] = []
        var printed = Printed()
        var tables: [(rank: Int, rows: [String: Set<String>])] = []
        let notesOnly = groups.contains { $0.severity >= .medium }
        for (index, group) in groups.enumerated() {
            // A note: low or info, beside a finding of medium or above, from a section that asks for no change
            // (it says `{{! note }}`). It keeps its row in the top table; its section is never rendered and its
            // evidence table never shown, so no later finding may point back to it.
            let isNote = group.worst.runbook.flatMap { sections[$0] }?.isNote == true
            if notesOnly, group.severity <= .low, isNote {
                var row = Self.topRow(group, rank: index + 1, current: current)
                row["note"] = true
                top.append(row)
                continue
            }
            let parts = group.detailed.map { finding in
                SectionMerge.Part(label: Self.host(finding.subject ?? finding.id), plainLabel: Self.plain(finding.subject ?? finding.id),
                                  steps: Self.steps(finding, rank: index + 1, input: input, current: current, sections: sections))
            }
            var context = Self.topRow(group, rank: index + 1, current: current)
            context["evidenceTable"] = spliced.placeholder(for: group.evidenceBlocks(sameAs: &tables, rank: index + 1))
            context["thresholds"] = group.thresholds()
            context["hasThresholds"] = !group.worst.parameters.isEmpty
            context["body"] = spliced.placeholder(for: ReportDocument(steps: Self.referringBack(SectionMerge.merge(parts), rank: index + 1, printed: &printed)).blocks)
            findings.append(context)
            top.append(context)
        }
        let severities = Severity.allCases.reversed()
        let counts = severities.compactMap { s -> [String: Any]? in
            let n = input.evaluation.findings.filter { $0.severity == s }.count
            return n == 0 ? nil : ["severity": s.rawValue, "count": n]
        }
        let insufficient: [[String: Any]] = input.evaluation.insufficient.map { item in
            let title = input.evaluation.results.first { $0.ruleID == item.ruleID }?.title ?? ""
            return [
                "id": item.ruleID, "title": title,
                "missing": item.missing.map(\.description).joined(separator: "; "),
                "reasons": item.reasons.map(Self.host).joined(separator: "; "),
                "hasReasons": !item.reasons.isEmpty,
            ]
        }
        let notFired = input.evaluation.results.filter { $0.outcome == .notFired }.count
        let hidden = input.evaluation.findings.count - shown.count
        var context: [String: Any] = [
            "host": Self.host(input.hostname ?? "unknown host"),
            "kernel": Self.host(input.kernel ?? "unknown"),
            "source": Self.host(input.source),
            "verdict": input.verdict.description,
            "observed": Self.observedRows(input.observed),
            "gaps": input.verdictGaps.map { gap -> [String: Any] in
                ["rule": gap.rule, "Checks": Self.host(gap.checks.prefix(1).uppercased() + gap.checks.dropFirst()),
                 "missing": Self.host(gap.missing.joined(separator: "; "))]
            },
            "hasGaps": !input.verdictGaps.isEmpty,
            "insufficientVerdict": input.insufficientForVerdict,
            "counts": counts.map { "\($0["count"]!) \($0["severity"]!)" }.joined(separator: ", "),
            "hasCounts": !counts.isEmpty,
            "hasFindings": !shown.isEmpty,
            "top": top,
            "hasNotes": top.count > findings.count,
            "findings": findings,
            "hidden": hidden,
            "hiddenFindings": hidden == 1 ? "1 finding" : "\(hidden) findings",
            "oneHidden": hidden == 1,
            "hasHidden": hidden > 0,
            "minimumSeverity": input.minimumSeverity.rawValue,
            "insufficient": insufficient,
            "hasInsufficient": !insufficient.isEmpty,
            "notFired": notFired,
            "ruleCount": input.evaluation.results.count,
            "warnings": input.warnings.map { ["text": Self.host($0)] },
            "hasWarnings": !input.warnings.isEmpty,
            "disabled": input.disabled.map { ["id": $0.id, "justification": Self.host($0.justification)] },
            "hasDisabled": !input.disabled.isEmpty,
            "overridden": input.overridden.map { ["id": $0.id, "justification": Self.host($0.justification)] },
            "hasOverridden": !input.overridden.isEmpty,
            "current": current,
            "inContainer": input.inContainer,
            "notCovered": input.notCovered.map { ["text": Self.host($0)] },
        ]
        // Set only when there is one: a template section tests it.
        if let at = input.collectedAt { context["collectedAt"] = Self.host(at) }
        if let timeline = input.timeline { context["timeline"] = Self.timelineContext(timeline) }
        if let enter = input.enterNamespace { context["enterNamespace"] = enter }
        return spliced.document(report.render(context))
    }

    /// Blocks the report built itself, each standing in the frame's context as a placeholder until the frame
    /// is rendered: a private-use scalar around a random key and a number, which no host value can guess.
    struct Spliced {
        let key = "\u{F8FF}" + String(UInt64.random(in: 1...UInt64.max), radix: 36)
        var blocks: [[ReportBlock]] = []

        /// The text that stands for `blocks` in the frame.
        mutating func placeholder(for blocks: [ReportBlock]) -> String {
            self.blocks.append(blocks)
            return key + "-\(self.blocks.count - 1)\u{F8FF}"
        }

        /// The rendered frame read into blocks, each placeholder that is a paragraph of its own replaced by its
        /// blocks. A frame that put one inside a line (a team's `report.md` may) gets its blocks' Markdown
        /// there: that block alone is read again, with the placeholder's Markdown in it.
        func document(_ frame: String) -> ReportDocument {
            guard !blocks.isEmpty else { return ReportDocument(markdown: frame) }
            var out: [ReportBlock] = []
            var standalone = 0
            let parsed = ReportDocument(markdown: frame).blocks
            for block in parsed {
                if case .paragraph(let lines) = block, lines.count == 1, let index = index(lines[0]) {
                    out += blocks[index]
                    standalone += 1
                } else {
                    out.append(block)
                }
            }
            // Every placeholder stood alone (the usual frame): nothing is left in a line. The key is random, so
            // no host value holds it.
            guard Self.occurrences(of: key, in: frame) > standalone else { return ReportDocument(blocks: out) }
            return ReportDocument(blocks: out.flatMap { block -> [ReportBlock] in
                let markdown = block.markdown
                guard Self.occurrences(of: key, in: markdown) > 0 else { return [block] }
                var text = markdown
                for (index, blocks) in blocks.enumerated() {
                    text = text.replacing(key + "-\(index)\u{F8FF}", with: blocks.map(\.markdown).joined(separator: "\n\n"))
                }
                return ReportDocument(markdown: text).blocks
            })
        }

        /// How many times `needle` is in `text`, by UTF-8 byte.
        static func occurrences(of needle: String, in text: String) -> Int {
            let needle = Array(needle.utf8)
            var count = 0
            text.utf8.withContiguousStorageIfAvailable { bytes in
                guard let first = needle.first, bytes.count >= needle.count else { return }
                var i = 0
                while i <= bytes.count - needle.count {
                    if bytes[i] == first, bytes[i..<(i + needle.count)].elementsEqual(needle) {
                        count += 1
                        i += needle.count
                    } else {
                        i += 1
                    }
                }
            }
            return count
        }

        /// The number of the placeholder `line` is, if it is one.
        func index(_ line: String) -> Int? {
            let bytes = line.utf8
            guard bytes.starts(with: key.utf8), bytes.last == 0xBF else { return nil }
            let number = bytes.dropFirst(key.utf8.count)
            guard number.first == UInt8(ascii: "-"), number.count > 4,
                  let index = Int(String(decoding: number.dropFirst().dropLast(3), as: UTF8.self)), blocks.indices.contains(index),
                  line == key + "-\(index)\u{F8FF}" else { return nil }
            return index
        }
    }

    /// Each shown finding's own runbook section as a document, in rank order: values in place, for the host
    /// or namespace `input` is about, neither merged with other subjects' nor pointing back to an earlier
    /// finding (what the JSON report carries as `steps`).
    public func steps(_ input: ReportInput) throws(RunbookTemplateError) -> [RunbookSteps] {
        let shown = input.shownFindings
        let sections = try templates.sectionTemplates(shown.compactMap(\.runbook))
        let current = Self.shellValues(input.current)
        // `{{{rank}}}` is the finding's rank in the Markdown report: its rule's place among the groups.
        var rankOfRule: [String: Int] = [:]
        for (index, group) in FindingGroup.grouping(shown).enumerated() { rankOfRule[group.worst.id] = index + 1 }
        return shown.map { finding in
            Self.steps(finding, rank: rankOfRule[finding.id] ?? 0, input: input, current: current, sections: sections)
        }
    }

    /// The `## Timeline` section's values: the window, the moment evaluated, a row per series and per kernel
    /// message, and what was not read.
    static func timelineContext(_ timeline: Timeline) -> [String: Any] {
        let day = timeline.evaluatedAt ?? timeline.from
        func time(_ date: Date?) -> String { date.map { ReportTime.short($0, sameDayAs: day) } ?? "-" }
        let series = timeline.series.map { s -> [String: Any] in
            [
                "source": Self.host(s.source), "measure": Self.host(s.measure + (s.labels.isEmpty ? "" : " (\(s.labels))")),
                "began": s.began == nil ? "no rise" : time(s.began),
                "peak": s.unit.formatted(s.peak), "peakAt": time(s.peakAt),
                "ended": s.began == nil ? "-" : (s.ended.map { time($0) } ?? "not by the end"),
                "usual": s.unit.formatted(s.baseline),
                "shape": Presentation.sparkline(s.shape.map { Optional($0) }),
            ]
        }
        let events = timeline.events.map { e -> [String: Any] in
            ["message": Self.host(e.message), "count": "\(e.count)",
             "suppressed": e.suppressed == 0 ? "0" : "at least \(e.suppressed)",
             "first": time(e.first), "last": time(e.last), "source": Self.host(e.source)]
        }
        var context: [String: Any] = [
            "from": ReportTime.full(timeline.from), "to": ReportTime.full(timeline.to),
            "because": Self.host(timeline.evaluatedBecause),
            "series": series, "hasSeries": !series.isEmpty,
            "events": events, "hasEvents": !events.isEmpty,
            "read": Self.host(timeline.read.joined(separator: ", ")), "hasRead": !timeline.read.isEmpty,
            "notRead": timeline.notRead.map { ["text": Self.host($0)] }, "hasNotRead": !timeline.notRead.isEmpty,
        ]
        if let at = timeline.evaluatedAt { context["at"] = ReportTime.full(at) }
        if let also = timeline.alsoEvaluated { context["alsoEvaluated"] = Self.host(also) }
        return context
    }

    /// What the top table and a group's heading show: its worst finding's context, with the group's worst
    /// severity and how many subjects it has.
    static func topRow(_ group: FindingGroup, rank: Int, current: [String: String]) -> [String: Any] {
        var context = context(group.worst, rank: rank, current: current)
        context["SEVERITY"] = group.severity.rawValue.uppercased()
        context["severity"] = group.severity.rawValue
        context["count"] = group.findings.count
        context["others"] = group.findings.count - 1
        context["hasOthers"] = group.findings.count > 1
        return context
    }

    /// One finding's runbook section as a document, for the host or namespace `input` is about: its values
    /// in place, a missing one never left empty in a command (see ``TemplateVariables/guarded(_:)``).
    static func steps(_ finding: Finding, rank: Int, input: ReportInput, current: [String: String],
                      sections: [String: SectionTemplate]) -> RunbookSteps {
        guard let id = finding.runbook, let section = sections[id] else {
            return RunbookSteps(subsections: [RunbookSubsection(heading: nil, blocks: [
                .prose("_No runbook section \(host(finding.runbook ?? finding.id)) in the templates._"),
            ])])
        }
        var context = Self.context(finding, rank: rank, current: current)
        context["plan"] = shellValues(input.plan)
        context["inContainer"] = input.inContainer
        context["notes"] = input.notes.mapValues(Self.host)
        // `known.NAMESPACE.NAME` is true for each value the host gave: a value the section prints outside a
        // test of it, when the host did not give it, renders as a marker and its command line as a comment.
        var known: [String: [String: Bool]] = [:]
        for namespace in TemplateVariables.namespaces {
            if let values = context[namespace] as? [String: String] { known[namespace] = values.mapValues { _ in true } }
        }
        context["known"] = known
        let steps = section.render(context)
        return input.otherNamespace ? forOtherNamespace(steps) : steps
    }

    /// What earlier findings of one report printed: whole subsections and code blocks of two or more lines,
    /// each with the rank of the finding that printed it first.
    struct Printed {
        var subsections: [RunbookSubsection: Int] = [:]
        var code: [RunbookCode: Int] = [:]
    }

    /// `steps` with each code block of two or more lines that an earlier finding already printed replaced by a
    /// line pointing to it (two rules recommending the same drop-in show it once), and each subsection printed
    /// word for word before (the same Verify) named in one line that points back.
    static func referringBack(_ steps: RunbookSteps, rank: Int, printed: inout Printed) -> RunbookSteps {
        var out: [RunbookSubsection] = []
        // Consecutive subsections that only refer back become one line: "Persistent configuration, Verify
        // and Rollback: the same commands as in finding 1 above."
        var pending: (headings: [String], earlier: Int)?
        func refer(_ heading: String, to earlier: Int) {
            if pending?.earlier != earlier { flush() }
            pending = (headings: (pending?.headings ?? []) + [heading], earlier: earlier)
        }
        func flush() {
            guard let p = pending else { return }
            let names = p.headings
            let list = names.count == 1 ? names[0] : names.dropLast().joined(separator: ", ") + " and " + names.last!
            out.append(RunbookSubsection(heading: nil, blocks: [.prose("**\(list):** the same as in finding \(p.earlier) above.")]))
            pending = nil
        }
        for subsection in steps.subsections {
            if let heading = subsection.heading {
                if let earlier = printed.subsections[subsection], earlier != rank {
                    refer(heading, to: earlier)
                    continue
                }
                if printed.subsections[subsection] == nil { printed.subsections[subsection] = rank }
            }
            var referred: Int?
            let blocks = subsection.blocks.map { block -> RunbookBlock in
                guard case .code(let code) = block, code.lines.filter({ !$0.text.isEmpty }).count >= 2 else { return block }
                if let earlier = printed.code[code], earlier != rank {
                    referred = earlier
                    return .prose("The same commands as in finding \(earlier) above.")
                }
                printed.code[code] = rank
                return block
            }
            if let heading = subsection.heading, let earlier = referred, blocks.count == 1 {
                refer(heading, to: earlier)
                continue
            }
            flush()
            out.append(RunbookSubsection(heading: subsection.heading, blocks: blocks))
        }
        flush()
        return RunbookSteps(subsections: out)
    }

    /// Where a network namespace's settings persist, instead of the host's `/etc/sysctl.d`.
    static let namespacePersistence = """
        These settings belong to this network namespace, not to the host. A drop-in under `/etc/sysctl.d`, even
        written from inside `ip netns exec` or `nsenter -n` (which share the host's `/etc`), sets the host's values
        at boot and never this namespace's. Make them persistent where the namespace is made: in the script that
        runs `ip netns add` (`ip netns exec NAME sysctl -w KEY=VALUE` right after it), a CNI `tuning` plugin,
        Kubernetes `securityContext.sysctls` (`tcp_tw_reuse` and most others need the kubelet's
        `allowedUnsafeSysctls`), or `docker run --sysctl KEY=VALUE`.
        """

    /// A section rendered for a network namespace other than the host's: its "Persistent configuration"
    /// says where the namespace's settings live, and no command line of any step writes or removes a file in
    /// the host's `/etc/sysctl.d` (it would change the host at its next boot and do nothing for the namespace).
    static func forOtherNamespace(_ steps: RunbookSteps) -> RunbookSteps {
        var out: [RunbookSubsection] = []
        for subsection in steps.subsections {
            if subsection.heading == "Persistent configuration" {
                out.append(RunbookSubsection(heading: subsection.heading, blocks: [.prose(namespacePersistence)]))
                continue
            }
            let blocks = subsection.blocks.compactMap { block -> RunbookBlock? in
                guard case .code(var code) = block, code.lines.contains(where: \.changesHostFiles) else { return block }
                // A here-document's body without its first line would run as commands: the block goes whole.
                if code.writesFile { return nil }
                code.lines.removeAll(where: \.changesHostFiles)
                return code.lines.isEmpty ? nil : .code(code)  // a code block left empty goes too
            }
            if blocks.isEmpty, subsection.heading != nil { continue }
            out.append(RunbookSubsection(heading: subsection.heading, blocks: blocks))
        }
        return RunbookSteps(subsections: out)
    }

    /// A host value for a shell comment inside a code block: control characters and newlines replaced.
    static func plain(_ text: String) -> String {
        Escaping.terminalValue(text)
    }

    /// A value from the host or a server as Markdown text: Markdown- and HTML-escaped, invisible scalars shown.
    /// Leading spaces are written `&#32;`: a value that begins a line with four of them would otherwise be an
    /// indented code block, with up to three a heading or list item.
    package static func host(_ text: String) -> String {
        let escaped = Escaping.html(Escaping.markdown(text))
        guard escaped.unicodeScalars.first == " " else { return escaped }
        let spaces = escaped.unicodeScalars.prefix { $0 == " " }.count
        return String(repeating: "&#32;", count: spaces) + String(escaped.unicodeScalars.dropFirst(spaces))
    }

    static func shellValues(_ values: [String: String]) -> [String: String] {
        var result: [String: String] = [:]
        for (key, value) in values {
            // Values go inside double quotes in commands, so spaces are fine (`"32768 60999"`).
            // An empty value is a value (no reserved ports): commands quote it, `""`.
            if value.isEmpty || Escaping.shellSafe(value.replacingSpaces()) != nil { result[key] = value }
        }
        return result
    }

    /// A `shell.` value: as it is when ``Escaping/shellSafe(_:)``; a sysctl's vector of numbers
    /// (`32768 60999`, which a template quotes) with its single spaces; anything else, a file name with a
    /// space included (it would split into options of the command), `VALUE-NOT-SHELL-SAFE`.
    static func shellValue(_ value: String) -> String {
        if Escaping.shellSafe(value) != nil { return value }
        let words = value.split(separator: " ", omittingEmptySubsequences: false)
        let numbers = words.count > 1 && words.allSatisfy { !$0.isEmpty && $0.unicodeScalars.allSatisfy { ("0"..."9").contains($0) } }
        return numbers ? value : "VALUE-NOT-SHELL-SAFE"
    }

    /// The "What was seen" table: the key facts as read, formatted here and only here.
    static func observedRows(_ seen: Observed) -> [[String: String]] {
        var rows: [[String: String]] = []
        func row(_ label: String, _ value: String) { rows.append(["label": label, "value": value]) }
        var timeWait = seen.timeWait.map { "\($0) (kernel count, sockstat)" } ?? "not read"
        if let out = seen.outboundTimeWait, let inbound = seen.inboundTimeWait {
            timeWait += "; in the socket table \(out) outbound, \(inbound) inbound"
        }
        row("TIME_WAIT", timeWait)
        row("Usable ephemeral ports (R)", seen.usablePorts.map(String.init) ?? "unknown")
        if let d = seen.mostPressed {
            var value = "\(host(d.label)): \(d.inUse) sockets (\(d.timeWait) TIME_WAIT)"
            value += ", share of R " + (d.shareOfR.map(Self.smallPercent) ?? "unknown")
            value += ", pressure " + (d.pressure.map(Self.smallPercent) ?? "unknown")
            row("Most pressed destination", value)
        } else {
            row("Most pressed destination", seen.destinations == nil ? "unknown (no socket table)" : "none (no outbound connection)")
        }
        var reuse = seen.tcpTwReuse.map(String.init) ?? "unknown"
        if seen.tcpTwReuse != nil, let d = seen.mostPressed {
            switch d.reuseApplies {
            case true?: reuse += ": applies toward that destination"
            case false?: reuse += ": does not apply toward that destination"
            case nil: reuse += ": whether it applies toward that destination is unknown"
            }
        }
        row("tcp_tw_reuse", reuse)
        row("New connections per second", seen.opensPerSecond.map { Presentation.number($0) + " (\(seen.opensBasis ?? "measured"))" }
            ?? "not measured (one reading)")
        var inputs = "read " + (seen.inputsRead.isEmpty ? "nothing" : seen.inputsRead.joined(separator: "; "))
        if !seen.inputsMissing.isEmpty { inputs += ". Not read: " + seen.inputsMissing.joined(separator: "; ") }
        row("Inputs", host(inputs))
        return rows
    }

    /// A percentage that never reads 0% for a share that is not zero (`< 0.1%`).
    static func smallPercent(_ share: Double) -> String {
        share > 0 && share < 0.0005 ? "< 0.1%" : Presentation.percent(share)
    }

    static func context(_ f: Finding, rank: Int, current: [String: String]) -> [String: Any] {
        var vars: [String: String] = [:]
        var shell: [String: String] = [:]
        for (name, fact) in f.vars {
            // A computed rate (243.5667) reads as a person would say it (244); integers, addresses and
            // versions are left as they are.
            let value: String
            if case .float(let number) = fact { value = Presentation.number(number) } else { value = fact.description }
            vars[name] = host(value)
            shell[name] = Self.shellValue(value)
        }
        return [
            "rank": rank,
            "id": f.id,
            "title": f.title,
            "severity": f.severity.rawValue,
            "SEVERITY": f.severity.rawValue.uppercased(),
            "score": FactValue.format((f.score * 10).rounded() / 10),
            "subject": host(f.subject ?? ""),
            "hasSubject": f.subject != nil,
            "evidence": f.evidence.map { e -> [String: Any] in
                // The label is the rule author's text; the value and where it was read come from the host.
                ["label": e.label, "value": host(e.value), "source": host(e.source ?? "")]
            },
            "references": f.references.enumerated().map { i, r -> [String: Any] in
                ["title": r.title, "url": r.url ?? "", "hasURL": r.url != nil, "last": i == f.references.count - 1]
            },
            "hasReferences": !f.references.isEmpty,
            "justifications": f.justifications.map { ["text": host($0)] },
            "hasJustifications": !f.justifications.isEmpty,
            "params": f.parameters.mapValues(\.description),
            "vars": vars,
            "shell": shell,
            "current": current,
        ]
    }

    /// Collapses runs of blank lines to one and ends with exactly one newline.
    static func tidy(_ text: String) -> String {
        var lines: [Substring] = []
        var blank = 0
        for line in Self.lines(text) {
            let isBlank = line.utf8.allSatisfy { $0 == 0x20 }
            blank = isBlank ? blank + 1 : 0
            if blank <= 1 { lines.append(isBlank ? "" : line) }
        }
        while lines.first?.isEmpty == true { lines.removeFirst() }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension MarkdownReport {
    /// `text`'s lines, cut as `split(separator: "\n")` cuts Characters (a CR LF pair is one Character, never
    /// cut), on the UTF-8 bytes: a report is tens of kilobytes, and reading it by Character cost a first report
    /// 1.6 ms.
    static func lines(_ text: String) -> [Substring] {
        var split: [Substring] = []
        var start = text.utf8.startIndex
        var previous: UInt8 = 0
        for index in text.utf8.indices {
            let byte = text.utf8[index]
            if byte == 0x0A, previous != 0x0D {
                split.append(text[start..<index])
                start = text.utf8.index(after: index)
            }
            previous = byte
        }
        split.append(text[start...])
        return split
    }
}

extension String {
    func replacingSpaces() -> String { String(map { $0 == " " ? "," : $0 }) }
}
