import Testing
@testable import TWAdviseEngine
import TWAdviseTestSupport

struct LexerAndParserTests {
    @Test("literals: ints with underscores, floats, exponents, durations, strings with escapes")
    func literals() throws {
        #expect(try Parser.parse("1_000") == .literal(.int(1000), TextRange(0, 5)))
        #expect(try Parser.parse("0.5") == .literal(.float(0.5), TextRange(0, 3)))
        #expect(try Parser.parse("1e3") == .literal(.float(1000), TextRange(0, 3)))
        #expect(try Parser.parse("60s") == .literal(.duration(60), TextRange(0, 3)))
        #expect(try Parser.parse("1500ms") == .literal(.duration(1.5), TextRange(0, 6)))
        #expect(try Parser.parse("5m") == .literal(.duration(300), TextRange(0, 2)))
        #expect(try Parser.parse("2h") == .literal(.duration(7200), TextRange(0, 2)))
        #expect(try Parser.parse("1d") == .literal(.duration(86400), TextRange(0, 2)))
        #expect(try Parser.parse(#""a\"b\n""#) == .literal(.string("a\"b\n"), TextRange(0, 8)))
        #expect(try Parser.parse("'x'") == .literal(.string("x"), TextRange(0, 3)))
        #expect(try Parser.parse("true") == .literal(.bool(true), TextRange(0, 4)))
    }

    @Test("precedence: or < and < not < comparison < + < * < unary < member")
    func precedence() throws {
        let e = try Parser.parse("not a + b * 2 > 3 or flag and x")
        guard case .binary("or", let lhs, let rhs, _) = e else { Issue.record("\(e)"); return }
        guard case .unary("not", .binary(">", .binary("+", .name("a", _), .binary("*", .name("b", _), .literal(.int(2), _), _), _), .literal(.int(3), _), _), _) = lhs else {
            Issue.record("lhs \(lhs)")
            return
        }
        guard case .binary("and", .name("flag", _), .name("x", _), _) = rhs else { Issue.record("rhs \(rhs)"); return }
        #expect(try Parser.parse("-a.b") == .unary("-", .member(.name("a", TextRange(1, 2)), "b", TextRange(1, 4)), TextRange(0, 4)))
        #expect(try Parser.parse("a - b - c") == .binary("-", .binary("-", .name("a", TextRange(0, 1)), .name("b", TextRange(4, 5)), TextRange(0, 5)), .name("c", TextRange(8, 9)), TextRange(0, 9)))
    }

    @Test("calls, comprehensions, lists, membership")
    func calls() throws {
        #expect(try Parser.parse("max(a, 2)") == .call("max", [.name("a", TextRange(4, 5)), .literal(.int(2), TextRange(7, 8))], TextRange(0, 9)))
        guard case .comprehension(let function, let variable, let collection, let body, let r) = try Parser.parse("any(i in items: i.load > 3)") else {
            Issue.record("comprehension")
            return
        }
        #expect(function == "any" && variable == "i" && collection == .name("items", TextRange(9, 14)) && r == TextRange(0, 27))
        #expect(body.range == TextRange(16, 26))
        #expect(try Parser.parse("[1, 2]") == .list([.literal(.int(1), TextRange(1, 2)), .literal(.int(2), TextRange(4, 5))], TextRange(0, 6)))
        guard case .binary("not in", _, _, _) = try Parser.parse("a not in [1]") else { Issue.record("not in"); return }
        guard case .call("has", let arguments, _) = try Parser.parse("has(a in numbers)"), arguments.count == 1,
              case .binary("in", _, _, _) = arguments[0] else { Issue.record("in as argument"); return }
    }

    @Test("syntax errors: message and position", arguments: [
        ("a +", 3, "expected an expression, found end of expression"),
        ("(a", 2, "expected ')' to close '(', found end of expression"),
        ("a b", 2, "expected an operator or end of expression, found 'b'"),
        ("a = 1", 2, "unexpected '='"),
        ("a && b", 2, "unexpected '&'"),
        ("a < b < c", 6, "comparisons do not chain: use 'and' between '<' and '<'"),
        ("5x", 1, "unknown duration unit 'x'"),
        ("\"abc", 0, "unterminated string"),
        ("\"a\\qb\"", 2, "unknown escape '\\q'"),
        ("99999999999999999999", 0, "integer '99999999999999999999' does not fit in 64 bits"),
        ("a.", 2, "expected a field name after '.', found end of expression"),
        ("max(a,", 6, "expected an expression, found end of expression"),
        ("a ~ b", 2, "unexpected character '~'"),
        ("[1, 2", 5, "expected ']' to close the list, found end of expression"),
    ])
    func syntaxErrors(text: String, offset: Int, message: String) {
        do {
            _ = try Parser.parse(text)
            Issue.record("'\(text)' parsed")
        } catch {
            #expect(error.message == message)
            #expect(error.range.start == offset)
        }
    }

