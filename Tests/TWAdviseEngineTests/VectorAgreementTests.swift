import Testing
import TWAdviseTestSupport
@testable import TWAdviseEngine

/// The column-at-a-time evaluation must give the same outcome as the row-by-row one: same findings, same
/// "not fired", same missing facts and reasons. Random rules over random lists (and over lists of one
/// repeated item, where a rule's outcome is one row's), with unknown fields, zero divisors and overflowing
/// values mixed in.
struct VectorAgreementTests {
    typealias Random = ReferenceAgreementTests.Random

    static let item = FactType.record(RecordType(name: "item", fields: [
        "n": FieldSpec(.int, "an int", sources: ["items.txt"]),
        "m": FieldSpec(.int, "another int"),
        "f": FieldSpec(.float, "a float"),
        "t": FieldSpec(.duration, "a duration"),
        "ok": FieldSpec(.bool, "a bool"),
        "s": FieldSpec(.string, "a string"),
    ]))

    static let schema = FactSchema(root: RecordType(name: "facts", fields: [
        "k": FieldSpec(.int, "an int", sources: ["k.txt"]),
        "g": FieldSpec(.float, "a float"),
        "items": FieldSpec(.list(item), "items", sources: ["items.txt"]),
    ]))

    enum Kind { case int, float, bool }

    /// Expression text of `kind`; `row` is the name of the current item (`d`, or `x` inside a comprehension).
    static func expr(_ kind: Kind, _ r: inout Random, _ depth: Int, row: String, inComprehension: Bool = false,
                     outerRow: Bool = false) -> String {
        let leaf = depth == 0 || r.below(4) == 0
        switch kind {
        case .int:
            if leaf {
                switch r.below(6) {
                case 0: return "\(r.below(21) - 10)"
                case 1: return "k"
                case 2: return inComprehension && r.below(3) == 0 && row == "x" && outerRow ? "d.m" : "\(row).m"
                default: return "\(row).n"
                }
            }
            let a = expr(.int, &r, depth - 1, row: row, inComprehension: inComprehension, outerRow: outerRow)
            let b = expr(.int, &r, depth - 1, row: row, inComprehension: inComprehension, outerRow: outerRow)
            switch r.below(9) {
            case 0: return "(\(a) + \(b))"
            case 1: return "(\(a) - \(b))"
            case 2: return "(\(a) * \(b))"
            case 3: return "(\(a) % \(b))"
            case 4: return "(-\(a))"
            case 5: return "default(\(a), \(b))"
            case 6 where !inComprehension:
                return "count(x in items: \(expr(.bool, &r, depth - 1, row: "x", inComprehension: true, outerRow: !inComprehension)))"
            case 7 where !inComprehension: return "sum(x in items: \(expr(.int, &r, depth - 1, row: "x", inComprehension: true, outerRow: !inComprehension)))"
            case 8 where !inComprehension: return "max(x in items: \(expr(.int, &r, depth - 1, row: "x", inComprehension: true, outerRow: !inComprehension)))"
            default: return "abs(\(a))"
            }
        case .float:
            if leaf {
                switch r.below(4) {
                case 0: return "2.5"
                case 1: return "g"
                default: return "\(row).f"
                }
            }
            let a = expr(.int, &r, depth - 1, row: row, inComprehension: inComprehension, outerRow: outerRow)
            let b = expr(.int, &r, depth - 1, row: row, inComprehension: inComprehension, outerRow: outerRow)
            let x = expr(.float, &r, depth - 1, row: row, inComprehension: inComprehension, outerRow: outerRow)
            switch r.below(6) {
            case 0: return "(\(a) / \(b))"
            case 1: return "(\(x) * \(a))"
            case 2: return "(\(x) + \(expr(.float, &r, depth - 1, row: row, inComprehension: inComprehension, outerRow: outerRow)))"
            case 3 where !inComprehension: return "min(x in items: x.f)"
            case 4 where !inComprehension: return "sum(x in items: \(expr(.float, &r, depth - 1, row: "x", inComprehension: true, outerRow: !inComprehension)))"
            default: return "(\(x) / \(a))"
            }
        case .bool:
            if leaf {
                switch r.below(5) {
                case 0: return r.below(2) == 0 ? "true" : "false"
                case 1: return "has(\(row).n)"
                case 2: return "\(row).s == \"a\""
                case 3: return "\(row).t > 30s"
                default: return "\(row).ok"
                }
            }
            let ops = ["<", "<=", "==", "!=", ">", ">="]
            let op = ops[r.below(ops.count)]
            switch r.below(9) {
            case 0, 1:
                return "(\(expr(.int, &r, depth - 1, row: row, inComprehension: inComprehension, outerRow: outerRow)) \(op) \(expr(.int, &r, depth - 1, row: row, inComprehension: inComprehension, outerRow: outerRow)))"
            case 2:
                return "(\(expr(.float, &r, depth - 1, row: row, inComprehension: inComprehension, outerRow: outerRow)) \(op) \(expr(.int, &r, depth - 1, row: row, inComprehension: inComprehension, outerRow: outerRow)))"
            case 3: return "(\(expr(.bool, &r, depth - 1, row: row, inComprehension: inComprehension, outerRow: outerRow)) and \(expr(.bool, &r, depth - 1, row: row, inComprehension: inComprehension, outerRow: outerRow)))"
            case 4: return "(\(expr(.bool, &r, depth - 1, row: row, inComprehension: inComprehension, outerRow: outerRow)) or \(expr(.bool, &r, depth - 1, row: row, inComprehension: inComprehension, outerRow: outerRow)))"
            case 5: return "(not \(expr(.bool, &r, depth - 1, row: row, inComprehension: inComprehension, outerRow: outerRow)))"
            case 6 where !inComprehension: return "any(x in items: \(expr(.bool, &r, depth - 1, row: "x", inComprehension: true, outerRow: !inComprehension)))"
            case 7 where !inComprehension: return "all(x in items: \(expr(.bool, &r, depth - 1, row: "x", inComprehension: true, outerRow: !inComprehension)))"
            default: return "(\(row).s \(op) \"b\")"
            }
        }
    }

