@testable import TWAdviseEngine

/// A small schema for engine tests, independent of host facts (the engine must not know them).
enum TestSchema {
    static let item = FactType.record(RecordType(name: "item", fields: [
        "name": FieldSpec(.string, "name", sources: ["items.txt"]),
        "load": FieldSpec(.int, "load", sources: ["items.txt"]),
        "local": FieldSpec(.bool, "is local"),
    ]))

    static let schema = FactSchema(root: RecordType(name: "facts", fields: [
        "a": FieldSpec(.int, "an int", sources: ["a.txt"]),
        "b": FieldSpec(.int, "another int"),
        "x": FieldSpec(.float, "a float"),
        "flag": FieldSpec(.bool, "a bool"),
        "name": FieldSpec(.string, "a string"),
        "timeout": FieldSpec(.duration, "a duration"),
        "kernel": FieldSpec(.record(RecordType(name: "kernel", fields: ["version": FieldSpec(.version, "version", sources: ["osrelease"])])), "kernel"),
        "items": FieldSpec(.list(item), "items", sources: ["items.txt"]),
        "numbers": FieldSpec(.list(.int), "numbers"),
    ]))

    static func check(_ text: String) throws -> (CheckedExpr, FactType) {
        var checker = TypeChecker(schema: schema)
        return try checker.check(try Parser.parse(text))
    }

    static func evaluate(_ text: String, _ facts: [String: FactValue]) throws -> FactValue {
        let (checked, _) = try check(text)
        var evaluator = Evaluator(facts: .record(facts), slotCount: 4)
        return evaluator.evaluate(checked)
    }

    /// The error message of checking `text`, with its start offset.
    static func error(_ text: String) -> (offset: Int, message: String, notes: [String])? {
        do {
            _ = try check(text)
            return nil
        } catch let e as ExpressionError {
            return (e.range.start, e.message, e.notes)
        } catch {
            return nil
        }
    }
}
