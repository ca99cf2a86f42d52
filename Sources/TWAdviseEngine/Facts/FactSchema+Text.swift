/// The part of a ``FactSchema`` that type checking reads (each path, its type, its record names and the files
/// it is read from; not the docs), as text the build can read: the built-in rules are checked against it when
/// TWAdvise is built (``CompiledRules``), and a run uses that check only while its own schema gives the same
/// text.
///
/// One line a path, depth first and sorted by name at each level, after a `root NAME` line:
/// `PATH<TAB>TYPE[<TAB>SOURCE]...`, where TYPE is `int`, `float`, `bool`, `string`, `duration`, `version`,
/// `record:NAME` or `list:TYPE`, and the fields of a list of records follow as `PATH[].FIELD`. Lines starting
/// with `#` are comments.
extension FactSchema {
    /// The first lines of ``checkingText``.
    package static let checkingTextHeader = """
        # The fact schema the built-in rules are type-checked against when TWAdvise is built: each fact path,
        # its type and the files it is read from. Generated: swift run twadvise rules facts --format schema
        # A test fails while this file differs from the schema TWAdvise declares.

        """

    /// The schema as checking text; `nil` when a name or source cannot be written on one line, or a record
    /// sits where the path syntax cannot reach it (inside a list of lists).
    package var checkingText: String? {
        var text = Self.checkingTextHeader + "root " + root.name + "\n"
        var representable = Self.isWritable(root.name) && Self.namesWritable(root)
        visit(sorted: true) { path, spec in
            guard representable, let type = Self.token(spec.type), spec.sources.allSatisfy(Self.isWritable) else {
                representable = false
                return
            }
            text += path + "\t" + type
            for source in spec.sources { text += "\t" + source }
            text += "\n"
        }
        return representable ? text : nil
    }

    /// The schema `text` gives (docs empty), or `nil` when a line is not in the form ``checkingText`` writes.
    package init?(checkingText text: String) {
        var rootName: String?
        /// Fields by the path of the record holding them ("" for the root, `a.b[]` for a list's records).
        var children: [String: [(name: String, type: Substring, sources: [String])]] = [:]
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) where !line.hasPrefix("#") {
            if rootName == nil {
                guard line.hasPrefix("root ") else { return nil }
                rootName = String(line.dropFirst(5))
                continue
            }
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard columns.count >= 2, !columns[0].isEmpty else { return nil }
            let path = columns[0]
            var parent = ""
            var name = String(path)
            if let dot = path.lastIndex(of: ".") {
                parent = String(path[..<dot])
                name = String(path[path.index(after: dot)...])
            }
            guard !name.isEmpty, !name.contains("[") else { return nil }
            children[parent, default: []].append((name, columns[1], columns.dropFirst(2).map(String.init)))
        }
        guard let rootName else { return nil }
        var budget = children.values.reduce(0) { $0 + $1.count }
        func record(_ name: String, at path: String) -> RecordType? {
            var fields: [String: FieldSpec] = [:]
            for field in children[path] ?? [] {
                budget -= 1
                guard budget >= 0, fields[field.name] == nil else { return nil }
                let fieldPath = path.isEmpty ? field.name : path + "." + field.name
                guard let type = Self.type(field.type, fieldPath: fieldPath, record: record) else { return nil }
                fields[field.name] = FieldSpec(type, "", sources: field.sources)
            }
            return RecordType(name: name, fields: fields)
        }
        guard let root = record(rootName, at: ""), budget == 0 else { return nil }  // no line left over
        self.init(root: root)
    }

    /// A name or source that fits on one line between tabs.
    private static func isWritable(_ text: String) -> Bool {
        !text.isEmpty && !text.utf8.contains { $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
    }

    /// Whether every field name, at every depth, is one step of a path (no `.` or `[`) on one line.
    private static func namesWritable(_ record: RecordType) -> Bool {
        record.fields.allSatisfy { name, spec in
            guard isWritable(name), !name.contains("."), !name.contains("[") else { return false }
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

    /// The type TYPE names; a record's fields are those listed under `fieldPath` (`fieldPath[]` for a list's).
    private static func type(_ token: Substring, fieldPath: String, record: (String, String) -> RecordType?) -> FactType? {
        if let scalar = scalars.first(where: { $0.description == token }) { return scalar }
        if token.hasPrefix("record:") {
            return record(String(token.dropFirst(7)), fieldPath).map(FactType.record)
        }
        if token.hasPrefix("list:") {
            return type(token.dropFirst(5), fieldPath: fieldPath + "[]", record: record).map(FactType.list)
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
