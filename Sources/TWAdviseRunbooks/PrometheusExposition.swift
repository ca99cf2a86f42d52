import TWAdviseEngine

/// A metric family of the Prometheus text exposition format: name, help, type and samples.
public struct MetricFamily: Sendable, Hashable {
    public struct Sample: Sendable, Hashable {
        /// Label names and values, in order.
        public var labels: [Label]
        public var value: Double

        public init(labels: [Label] = [], value: Double) {
            self.labels = labels
            self.value = value
        }
    }

    public struct Label: Sendable, Hashable {
        public var name: String
        public var value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public var name: String
    public var help: String
    public var type: String
    public var samples: [Sample]

    public init(name: String, help: String, type: String = "gauge", samples: [Sample] = []) {
        self.name = name
        self.help = help
        self.type = type
        self.samples = samples
    }
}

/// Renders metric families as Prometheus exposition text (node_exporter's textfile collector reads it).
public enum PrometheusExposition {
    /// `# HELP` and `# TYPE` for each family, then its samples; families without samples are left out.
    public static func render(_ families: [MetricFamily]) -> String {
        var out = ""
        for family in families where !family.samples.isEmpty {
            out += "# HELP \(family.name) \(family.help)\n# TYPE \(family.name) \(family.type)\n"
            for sample in family.samples {
                let labelText = sample.labels.isEmpty ? "" : "{" + sample.labels.map { "\($0.name)=\"\(escape($0.value))\"" }.joined(separator: ",") + "}"
                out += "\(family.name)\(labelText) \(format(sample.value))\n"
            }
        }
        return out
    }

    /// Label value escaping of the exposition format, by Unicode scalar (``Escaping/prometheusLabel(_:)``).
    static func escape(_ value: String) -> String { Escaping.prometheusLabel(value) }

    static func format(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        return FactValue.format(v)
    }
}
