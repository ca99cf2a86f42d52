extension Rule {
    /// Evaluates this rule against `facts`, with `overrides` replacing parameter values by name.
    package func evaluate(_ facts: FactValue, overrides: [String: FactValue] = [:]) -> RuleOutcome {
        evaluate(facts, overrides: overrides, store: ColumnStore())
    }

    /// Where the value of an evidence line was read: what `provenance` says for the facts it reads, else what
    /// the rule file says.
    func source(of spec: EvidenceSpec, _ provenance: FactProvenance) -> String? {
        var seen: Set<String> = []
        var sources: [String] = []
        for path in spec.factPaths {
            guard let source = provenance.source(of: path), seen.insert(source).inserted else { continue }
            sources.append(source)
        }
        return sources.isEmpty ? spec.source : sources.joined(separator: "; ")
    }

    /// Evaluates this rule. `store` holds the columns of iterated collections, built on first use and shared
    /// by every rule of an evaluation, so each item's field is looked up once, not once per rule.
    ///
    /// With `vectorized`, a `for_each` condition is first evaluated for all items at once, over typed columns
    /// (``VectorEvaluator``); items where it is false are done, and the others (true or unknown) are evaluated
    /// one at a time as before, for their findings or for exactly which facts were missing. Without it, every
    /// item goes the row-by-row way (the reference the tests compare against).
    package func evaluate(_ facts: FactValue, overrides: [String: FactValue] = [:], store: ColumnStore,
                          provenance: FactProvenance = FactProvenance(), vectorized: Bool = true) -> RuleOutcome {
        var evaluator = Evaluator(facts: facts, slotCount: slotCount, factPaths: factPathCount)
        if vectorized { evaluator.store = store }
        for parameter in parameters { evaluator.slots[parameter.slot] = overrides[parameter.name] ?? parameter.value }
        guard let iteration else {
            evaluator.missing = []
            evaluator.undefined = []
            for (slot, expr) in lets { evaluator.slots[slot] = evaluator.evaluate(expr) }
            switch evaluator.condition(condition) {
            case true?: return .fired([finding(&evaluator, overrides, provenance)])
            case false?: return .notFired
            case nil: return insufficient(evaluator.missing, evaluator.undefined)
            }
        }
        guard let items = evaluator.evaluate(iteration.collection).listItems else {
            return insufficient(evaluator.missing, evaluator.undefined)
        }
        if let path = iterationPath {
            evaluator.columns = iterationFields.map { store.values(of: items, path: path, field: $0) }
        }
        var decided: [UInt8]?
        if vectorized, items.count >= VectorEvaluator.minimumRows {
            var vector = VectorEvaluator(items: items, slot: iteration.slot, fieldNames: iterationFields, path: iterationPath,
                                         store: store, scalar: evaluator)
            for (slot, expr) in lets { vector.bind(slot, expr) }
            decided = vector.evaluate(condition).truth(rows: items.count)
        }
        var findings: [Finding] = []
        var missing: Set<String> = []
        var undefined: Set<String> = []
        for index in items.indices where decided?[index] != Column.falseByte {
            evaluator.currentIndex = index
            evaluator.slots[iteration.slot] = items[index]
            evaluator.missing = []
            evaluator.undefined = []
            for (slot, expr) in lets { evaluator.slots[slot] = evaluator.evaluate(expr) }
            switch evaluator.condition(condition) {
            case true?: findings.append(finding(&evaluator, overrides, provenance))
            case false?: break
            case nil:
                missing.formUnion(evaluator.missing)
                undefined.formUnion(evaluator.undefined)
            }
        }
        if !findings.isEmpty { return .fired(findings.sorted(by: Finding.ranked)) }
        if !missing.isEmpty || !undefined.isEmpty { return insufficient(missing, undefined) }
        return .notFired
    }

    private func insufficient(_ missing: Set<String>, _ undefined: Set<String>) -> RuleOutcome {
        let facts = missing.sorted().map { path in
            MissingFact(path: path, sources: factSources[path] ?? [])
        }
        return .insufficientData(missing: facts, reasons: undefined.isEmpty && missing.isEmpty ? ["the condition is unknown"] : undefined.sorted())
    }

    private func finding(_ evaluator: inout Evaluator, _ overrides: [String: FactValue], _ provenance: FactProvenance) -> Finding {
        var level = severity
        for (target, condition) in escalations where evaluator.condition(condition) == true {
            level = target
            break
        }
        let scoreValue = score.flatMap { evaluator.evaluate($0).number } ?? level.defaultScore
        let subjectValue = subject.flatMap { evaluator.evaluate($0).string }
        let items = evidence.map { spec in
            Evidence(label: spec.label, fact: evaluator.evaluate(spec.value), percent: spec.format == .percent,
                     source: source(of: spec, provenance))
        }
        var parameterValues: [String: FactValue] = [:]
        var defaults: [String: FactValue] = [:]
        for parameter in parameters {
            let value = overrides[parameter.name] ?? parameter.value
            parameterValues[parameter.name] = value
            if let original = parameter.defaultValue, original != value { defaults[parameter.name] = original }
        }
        var varValues: [String: FactValue] = [:]
        for (name, expr) in vars {
            let value = evaluator.evaluate(expr)
            // Unknown and false are left out, so a runbook section `{{#vars.NAME}}` tests either.
            if !value.isUnknown, value != .bool(false) { varValues[name] = value }
        }
        return Finding(id: id, title: title, severity: level, score: scoreValue, subject: subjectValue, evidence: items,
                       runbook: runbook, references: references, parameters: parameterValues, justifications: overlayJustifications,
                       vars: varValues, parameterDefaults: defaults)
    }
}

