import Testing
import TWAdviseTestSupport
@testable import TWAdviseEngine

/// Random expressions, evaluated by the engine and by a straightforward reference written from the language's
/// definition (Kleene logic over optionals, Int64 arithmetic where overflow is unknown). They must agree.
struct ReferenceAgreementTests {
    /// SplitMix64: small, seeded, reproducible.
    typealias Random = SeededRandom

    indirect enum IntExpr {
        case literal(Int64), fact(String), add(IntExpr, IntExpr), sub(IntExpr, IntExpr), mul(IntExpr, IntExpr), neg(IntExpr)
        case max(IntExpr, IntExpr), min(IntExpr, IntExpr), abs(IntExpr), fallback(IntExpr, IntExpr)
    }

    indirect enum BoolExpr {
        case literal(Bool), flag, less(IntExpr, IntExpr), lessEq(IntExpr, IntExpr), equal(IntExpr, IntExpr), notEqual(IntExpr, IntExpr)
        case and(BoolExpr, BoolExpr), or(BoolExpr, BoolExpr), not(BoolExpr), has(String)
    }

    static func int(_ r: inout Random, _ depth: Int) -> IntExpr {
        if depth == 0 || r.below(4) == 0 {
            return r.below(2) == 0 ? .literal(Int64(r.below(101)) - 50) : .fact(["a", "b", "c"][r.below(3)])
        }
        let d = depth - 1
        switch r.below(9) {
        case 0: return .add(int(&r, d), int(&r, d))
        case 1: return .sub(int(&r, d), int(&r, d))
        case 2: return .mul(int(&r, d), int(&r, d))
        case 3: return .neg(int(&r, d))
        case 4: return .max(int(&r, d), int(&r, d))
        case 5: return .min(int(&r, d), int(&r, d))
        case 6: return .abs(int(&r, d))
        case 7: return .fallback(int(&r, d), int(&r, d))
        default: return .literal(Int64(r.below(1000)))
        }
    }

    static func bool(_ r: inout Random, _ depth: Int) -> BoolExpr {
        if depth == 0 || r.below(5) == 0 {
            switch r.below(3) {
            case 0: return .literal(r.below(2) == 0)
            case 1: return .flag
            default: return .has(["a", "b", "c"][r.below(3)])
            }
        }
        let d = depth - 1
        switch r.below(8) {
        case 0: return .less(int(&r, d), int(&r, d))
        case 1: return .lessEq(int(&r, d), int(&r, d))
        case 2: return .equal(int(&r, d), int(&r, d))
        case 3: return .notEqual(int(&r, d), int(&r, d))
        case 4: return .and(bool(&r, d), bool(&r, d))
        case 5: return .or(bool(&r, d), bool(&r, d))
        case 6: return .not(bool(&r, d))
        default: return .less(int(&r, d), .literal(0))
        }
    }

    static func text(_ e: IntExpr) -> String {
        switch e {
        case .literal(let v): return v < 0 ? "(-\(-v))" : "\(v)"
        case .fact(let n): return n
        case .add(let a, let b): return "(\(text(a)) + \(text(b)))"
        case .sub(let a, let b): return "(\(text(a)) - \(text(b)))"
        case .mul(let a, let b): return "(\(text(a)) * \(text(b)))"
        case .neg(let a): return "(-\(text(a)))"
        case .max(let a, let b): return "max(\(text(a)), \(text(b)))"
        case .min(let a, let b): return "min(\(text(a)), \(text(b)))"
        case .abs(let a): return "abs(\(text(a)))"
        case .fallback(let a, let b): return "default(\(text(a)), \(text(b)))"
        }
    }

    static func text(_ e: BoolExpr) -> String {
        switch e {
        case .literal(let v): return v ? "true" : "false"
        case .flag: return "flag"
        case .less(let a, let b): return "(\(text(a)) < \(text(b)))"
        case .lessEq(let a, let b): return "(\(text(a)) <= \(text(b)))"
        case .equal(let a, let b): return "(\(text(a)) == \(text(b)))"
        case .notEqual(let a, let b): return "(\(text(a)) != \(text(b)))"
        case .and(let a, let b): return "(\(text(a)) and \(text(b)))"
        case .or(let a, let b): return "(\(text(a)) or \(text(b)))"
        case .not(let a): return "(not \(text(a)))"
        case .has(let n): return "has(\(n))"
        }
    }

