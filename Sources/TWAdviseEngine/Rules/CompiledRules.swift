/// Rules of one file as the loader left them, type-checked and indexed, in a compact form the build writes and
/// a run reads back without YAML, expressions or type checking: the `EmbedKnowledgeBase` plugin loads the
/// built-in rules against the schema's ``FactSchema/checkingText`` when TWAdvise is built, and a diagnosis
/// decodes them (``RuleSet/load(_:schema:testsOfCompiled:)``). In-file tests are not kept: a run that needs
/// them loads the file the slow way.
///
/// Body grammar (numbers in decimal, strings as `LENGTH:BYTES` in UTF-8, `-` for an absent optional and `+`
/// before a present one, lists as COUNT `:` then the items): COUNT `:` then each rule's fields in the order
/// ``write(_:into:)`` gives them; an expression (``CheckedExpr``) is one letter naming its case followed by its
/// parts, a value (``FactValue``) and a type (``FactType``) likewise. File names are not stored: the reader
/// names the file every location is in. Sealed (``EmbeddedSeal``, tag ``tag``): a form whose checksum or
/// version does not match is not used, and the file is loaded from its text.
package enum CompiledRules {
    /// The form's name and version in its seal.
    package static let tag = "twadvise-rules/1"
    /// Deepest nesting of an expression, value or type decoded.
    static let maxDepth = 512

    /// The sealed form of `rules`; `nil` when one holds what this form does not keep (in-file tests, an
    /// overlay's changes, a table value).
    package static func encode(_ rules: [Rule]) -> String? {
        var writer = Writer()
        writer.out.appendDecimal(rules.count)
        writer.out.append(UInt8(ascii: ":"))
        for rule in rules {
            guard rule.tests.isEmpty, !rule.isDisabled, rule.overlayJustifications.isEmpty else { return nil }
            writer.write(rule)
        }
        return writer.failed ? nil : EmbeddedSeal.seal(writer.out, tag: tag)
    }

    /// The rules `encode` wrote, located in `file`, each reading `factSources` for "insufficient data"
    /// reports; `nil` when `text` is not that form, or is damaged.
    package static func decode(_ text: String, file: String, factSources: [String: [String]]) -> [Rule]? {
        var text = text
        return text.withUTF8 { sealed -> [Rule]? in
            guard let body = EmbeddedSeal.open(sealed, tag: tag) else { return nil }
            var reader = Reader(bytes: UnsafeBufferPointer(rebasing: sealed[body]), file: file, factSources: factSources)
            guard let count = reader.count() else { return nil }
            var rules: [Rule] = []
            rules.reserveCapacity(count)
            for _ in 0..<count {
                guard let rule = reader.rule() else { return nil }
                rules.append(rule)
            }
            return reader.position == reader.bytes.count ? rules : nil
        }
    }

    /// Most slots or cached fact paths a decoded rule may ask the evaluators to allocate.
    static let maxSlots = 1 << 16

    /// Whether every slot and index the rule uses is within what it allocates (the evaluators index arrays of
    /// ``Rule/slotCount``, ``Rule/factPathCount`` and ``Rule/iterationFields`` with them): a well-sealed form
    /// that is wrong inside is refused here, not by a trap in an evaluation.
    static func indicesFit(_ rule: Rule) -> Bool {
        let slots = rule.slotCount
        let facts = rule.factPathCount
        guard (0...maxSlots).contains(slots), (0...maxSlots).contains(facts) else { return false }
        func fits(_ slot: Int) -> Bool { slot >= 0 && slot < slots }
        func fits(_ e: CheckedExpr) -> Bool {
            switch e {
            case .constant, .fact: return true
            case .slot(let i): return fits(i)
            case .cachedFact(let i, _): return i >= 0 && i < facts
            case .iterationField(let i, _): return i >= 0 && i < rule.iterationFields.count
            case .member(let a, _, _), .project(let a, _, _), .negate(let a), .not(let a): return fits(a)
            case .and(let a, let b), .or(let a, let b), .arithmetic(_, let a, let b, _), .compare(_, let a, let b),
                 .membership(let a, let b, _):
                return fits(a) && fits(b)
            case .call(_, let args), .list(let args): return args.allSatisfy(fits)
            case .comprehension(_, let slot, let collection, let body): return fits(slot) && fits(collection) && fits(body)
            }
        }
        return rule.parameters.allSatisfy { fits($0.slot) }
            && rule.lets.allSatisfy { fits($0.slot) && fits($0.expr) }
            && (rule.iteration.map { fits($0.slot) && fits($0.collection) } ?? true)
            && rule.escalations.allSatisfy { fits($0.1) }
            && fits(rule.condition) && (rule.score.map(fits) ?? true) && (rule.subject.map(fits) ?? true)
            && rule.evidence.allSatisfy { fits($0.value) } && rule.vars.allSatisfy { fits($0.expr) }
    }

    // MARK: - Writing

    private struct Writer {
        var out: [UInt8] = []
        /// Set when a value this form does not keep was met.
        var failed = false

        mutating func letter(_ c: Unicode.Scalar) { out.append(UInt8(c.value)) }

        mutating func count(_ n: Int) {
            out.appendDecimal(n)
            letter(":")
        }

        mutating func int(_ n: some BinaryInteger) {
            out.appendDecimal(n)
            letter(":")
        }

        mutating func flag(_ b: Bool) { letter(b ? "t" : "F") }

        mutating func string(_ s: String) { out.appendString(s) }

        mutating func optional<T>(_ value: T?, _ body: (inout Writer, T) -> Void) {
            guard let value else { return letter("-") }
            letter("+")
            body(&self, value)
        }

        mutating func strings(_ items: [String]) {
            count(items.count)
            for item in items { string(item) }
        }

        mutating func write(_ rule: Rule) {
            string(rule.id)
            string(rule.title)
            string(rule.description)
            string(rule.severity.rawValue)
            count(rule.parameters.count)
            for p in rule.parameters {
                string(p.name)
                value(p.value)
                type(p.type)
                string(p.doc)
                int(p.slot)
                optional(p.link) { $0.string($1) }
                optional(p.defaultValue) { $0.value($1) }
            }
            optional(rule.runbook) { $0.string($1) }
            count(rule.references.count)
            for reference in rule.references {
                string(reference.title)
                optional(reference.url) { $0.string($1) }
            }
            int(rule.location.line)
            int(rule.location.column)
            flag(rule.isOverride)
            optional(rule.overrideJustification) { $0.string($1) }
            string(rule.conditionText)
            optional(rule.iterationText) { $0.string($1) }
            count(rule.letTexts.count)
            for (name, text) in rule.letTexts { string(name); string(text) }
            count(rule.escalationTexts.count)
            for (severity, text) in rule.escalationTexts { string(severity); string(text) }
            count(rule.escalations.count)
            for (severity, condition) in rule.escalations { string(severity.rawValue); expr(condition) }
            optional(rule.iteration) { $0.int($1.slot); $0.expr($1.collection) }
            count(rule.lets.count)
            for (slot, value) in rule.lets { int(slot); expr(value) }
            expr(rule.condition)
            optional(rule.score) { $0.expr($1) }
            optional(rule.subject) { $0.expr($1) }
            count(rule.evidence.count)
            for e in rule.evidence {
                string(e.label)
                expr(e.value)
                optional(e.source) { $0.string($1) }
                string(e.format.rawValue)
                strings(e.factPaths)
            }
            count(rule.vars.count)
            for (name, value) in rule.vars { string(name); expr(value) }
            int(rule.slotCount)
            int(rule.factPathCount)
            strings(rule.iterationFields)
            optional(rule.iterationPath) { $0.string($1) }
        }

        mutating func expr(_ e: CheckedExpr) {
            switch e {
            case .constant(let v): letter("k"); value(v)
            case .slot(let i): letter("$"); int(i)
            case .fact(let path): letter("f"); strings(path)
            case .cachedFact(let i, let path): letter("C"); int(i); strings(path)
            case .member(let base, let field, let path): letter("."); expr(base); string(field); string(path)
            case .iterationField(let i, let path): letter("I"); int(i); string(path)
            case .project(let base, let field, let path): letter("P"); expr(base); string(field); string(path)
            case .negate(let a): letter("-"); expr(a)
            case .not(let a): letter("!"); expr(a)
            case .and(let a, let b): letter("&"); expr(a); expr(b)
            case .or(let a, let b): letter("|"); expr(a); expr(b)
            case .arithmetic(let op, let a, let b, let result): letter("a"); string(op.rawValue); expr(a); expr(b); type(result)
            case .compare(let op, let a, let b): letter("c"); string(op.rawValue); expr(a); expr(b)
            case .membership(let a, let b, let negated): letter("m"); flag(negated); expr(a); expr(b)
            case .call(let f, let args):
                letter("(")
                string(f.rawValue)
                count(args.count)
                for arg in args { expr(arg) }
            case .comprehension(let f, let slot, let collection, let body):
                letter("x"); string(f.rawValue); int(slot); expr(collection); expr(body)
            case .list(let items):
                letter("[")
                count(items.count)
                for item in items { expr(item) }
            }
        }

        mutating func value(_ v: FactValue) {
            switch v {
            case .int(let n): letter("i"); out.appendDecimal(n); letter(":")
            case .float(let d): letter("f"); int(d.bitPattern)
            case .duration(let d): letter("d"); int(d.bitPattern)
            case .bool(let b): flag(b)
            case .string(let s): letter("s"); string(s)
            case .version(let version):
                letter("v")
                count(version.components.count)
                for c in version.components { int(c) }
            case .list(let items):
                letter("[")
                count(items.count)
                for item in items { value(item) }
            case .record(let fields):
                letter("r")
                count(fields.count)
                for key in fields.keys.sorted() { string(key); value(fields[key] ?? .unknown) }
            case .unknown: letter("u")
            case .table: failed = true
            }
        }

        mutating func type(_ t: FactType) {
            switch t {
            case .int: letter("i")
            case .float: letter("f")
            case .bool: letter("b")
            case .string: letter("s")
            case .duration: letter("d")
            case .version: letter("v")
            case .list(let element): letter("l"); type(element)
            case .record(let record):
                letter("r")
                string(record.name)
                count(record.fields.count)
                for name in record.fields.keys.sorted() {
                    guard let spec = record.fields[name] else { continue }
                    string(name)
                    type(spec.type)
                    string(spec.doc)
                    strings(spec.sources)
                }
            }
        }
    }

    // MARK: - Reading

    private struct Reader: EmbeddedByteReader {
        let bytes: UnsafeBufferPointer<UInt8>
        var position = 0
        let file: String
        let factSources: [String: [String]]

        init(bytes: UnsafeBufferPointer<UInt8>, file: String, factSources: [String: [String]]) {
            self.bytes = bytes
            self.file = file
            self.factSources = factSources
        }

        /// A count of items still to come: each takes at least one byte, so a count beyond the bytes left is damage.
        mutating func count() -> Int? {
            guard let n = number(), expect(":"), n <= bytes.count - position else { return nil }
            return n
        }

        mutating func int() -> Int? {
            guard let n = signed(), expect(":") else { return nil }
            return Int(exactly: n)
        }

        mutating func letter() -> UInt8? {
            guard position < bytes.count else { return nil }
            defer { position += 1 }
            return bytes[position]
        }

        mutating func flag() -> Bool? {
            switch letter() {
            case UInt8(ascii: "t"): return true
            case UInt8(ascii: "F"): return false
            default: return nil
            }
        }

        /// `.some(nil)` for `-`, `.some(value)` for `+` and a value `body` reads; `nil` when damaged.
        mutating func optional<T>(_ body: (inout Reader) -> T?) -> T?? {
            switch letter() {
            case UInt8(ascii: "-"): return .some(nil)
            case UInt8(ascii: "+"): return body(&self).map { .some($0) }
            default: return nil
            }
        }

        mutating func optionalString() -> String?? { optional { $0.string() } }
        mutating func optionalExpr() -> CheckedExpr?? { optional { $0.expr(depth: 0) } }

        mutating func strings() -> [String]? { list { $0.string() } }

        mutating func severity() -> Severity? { string().flatMap(Severity.init(rawValue:)) }

        /// `n` items `body` reads, or `nil` when one is damaged.
        mutating func list<T>(_ body: (inout Reader) -> T?) -> [T]? {
            guard let n = count() else { return nil }
            var items: [T] = []
            items.reserveCapacity(n)
            for _ in 0..<n {
                guard let item = body(&self) else { return nil }
                items.append(item)
            }
            return items
        }

        mutating func rule() -> Rule? {
            guard let id = string(), let title = string(), let description = string(), let severity = severity(),
                  let parameters = list({ $0.parameter() }),
                  let runbook = optionalString(),
                  let references = list({ r -> Reference? in
                      guard let title = r.string(), let url = r.optionalString() else { return nil }
                      return Reference(title: title, url: url)
                  }),
                  let line = int(), let column = int(), let isOverride = flag(), let justification = optionalString(),
                  let conditionText = string(), let iterationText = optionalString(),
                  let letTexts = list({ r -> (String, String)? in
                      guard let name = r.string(), let text = r.string() else { return nil }
                      return (name, text)
                  }),
                  let escalationTexts = list({ r -> (String, String)? in
                      guard let severity = r.string(), let text = r.string() else { return nil }
                      return (severity, text)
                  }),
                  let escalations = list({ r -> (Severity, CheckedExpr)? in
                      guard let severity = r.severity(), let condition = r.expr(depth: 0) else { return nil }
                      return (severity, condition)
                  }),
                  let iteration = optional({ r -> (slot: Int, collection: CheckedExpr)? in
                      guard let slot = r.int(), let collection = r.expr(depth: 0) else { return nil }
                      return (slot, collection)
                  }),
                  let lets = list({ r -> (slot: Int, expr: CheckedExpr)? in
                      guard let slot = r.int(), let value = r.expr(depth: 0) else { return nil }
                      return (slot, value)
                  }),
                  let condition = expr(depth: 0), let score = optionalExpr(), let subject = optionalExpr(),
                  let evidence = list({ $0.evidence() }),
                  let vars = list({ r -> (name: String, expr: CheckedExpr)? in
                      guard let name = r.string(), let value = r.expr(depth: 0) else { return nil }
                      return (name, value)
                  }),
                  let slotCount = int(), let factPathCount = int(), let iterationFields = strings(),
                  let iterationPath = optionalString()
            else { return nil }
            var rule = Rule(
                id: id, title: title, description: description, severity: severity, parameters: parameters, runbook: runbook,
                references: references, location: SourceLocation(file: file, line: line, column: column), isOverride: isOverride,
                conditionText: conditionText, iterationText: iterationText, escalations: escalations, iteration: iteration,
                lets: lets, condition: condition, score: score, subject: subject, evidence: evidence, vars: vars, tests: [],
                slotCount: slotCount, factSources: factSources)
            rule.overrideJustification = justification
            rule.letTexts = letTexts.map { (name: $0.0, expression: $0.1) }
            rule.escalationTexts = escalationTexts.map { (severity: $0.0, condition: $0.1) }
            rule.factPathCount = factPathCount
            rule.iterationFields = iterationFields
            rule.iterationPath = iterationPath
            return CompiledRules.indicesFit(rule) ? rule : nil
        }

        mutating func parameter() -> RuleParameter? {
            guard let name = string(), let value = value(depth: 0), let type = type(depth: 0), let doc = string(),
                  let slot = int(), let link = optionalString(), let defaultValue = optional({ $0.value(depth: 0) })
            else { return nil }
            return RuleParameter(name: name, value: value, type: type, doc: doc, slot: slot, link: link, defaultValue: defaultValue)
        }

        mutating func evidence() -> EvidenceSpec? {
            guard let label = string(), let value = expr(depth: 0), let source = optionalString(),
                  let format = string().flatMap(EvidenceFormat.init(rawValue:)), let factPaths = strings()
            else { return nil }
            return EvidenceSpec(label: label, value: value, source: source, format: format, factPaths: factPaths)
        }

        mutating func expr(depth: Int) -> CheckedExpr? {
            guard depth <= CompiledRules.maxDepth, let kind = letter() else { return nil }
            let next = depth + 1
            switch kind {
            case UInt8(ascii: "k"): return value(depth: next).map(CheckedExpr.constant)
            case UInt8(ascii: "$"): return int().map(CheckedExpr.slot)
            case UInt8(ascii: "f"): return strings().map(CheckedExpr.fact)
            case UInt8(ascii: "C"):
                guard let i = int(), let path = strings() else { return nil }
                return .cachedFact(i, path)
            case UInt8(ascii: "."), UInt8(ascii: "P"):
                guard let base = expr(depth: next), let field = string(), let path = string() else { return nil }
                return kind == UInt8(ascii: ".") ? .member(base, field, path: path) : .project(base, field, path: path)
            case UInt8(ascii: "I"):
                guard let i = int(), let path = string() else { return nil }
                return .iterationField(i, path: path)
            case UInt8(ascii: "-"): return expr(depth: next).map(CheckedExpr.negate)
            case UInt8(ascii: "!"): return expr(depth: next).map(CheckedExpr.not)
            case UInt8(ascii: "&"), UInt8(ascii: "|"):
                guard let a = expr(depth: next), let b = expr(depth: next) else { return nil }
                return kind == UInt8(ascii: "&") ? .and(a, b) : .or(a, b)
            case UInt8(ascii: "a"):
                guard let op = string().flatMap(ArithmeticOperator.init(rawValue:)), let a = expr(depth: next),
                      let b = expr(depth: next), let result = type(depth: next) else { return nil }
                return .arithmetic(op, a, b, result: result)
            case UInt8(ascii: "c"):
                guard let op = string().flatMap(ComparisonOperator.init(rawValue:)), let a = expr(depth: next),
                      let b = expr(depth: next) else { return nil }
                return .compare(op, a, b)
            case UInt8(ascii: "m"):
                guard let negated = flag(), let a = expr(depth: next), let b = expr(depth: next) else { return nil }
                return .membership(a, b, negated: negated)
            case UInt8(ascii: "("):
                guard let f = string().flatMap(Builtin.init(rawValue:)), let args = list({ $0.expr(depth: next) }) else { return nil }
                return .call(f, args)
            case UInt8(ascii: "x"):
                guard let f = string().flatMap(Builtin.init(rawValue:)), let slot = int(), let collection = expr(depth: next),
                      let body = expr(depth: next) else { return nil }
                return .comprehension(f, slot: slot, collection: collection, body: body)
            case UInt8(ascii: "["): return list({ $0.expr(depth: next) }).map(CheckedExpr.list)
            default: return nil
            }
        }

        mutating func value(depth: Int) -> FactValue? {
            guard depth <= CompiledRules.maxDepth, let kind = letter() else { return nil }
            switch kind {
            case UInt8(ascii: "i"):
                guard let n = signed(), expect(":") else { return nil }
                return .int(n)
            case UInt8(ascii: "f"), UInt8(ascii: "d"):
                guard let bits = unsigned(), expect(":") else { return nil }
                let d = Double(bitPattern: bits)
                return kind == UInt8(ascii: "f") ? .float(d) : .duration(d)
            case UInt8(ascii: "t"): return .bool(true)
            case UInt8(ascii: "F"): return .bool(false)
            case UInt8(ascii: "s"): return string().map(FactValue.string)
            case UInt8(ascii: "v"): return list({ $0.int() }).map { .version(Version($0)) }
            case UInt8(ascii: "["): return list({ $0.value(depth: depth + 1) }).map(FactValue.list)
            case UInt8(ascii: "r"):
                guard let pairs = list({ r -> (String, FactValue)? in
                    guard let key = r.string(), let v = r.value(depth: depth + 1) else { return nil }
                    return (key, v)
                }) else { return nil }
                return unique(pairs).map(FactValue.record)
            case UInt8(ascii: "u"): return .unknown
            default: return nil
            }
        }

        /// The pairs as a dictionary; `nil` when a key comes twice (the writer never writes one twice).
        func unique<V>(_ pairs: [(String, V)]) -> [String: V]? {
            var result: [String: V] = [:]
            result.reserveCapacity(pairs.count)
            for (key, value) in pairs {
                guard result.updateValue(value, forKey: key) == nil else { return nil }
            }
            return result
        }

        mutating func type(depth: Int) -> FactType? {
            guard depth <= CompiledRules.maxDepth, let kind = letter() else { return nil }
            switch kind {
            case UInt8(ascii: "i"): return .int
            case UInt8(ascii: "f"): return .float
            case UInt8(ascii: "b"): return .bool
            case UInt8(ascii: "s"): return .string
            case UInt8(ascii: "d"): return .duration
            case UInt8(ascii: "v"): return .version
            case UInt8(ascii: "l"): return type(depth: depth + 1).map(FactType.list)
            case UInt8(ascii: "r"):
                guard let name = string(), let fields = list({ r -> (String, FieldSpec)? in
                    guard let field = r.string(), let type = r.type(depth: depth + 1), let doc = r.string(),
                          let sources = r.strings() else { return nil }
                    return (field, FieldSpec(type, doc, sources: sources))
                }) else { return nil }
                return unique(fields).map { .record(RecordType(name: name, fields: $0)) }
            default: return nil
            }
        }
    }
}