extension Rule {
    /// Gives every fact path of every expression an index into the evaluator's per-evaluation cache.
    package mutating func indexFacts() {
        var table: [[String]] = []
        escalations = escalations.map { ($0.0, $0.1.indexingFacts(&table)) }
        if let it = iteration { iteration = (it.slot, it.collection.indexingFacts(&table)) }
        lets = lets.map { ($0.slot, $0.expr.indexingFacts(&table)) }
        condition = condition.indexingFacts(&table)
        score = score?.indexingFacts(&table)
        subject = subject?.indexingFacts(&table)
        evidence = evidence.map { var e = $0; e.value = e.value.indexingFacts(&table); return e }
        vars = vars.map { ($0.name, $0.expr.indexingFacts(&table)) }
        factPathCount = table.count
        // What each evidence line reads, through the let bindings, for where its value was read.
        var slotPaths: [Int: Set<String>] = [:]
        if let it = iteration { slotPaths[it.slot] = Set(it.collection.factPaths(slots: [:]).map { $0 + "[]" }) }
        for (slot, expr) in lets { slotPaths[slot] = expr.factPaths(slots: slotPaths) }
        evidence = evidence.map { var e = $0; e.factPaths = e.value.factPaths(slots: slotPaths).sorted(); return e }
        // Fields of the iterated items become columns when the collection is a fact path.
        guard let it = iteration, case .cachedFact(_, let path) = it.collection else { return }
        var fields: [String] = []
        let slot = it.slot
        escalations = escalations.map { ($0.0, $0.1.columnizing(slot: slot, &fields)) }
        lets = lets.map { ($0.slot, $0.expr.columnizing(slot: slot, &fields)) }
        condition = condition.columnizing(slot: slot, &fields)
        score = score?.columnizing(slot: slot, &fields)
        subject = subject?.columnizing(slot: slot, &fields)
        evidence = evidence.map { var e = $0; e.value = e.value.columnizing(slot: slot, &fields); return e }
        vars = vars.map { ($0.name, $0.expr.columnizing(slot: slot, &fields)) }
        iterationFields = fields
        iterationPath = path.joined(separator: ".")
    }
}