    @Test("hints for common mistakes")
    func hints() {
        do { _ = try Parser.parse("a = 1"); Issue.record("parsed") } catch { #expect(error.notes == ["comparison is written '=='"]) }
        do { _ = try Parser.parse("a || b"); Issue.record("parsed") } catch { #expect(error.notes == ["boolean operators are written 'and', 'or', 'not': use 'or'"]) }
    }

    @Test("limits: expression length and nesting depth")
    func limits() {
        let deep = String(repeating: "(", count: 100) + "1" + String(repeating: ")", count: 100)
        do { _ = try Parser.parse(deep); Issue.record("parsed") } catch { #expect(error.message == "expression nests deeper than 64 levels") }
        let deepNot = String(repeating: "not ", count: 100) + "true"
        do { _ = try Parser.parse(deepNot); Issue.record("parsed") } catch { #expect(error.message.contains("nests deeper")) }
        let long = Array(repeating: "1", count: 3000).joined(separator: "+")
        do { _ = try Parser.parse(long); Issue.record("parsed") } catch { #expect(error.message == "expression is 5999 characters long; the limit is 4096") }
        #expect((try? Parser.parse(String(repeating: "(", count: 60) + "1" + String(repeating: ")", count: 60))) != nil)
    }
}

struct TypeCheckerTests {
    @Test("types of well-formed expressions", arguments: [
        ("a + b", "int"), ("a / b", "float"), ("a + x", "float"), ("a % b", "int"), ("timeout * 2", "duration"),
        ("timeout / 2s", "float"), ("name + \"!\"", "string"), ("a > 1 and flag", "bool"), ("kernel.version >= \"4.12\"", "bool"),
        ("items.load", "list of int"), ("count(items)", "int"), ("sum(items.load)", "int"), ("max(a, b)", "int"),
        ("max(a, x)", "float"), ("min(numbers)", "int"), ("any(i in items: i.load > 1)", "bool"), ("count(i in items: i.local)", "int"),
        ("sum(i in items: i.load * 2)", "int"), ("has(kernel.version)", "bool"), ("str(a)", "string"), ("default(a, 0)", "int"),
        ("contains(name, \"x\")", "bool"), ("a in [1, 2]", "bool"), ("version(\"6.1\") > kernel.version", "bool"), ("-timeout", "duration"),
        ("abs(x)", "float"), ("all(items.local)", "bool"),
    ])
    func types(text: String, type: String) throws {
        #expect(try TestSchema.check(text).1.description == type)
    }

    @Test("type and reference errors: message, position and suggestion", arguments: [
        ("aa + 1", 0, "unknown name 'aa'", ["did you mean 'a'?"]),
        ("kernel.versoin", 0, "kernel has no field 'versoin'; did you mean 'version'?", []),
        ("a.b", 0, "'a' is int, which has no field 'b'", []),
        ("a + flag", 0, "'+' cannot combine int and bool", []),
        ("flag and 1", 9, "'and' needs bool operands, found int", []),
        ("not a", 0, "'not' needs a bool, found int", []),
        ("-flag", 0, "'-' needs a number or duration, found bool", []),
        ("name > 1", 0, "cannot compare string with int", []),
        ("flag < true", 0, "'<' does not order bool values", []),
        ("kernel.version >= \"abc\"", 18, "'abc' is not a version such as \"4.12\"", []),
        ("kernel.version >= name", 18, "a version compares with a version or a string literal; use version(...)", []),
        ("mx(a, b)", 0, "unknown function 'mx'", ["did you mean 'max'?"]),
        ("max(a)", 0, "'max' of one argument needs a list of numbers", ["usage: max(a, b, ...) | max(list) | max(x in list: number)"]),
        ("abs(a, b)", 0, "'abs' takes 1 argument, found 2", ["usage: abs(number)"]),
        ("count(a)", 0, "'count' needs a list, found int", ["usage: count(list) | count(x in list: bool)"]),
        ("has(1)", 0, "'has' takes one fact path, as in has(sysctl.tcp_tw_reuse)", []),
        ("any(i in items: i.load)", 16, "'any' needs a bool condition, found int", []),
        ("str(i in items: true)", 0, "'str' does not take the 'x in list: ...' form", ["it is taken by any, all, count, sum, min and max"]),
        ("any(i in a: true)", 9, "'i in ...' needs a list, found int", []),
        ("any(a in items: true)", 0, "iteration variable 'a' hides the fact 'a'", []),
        ("name in numbers", 0, "cannot look for string in a list of int", []),
        ("[1, flag]", 4, "list items must have one type: int and bool", []),
        ("[]", 0, "an empty list has no type; leave it out", []),
        ("items == items", 0, "lists cannot be compared with '=='", []),
        ("default(a, name)", 0, "'default' needs a fallback of the value's type: int, found string", ["usage: default(value, fallback)"]),
        ("timeout + 1", 0, "'+' cannot combine duration and int", []),
    ])
    func errors(text: String, offset: Int, message: String, notes: [String]) {
        guard let error = TestSchema.error(text) else {
            Issue.record("'\(text)' checked")
            return
        }
        #expect(error.message == message)
        #expect(error.offset == offset)
        #expect(error.notes == notes)
    }
}

struct EvaluatorTests {
    let facts: [String: FactValue] = [
        "a": .int(7), "b": .int(2), "x": .float(0.5), "flag": .bool(true), "name": .string("web-1"), "timeout": .duration(60),
        "kernel": .record(["version": .version(Version([6, 18, 44]))]),
        "items": .list([.record(["name": .string("p"), "load": .int(5), "local": .bool(true)]),
                        .record(["name": .string("q"), "load": .int(9), "local": .bool(false)])]),
        "numbers": .list([.int(3), .int(1), .int(4)]),
    ]

    @Test("arithmetic, comparison and functions", arguments: [
        ("a + b * 3", FactValue.int(13)), ("a / b", .float(3.5)), ("a % b", .int(1)), ("a - x", .float(6.5)),
        ("-a", .int(-7)), ("timeout * 2", .duration(120)), ("timeout / 30s", .float(2)), ("name + \"!\"", .string("web-1!")),
        ("a > b", .bool(true)), ("a == 7.0", .bool(true)), ("name != \"web-1\"", .bool(false)), ("timeout >= 1m", .bool(true)),
        ("kernel.version >= \"4.12\"", .bool(true)), ("kernel.version < \"6.18.45\"", .bool(true)), ("kernel.version == \"6.18.44\"", .bool(true)),
        ("max(a, b)", .int(7)), ("min(a, x)", .float(0.5)), ("min(numbers)", .int(1)), ("max(numbers)", .int(4)),
        ("abs(b - a)", .int(5)), ("ceil(x)", .int(1)), ("floor(a / b)", .int(3)), ("first(items).name", .string("p")), ("first(numbers)", .int(3)), ("count(items)", .int(2)), ("sum(items.load)", .int(14)), ("sum(numbers)", .int(8)),
        ("any(i in items: i.load > 8)", .bool(true)), ("all(i in items: i.load > 8)", .bool(false)), ("all(items.local)", .bool(false)),
        ("count(i in items: i.local)", .int(1)), ("max(i in items: i.load)", .int(9)), ("sum(i in items: i.load * 2)", .int(28)),
        ("4 in numbers", .bool(true)), ("5 not in numbers", .bool(true)), ("contains(name, \"eb\")", .bool(true)),
        ("startsWith(name, \"web\")", .bool(true)), ("str(a)", .string("7")), ("str(x)", .string("0.5")), ("has(a)", .bool(true)),
        ("not flag or a > 100", .bool(false)), ("version(\"6.1\") < kernel.version", .bool(true)), ("a > 5 and b < 3", .bool(true)),
    ])
    func evaluates(text: String, expected: FactValue) throws {
        #expect(try TestSchema.evaluate(text, facts) == expected)
    }

    @Test("unknown facts: three-valued logic, never a silent zero", arguments: [
        ("b2 > 1", FactValue.unknown), ("missing + 1", .unknown), ("missing > 1 and flag", .unknown),
        ("missing > 1 and not flag", .bool(false)), ("missing > 1 or flag", .bool(true)), ("not (missing > 1)", .unknown),
        ("has(missing)", .bool(false)), ("default(missing, 5)", .int(5)), ("max(missing, 1)", .unknown),
        ("missing in numbers", .unknown), ("str(missing)", .unknown), ("kernel.version >= \"4.12\"", .unknown),
    ])
    func unknowns(text: String, expected: FactValue) throws {
        // `missing` and `b2` are the int facts 'b' and 'a' left out of the tree.
        let source = text.replacingOccurrences("missing", "b").replacingOccurrences("b2", "a")
        var partial = facts
        partial["b"] = nil
        partial["a"] = nil
        partial["kernel"] = .record([:])
        #expect(try TestSchema.evaluate(source, partial) == expected, "\(source)")
    }

    @Test("missing facts are named with their paths, list element fields included")
    func missingPaths() throws {
        var evaluator = Evaluator(facts: .record(["items": .list([.record(["name": .string("p")])])]), slotCount: 4)
        var checker = TypeChecker(schema: TestSchema.schema)
        let (checked, _) = try checker.check(try Parser.parse("any(i in items: i.load > 1) or a > 1 or kernel.version > \"1\""))
        #expect(evaluator.evaluate(checked) == .unknown)
        #expect(evaluator.missing == ["items[].load", "a", "kernel.version"])
    }

    @Test("undefined results: division by zero and overflow are unknown with a reason")
    func undefined() throws {
        for (text, reason) in [("a / 0", "division by zero"), ("a % 0", "remainder by zero"), ("a * 9223372036854775807", "integer overflow in '*'")] {
            let (checked, _) = try TestSchema.check(text)
            var evaluator = Evaluator(facts: .record(facts), slotCount: 0)
            #expect(evaluator.evaluate(checked) == .unknown)
            #expect(evaluator.undefined == [reason])
        }
    }
}

extension String {
    func replacingOccurrences(_ a: String, _ b: String) -> String {
        var result = ""
        var rest = Substring(self)
        while let r = rest.firstRange(of: a) {
            result += rest[..<r.lowerBound] + b
            rest = rest[r.upperBound...]
        }
        return result + rest
    }
}

/// `for_each`'s quick split (used when the build parsed the collection, so that it lexes) reads `NAME in REST`
/// exactly as the lexer does: whenever it answers and REST lexes, the lexer finds the same name and REST at the
/// same place, on written lines and on seeded random ones made of the pieces such lines are made of.
struct IterationSplitTests {
    static func lexed(_ text: String) -> (String, Int)? {
        guard let tokens = try? Lexer.tokenize(text), tokens.count >= 3, case .identifier(let name) = tokens[0].kind,
              case .keyword("in") = tokens[1].kind else { return nil }
        return (name, tokens[2].range.start)
    }

    @Test func agreesWithTheLexer() {
        let written = ["d in sockets.destinations", "  d\tin\n x", "dx in y", "in in x", "d in", "d in ", "d  in(x)",
                       "d.in x", "_d9 in [1, 2]", "9d in x", "d inx", "dé in x", "d in é", "and in x", "d in  \"a b\""]
        var random = SeededRandom(seed: 22)
        // Slot by slot: leading space, a name, space, `in`, space, the rest; each slot also draws wrong pieces.
        let slots: [[String]] = [["", " ", "\t", "\n "], ["d", "x9", "_a", "and", "in", "9d", "dé", ".d", ""],
                                 [" ", "\t", "", "\n", "  "], ["in", "inx", "in(", "i n", "and", ""],
                                 [" ", "", "\t", "(", "\n"], ["x", "sockets.destinations", "[1, 2]", "é", "", "\"s\"", "f(x)", "1d"]]
        let generated = (0..<20_000).map { _ in slots.map { $0.randomElement(using: &random)! }.joined() }
        var compared = 0
        for text in written + generated {
            let scalars = Array(text.unicodeScalars)
            guard let split = RuleLoader.iterationSplit(scalars),
                  (try? Lexer.tokenize(String(String.UnicodeScalarView(scalars[split.offset...])))) != nil else { continue }
            compared += 1
            let lexed = Self.lexed(text)
            #expect(lexed?.0 == split.variable && lexed?.1 == split.offset, "\(text.debugDescription)")
        }
        #expect(compared > 300)  // the quick path was taken often enough to be compared (381 with this seed)
    }
}