    // The reference: nil is unknown.
    static func ref(_ e: IntExpr, _ env: [String: Int64]) -> Int64? {
        func op(_ a: Int64?, _ b: Int64?, _ f: (Int64, Int64) -> (Int64, Bool)) -> Int64? {
            guard let a, let b else { return nil }
            let (v, o) = f(a, b)
            return o ? nil : v
        }
        switch e {
        case .literal(let v): return v
        case .fact(let n): return env[n]
        case .add(let a, let b): return op(ref(a, env), ref(b, env)) { $0.addingReportingOverflow($1) }
        case .sub(let a, let b): return op(ref(a, env), ref(b, env)) { $0.subtractingReportingOverflow($1) }
        case .mul(let a, let b): return op(ref(a, env), ref(b, env)) { $0.multipliedReportingOverflow(by: $1) }
        case .neg(let a): return ref(a, env).flatMap { $0 == .min ? nil : -$0 }
        case .max(let a, let b): return op(ref(a, env), ref(b, env)) { (Swift.max($0, $1), false) }
        case .min(let a, let b): return op(ref(a, env), ref(b, env)) { (Swift.min($0, $1), false) }
        case .abs(let a): return ref(a, env).flatMap { $0 == .min ? nil : Swift.abs($0) }
        case .fallback(let a, let b): return ref(a, env) ?? ref(b, env)
        }
    }

    static func ref(_ e: BoolExpr, _ env: [String: Int64], _ flag: Bool?) -> Bool? {
        func cmp(_ a: IntExpr, _ b: IntExpr, _ f: (Int64, Int64) -> Bool) -> Bool? {
            guard let x = ref(a, env), let y = ref(b, env) else { return nil }
            return f(x, y)
        }
        switch e {
        case .literal(let v): return v
        case .flag: return flag
        case .less(let a, let b): return cmp(a, b, <)
        case .lessEq(let a, let b): return cmp(a, b, <=)
        case .equal(let a, let b): return cmp(a, b, ==)
        case .notEqual(let a, let b): return cmp(a, b, !=)
        case .and(let a, let b):
            let x = ref(a, env, flag), y = ref(b, env, flag)
            if x == false || y == false { return false }
            return x == true && y == true ? true : nil
        case .or(let a, let b):
            let x = ref(a, env, flag), y = ref(b, env, flag)
            if x == true || y == true { return true }
            return x == false && y == false ? false : nil
        case .not(let a): return ref(a, env, flag).map { !$0 }
        case .has(let n): return env[n] != nil
        }
    }

    static let schema = FactSchema(root: RecordType(name: "facts", fields: [
        "a": FieldSpec(.int, ""), "b": FieldSpec(.int, ""), "c": FieldSpec(.int, ""), "flag": FieldSpec(.bool, ""),
    ]))

    @Test("the engine agrees with the reference on 3,000 random expressions, with random unknowns", arguments: [1, 2, 3])
    func agreement(seed: UInt64) throws {
        var random = Random(seed: seed)
        for _ in 0..<1000 {
            var env: [String: Int64] = [:]
            for name in ["a", "b", "c"] where random.below(4) != 0 { env[name] = Int64(random.below(201)) - 100 }
            let flag: Bool? = random.below(4) == 0 ? nil : random.below(2) == 0
            var facts: [String: FactValue] = env.mapValues { .int($0) }
            if let flag { facts["flag"] = .bool(flag) }
            let expr = Self.bool(&random, 5)
            let source = Self.text(expr)
            var checker = TypeChecker(schema: Self.schema)
            let (checked, type) = try checker.check(try Parser.parse(source))
            #expect(type == .bool)
            var evaluator = Evaluator(facts: .record(facts), slotCount: 0)
            let engine = evaluator.evaluate(checked)
            let expected: FactValue = Self.ref(expr, env, flag).map(FactValue.bool) ?? .unknown
            #expect(engine == expected, "\(source) with \(env), flag \(String(describing: flag))")
            if engine != expected { return }
        }
    }
}
