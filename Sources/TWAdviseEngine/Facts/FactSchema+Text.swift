/// A ``FactSchema`` as text the build can read, all of it (each path, its type, record names, doc and the files
/// it is read from; types compare their docs too, so the docs are kept): the built-in rules are checked
/// against it when TWAdvise is built (``CompiledRules``), and a run uses that check only while its own schema
/// gives the same text, that is, only while the two schemas are equal.
///
/// One line a path, depth first and sorted by name at each level, after a `root NAME` line:
/// `PATH<TAB>TYPE<TAB>DOC[<TAB>SOURCE]...`, where TYPE is `int`, `float`, `bool`, `string`, `duration`,
/// `version`, `record:NAME` or `list:TYPE`, and the fields of a list of records follow as `PATH[].FIELD`.
/// Lines starting with `#` are comments.
extension FactSchema {
    /// The first lines of ``checkingText``.
    package static let checkingTextHeader = """
        # The fact schema the built-in rules are type-checked against when TWAdvise is built: each fact path,
        # its type, what it means and the files it is read from (path, type, doc, sources; tab-separated).
        # Generated: swift run twadvise rules facts --format schema. A test fails while it differs from the
        # schema TWAdvise declares, and a run then loads the rules from their text.

        """

    /// The schema as checking text; `nil` when a name, doc or source cannot be written on one line, or a
    /// record sits where the path syntax cannot reach it (inside a list of lists).
    package var checkingText: String? {
        var text = Self.checkingTextHeader + "root " + root.name + "\n"
        var representable = Self.isWritable(root.name) && Self.namesWritable(root)
        visit(sorted: true) { path, spec in
            guard representable, let type = Self.token(spec.type), spec.sources.allSatisfy(Self.isWritable),
                  spec.doc.isEmpty || Self.isWritable(spec.doc) else {
                representable = false
                return
            }
            text += path + "\t" + type + "\t" + spec.doc
            for source in spec.sources { text += "\t" + source }
            text += "\n"
        }
        return representable ? text : nil
    }

    /// The schema `text` gives, or `nil` when a line is not in the form ``checkingText`` writes.
    package init?(checkingText text: String) {
        var rootName: String?
        /// Fields by the path of the record holding them ("" for the root, `a.b[]` for a list's records).
        var children: [String: [(name: String, type: Substring, doc: String, sources: [String])]] = [:]
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) where !line.hasPrefix("#") {
            if rootName == nil {
                guard line.hasPrefix("root ") else { return nil }
                rootName = String(line.dropFirst(5))
                continue
            }
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard columns.count >= 3, !columns[0].isEmpty else { return nil }
            let path = columns[0]
            var parent = ""
            var name = String(path)
            if let dot = path.lastIndex(of: ".") {
                parent = String(path[..<dot])
                name = String(path[path.index(after: dot)...])
            }
            guard !name.isEmpty, !name.contains("[") else { return nil }
            children[parent, default: []].append((name, columns[1], String(columns[2]), columns.dropFirst(3).map(String.init)))
        }
        guard let rootName else { return nil }
        var budget = children.values.reduce(0) { $0 + $1.count }
        func record(_ name: String, at path: String, depth: Int) -> RecordType? {
            var fields: [String: FieldSpec] = [:]
            for field in children[path] ?? [] {
                budget -= 1
                guard budget >= 0, fields[field.name] == nil else { return nil }
                let fieldPath = path.isEmpty ? field.name : path + "." + field.name
                guard let type = Self.type(field.type, fieldPath: fieldPath, depth: depth + 1, record: record) else { return nil }
                fields[field.name] = FieldSpec(type, field.doc, sources: field.sources)
            }
            return RecordType(name: name, fields: fields)
        }
        guard let root = record(rootName, at: "", depth: 0), budget == 0 else { return nil }  // no line left over
        self.init(root: root)
    }

    /// A name or source that fits on one line between tabs.
    private static func isWritable(_ text: String) -> Bool {
        !text.isEmpty && !text.utf8.contains { $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
    }

    /// Whether every field name, at every depth, is one step of a path (no `.` or `[`) on one line, and not
    /// one a reader takes for a comment (`#`).
    private static func namesWritable(_ record: RecordType) -> Bool {
        record.fields.allSatisfy { name, spec in
            guard isWritable(name), !name.contains("."), !name.contains("["), !name.hasPrefix("#") else { return false }
            switch spec.type {
            case .record(let inner), .list(.record(let inner)): return namesWritable(inner)
            default: return true
            }
        }
    }

    /// TYPE for `type`; `nil` for a record the path syntax cannot reach (in a list of lists).
    private static func token(_ type: FactType) -> String? {
        switch type {
        case .record(let record):
            return isWritable(record.name) && !record.name.contains(":") ? "record:" + record.name : nil
        case .list(let element):
            if case .list(let inner) = element, inner.containsRecord { return nil }
            return token(element).map { "list:" + $0 }
        default:
            return type.description  // a scalar: the name messages use
        }
    }

    /// The types named by one word.
    private static let scalars: [FactType] = [.int, .float, .bool, .string, .duration, .version]

    /// Deepest nesting of records and lists read (the host's schema nests three).
    static let maxDepth = 32

    /// The type TYPE names; a record's fields are those listed under `fieldPath` (`fieldPath[]` for a list's).
    private static func type(_ token: Substring, fieldPath: String, depth: Int,
                             record: (String, String, Int) -> RecordType?) -> FactType? {
        guard depth <= maxDepth else { return nil }
        if let scalar = scalars.first(where: { $0.description == token }) { return scalar }
        if token.hasPrefix("record:") {
            return record(String(token.dropFirst(7)), fieldPath, depth).map(FactType.record)
        }
        if token.hasPrefix("list:") {
            return type(token.dropFirst(5), fieldPath: fieldPath + "[]", depth: depth + 1, record: record).map(FactType.list)
        }
        return nil
    }
}

extension FactType {
    /// Whether a record type appears anywhere in this type.
    var containsRecord: Bool {
        switch self {
        case .record: return true
        case .list(let element): return element.containsRecord
        default: return false
        }
    }
}
