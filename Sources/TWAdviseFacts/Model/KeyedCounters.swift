/// Named integer values grouped by section: `/proc/net/sockstat` (`TCP` → `tw` → 4),
/// `/proc/net/netstat` and `/proc/net/snmp` (`TcpExt` → `TW` → 388812).
///
/// A section or name that is missing is unknown, never zero: the files differ across kernel versions
/// (`PAWSPassive` exists only before 4.12), so values are looked up by name, never by position.
public struct KeyedCounters: Codable, Sendable, Hashable {
    /// Counter values by section (`TcpExt`, `Tcp`) and name.
    public var sections: [String: [String: Int64]]

    /// Counters by section and name.
    package init(sections: [String: [String: Int64]] = [:]) {
        self.sections = sections
    }

    /// The counter `name` of `section`, if it was read.
    public subscript(section: String, name: String) -> Int64? {
        sections[section]?[name]
    }

    /// Whether no counter was read.
    public var isEmpty: Bool { sections.isEmpty }

    /// Adds every value of `other`, keeping this one's on a clash.
    mutating func merge(_ other: KeyedCounters) {
        for (section, values) in other.sections {
            sections[section, default: [:]].merge(values) { mine, _ in mine }
        }
    }

    public init(from decoder: any Decoder) throws {
        sections = try decoder.singleValueContainer().decode([String: [String: Int64]].self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(sections)
    }
}