    /// A list of items; `dirty` mixes in unknown fields, zeros and values that overflow when multiplied.
    /// With `uniform`, every item is the same, so a rule's outcome is the outcome of one row: a row-level
    /// disagreement (unknown taken for false) cannot hide behind another row that fires.
    static func facts(_ r: inout Random, dirty: Bool, uniform: Bool = false) -> FactValue {
        var items: [FactValue] = []
        for _ in 0..<(40 + r.below(40)) {
            var fields: [String: FactValue] = [:]
            func int() -> FactValue {
                if dirty && r.below(15) == 0 { return .int(Int64.max / Int64(1 + r.below(3))) }
                return .int(Int64(r.below(41) - 20))
            }
            fields["n"] = int()
            fields["m"] = int()
            fields["f"] = .float(Double(r.below(2001) - 1000) / 100)
            fields["t"] = .duration(Double(r.below(120)))
            fields["ok"] = .bool(r.below(2) == 0)
            fields["s"] = .string(["a", "b", "c"][r.below(3)])
            if dirty {
                for name in ["n", "m", "f", "t", "ok", "s"] where r.below(20) == 0 { fields[name] = nil }
            }
            items.append(.record(fields))
        }
        if uniform { items = [FactValue](repeating: items[0], count: items.count) }
        var root: [String: FactValue] = ["items": .list(items), "g": .float(1.5)]
        if !dirty || r.below(5) != 0 { root["k"] = .int(Int64(r.below(11) - 5)) }
        return .record(root)
    }

    @Test("vectorized and row-by-row evaluation agree on 900 random rules over 8 lists each", arguments: [11, 12, 13] as [UInt64])
    func agreement(seed: UInt64) throws {
        var r = Random(seed: seed)
        var yaml = "rules:\n"
        for i in 0..<300 {
            let iterates = i % 2 == 0
            let condition: String
            if iterates {
                condition = Self.expr(.bool, &r, 4, row: "d")
            } else {
                let b = Self.expr(.bool, &r, 3, row: "x", inComprehension: true)
                let n = Self.expr(.int, &r, 3, row: "x", inComprehension: true)
                let f = Self.expr(.float, &r, 3, row: "x", inComprehension: true)
                condition = ["any(x in items: \(b))", "all(x in items: \(b))", "count(x in items: \(b)) > 5", "sum(x in items: \(n)) > 10",
                             "max(x in items: \(n)) >= 3", "min(x in items: \(f)) < 0.5", "sum(x in items: \(f)) > 1.5"][r.below(7)]
            }
            yaml += "  - id: t.r\(i)\n    title: rule \(i)\n    description: random\n    severity: low\n"
            if iterates {
                yaml += "    for_each: d in items\n    let:\n      load: d.n * 2\n"
                yaml += "    condition: '\(condition) or load > 30'\n    subject: d.s\n    score: d.n\n"
            } else {
                yaml += "    condition: '\(condition)'\n"
            }
        }
        let (set, diagnostics) = RuleSet.load([RuleSource(path: "random.yaml", text: yaml)], schema: Self.schema)
        #expect(diagnostics.isEmpty, "\(diagnostics.prefix(3).map(\.description))")
        guard diagnostics.isEmpty else { return }
        var vectorPaths = 0
        for round in 0..<8 {
            let facts = Self.facts(&r, dirty: round % 2 == 1, uniform: round >= 4)
            for rule in set.rules {
                let fast = rule.evaluate(facts, store: ColumnStore(), vectorized: true)
                let slow = rule.evaluate(facts, store: ColumnStore(), vectorized: false)
                #expect(fast == slow, "\(rule.id): \(rule.conditionText)")
                if fast != slow { return }
                if case .notFired = fast { vectorPaths += 1 }
            }
        }
        // The comparison must have covered rules the vector path decides alone.
        #expect(vectorPaths > 100)
    }

    @Test("a shared column store gives the same outcomes as a fresh one per rule")
    func sharedStore() throws {
        var r = Random(seed: 99)
        let facts = Self.facts(&r, dirty: true)
        let text = """
        rules:
          - {id: t.a, title: a, description: a, severity: low, for_each: d in items, condition: 'd.n > 5 and d.ok'}
          - {id: t.b, title: b, description: b, severity: low, for_each: d in items, condition: 'd.n > 5 and not d.ok'}
          - {id: t.c, title: c, description: c, severity: low, condition: 'count(x in items: x.n > 5) > 3'}
        """
        let (set, diagnostics) = RuleSet.load([RuleSource(path: "s.yaml", text: text)], schema: Self.schema)
        #expect(diagnostics.isEmpty)
        let shared = ColumnStore()
        for rule in set.rules {
            #expect(rule.evaluate(facts, store: shared) == rule.evaluate(facts, store: ColumnStore(), vectorized: false))
        }
    }
}
