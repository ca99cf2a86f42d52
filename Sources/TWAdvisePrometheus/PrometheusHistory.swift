public import Foundation
public import TWAdviseHistory

/// The history of one instance as a Prometheus server kept it: node_exporter's sockstat, netstat, filefd,
/// conntrack and sysctl metrics, and the `twadvise_` series `twadvise watch --textfile` writes, one range query
/// per quantity (never one per series).
///
/// A metric the server does not have for the instance gives no series and a ``HistoryGap`` ("not on the server"),
/// never a zero.
public struct PrometheusHistory: Sendable {
    /// The client queries go through.
    public let client: PrometheusClient
    /// Queries in flight at once (default 4).
    public var concurrency: Int
    /// The most `twadvise_` metric names read (default 64); more are left out with a gap.
    public var maxTwadviseMetrics: Int

    /// A reader over `client`.
    public init(client: PrometheusClient, concurrency: Int = 4, maxTwadviseMetrics: Int = 64) {
        self.client = client
        self.concurrency = max(1, concurrency)
        self.maxTwadviseMetrics = max(1, maxTwadviseMetrics)
    }

    /// Points per series a default step aims at.
    public static let targetPoints = 1_000.0
    /// Points per series the server answers at most (Prometheus refuses more than 11,000).
    public static let serverPointLimit = 11_000.0

    /// The step giving at most ``targetPoints`` points over the window: whole seconds, at least 1 s.
    public static func defaultStep(from: Date, to: Date) -> TimeInterval {
        max(1, (to.timeIntervalSince(from) / targetPoints).rounded(.up))
    }

    /// The window of `rate()`: max(4 × step, 1m), so each rate spans several scrapes whatever the step.
    public static func rateWindow(step: TimeInterval) -> TimeInterval { max(4 * step, 60) }

    /// The window of `max_over_time()` for levels: max(step, 1m), so no sample falls between two steps and a
    /// step shorter than the scrape interval still finds one.
    public static func peakWindow(step: TimeInterval) -> TimeInterval { max(step, 60) }

    /// Sysctls read from node_exporter's sysctl collector (off by default: `--collector.sysctl
    /// --collector.sysctl.include=KEY`, one per key; `ip_local_port_range` as `KEY:low,high` or indexed).
    public static let sysctlKeys = [
        "net.ipv4.ip_local_port_range", "net.ipv4.tcp_tw_reuse", "net.ipv4.tcp_tw_reuse_delay", "net.ipv4.tcp_timestamps",
        "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_max_tw_buckets", "net.ipv4.tcp_max_orphans", "net.ipv4.tcp_max_syn_backlog",
        "net.core.somaxconn", "net.netfilter.nf_conntrack_max", "fs.file-max",
    ]

    /// node_exporter's name of a sysctl key: `node_sysctl_` and the key with every character outside
    /// `[a-zA-Z0-9_]` made `_`.
    public static func sysctlMetricName(_ key: String) -> String {
        "node_sysctl_" + String(key.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") ? $0 : "_" })
    }

    /// One range query of the read, and what it stands for.
    struct Plan: Sendable {
        let promql: String
        let what: What
        enum What: Sendable {
            case metric(PrometheusMetric)
            case sysctls
            case twadvise(String)
        }
    }

    /// Series of `instance` between `from` and `to`, every `step` seconds (``defaultStep(from:to:)`` when `nil`).
    ///
    /// Throws ``PrometheusError/noSeries(instance:available:availableCount:)`` when the server has no series at
    /// all for the instance in the window, naming a few instances it has.
    public func read(instance: String, from: Date, to: Date, step: TimeInterval? = nil) async throws -> History {
        guard to > from else { throw PrometheusError.configuration(reason: "the window must end after it starts") }
        let step = step ?? Self.defaultStep(from: from, to: to)
        guard step > 0 else { throw PrometheusError.configuration(reason: "the step must be positive") }
        let points = to.timeIntervalSince(from) / step
        guard points <= Self.serverPointLimit else {
            throw PrometheusError.configuration(
                reason: "a step of \(PromQL.duration(step)) gives \(Int(points)) points, more than the server's 11,000: "
                    + "use a step of at least \(PromQL.duration(to.timeIntervalSince(from) / Self.serverPointLimit))")
        }
        // Align to the step, so that the same window always gives the same instants.
        let start = Date(timeIntervalSince1970: (from.timeIntervalSince1970 / step).rounded(.down) * step)
        let end = to
        let selector = "{" + PromQL.equals("instance", instance) + "}"

        var plans = PrometheusMetric.catalogue.map { Plan(promql: Self.expression($0.name, $0.kind, selector, step: step), what: .metric($0)) }
        let sysctlNames = Self.sysctlKeys.map(Self.sysctlMetricName)
        let sysctlRegex = "(" + sysctlNames.map(PromQL.regexEscaped).joined(separator: "|") + ")(_low|_high)?"
        plans.append(Plan(promql: "{__name__=~\(PromQL.quoted(sysctlRegex)),\(PromQL.equals("instance", instance))}", what: .sysctls))

        var gaps: [HistoryGap] = []
        let twadviseNames = try await client.labelValues(
            "__name__", match: ["{__name__=~\"twadvise_.+\",\(PromQL.equals("instance", instance))}"], start: start, end: end
        ).filter { $0.hasPrefix("twadvise_") }.sorted()
        for name in twadviseNames.prefix(maxTwadviseMetrics) {
            let kind: PrometheusMetric.Kind = name.hasSuffix("_usable") || name.hasSuffix("_timestamp_seconds") ? .level : .peakLevel
            plans.append(Plan(promql: Self.expression(name, kind, selector, step: step), what: .twadvise(name)))
        }
        if twadviseNames.count > maxTwadviseMetrics {
            gaps.append(HistoryGap(source: "prometheus \(client.server) twadvise_*",
                                   reason: "\(twadviseNames.count - maxTwadviseMetrics) more twadvise_ metrics left out (bound \(maxTwadviseMetrics))"))
        }

        let answers = try await run(plans, start: start, end: end, step: step)
        var history = History()
        let source = "prometheus \(client.server)"
        for (plan, answer) in zip(plans, answers) {
            for warning in answer.warnings {
                gaps.append(HistoryGap(source: "\(source) \(plan.promql)", reason: "server warning: \(warning)"))
            }
            let series = answer.value.filter { !$0.points.isEmpty }
            if !series.isEmpty { history.read.append("\(source): \(plan.promql)") }
            switch plan.what {
            case .metric(let metric):
                if series.isEmpty {
                    gaps.append(HistoryGap(source: "\(source) \(metric.name)",
                                           reason: "not on the server for instance \(PromQL.quoted(instance)) in the window"
                                               + (metric.whenMissing.map { " (\($0))" } ?? "")))
                }
                for s in series.sorted(by: Self.labelOrder) {
                    history.series.append(HistorySeries(quantity: metric.quantity, labels: Self.kept(s.labels), source: source, points: s.points))
                }
            case .sysctls:
                var found = Set<String>()
                for s in series.sorted(by: Self.labelOrder) {
                    guard let (key, field) = Self.sysctlKey(s.labels["__name__"] ?? "") else { continue }
                    found.insert(key)
                    var labels = Self.kept(s.labels)
                    if let field { labels["field"] = field }
                    history.series.append(HistorySeries(quantity: .sysctl(key), labels: labels, source: source, points: s.points))
                }
                let missing = Self.sysctlKeys.filter { !found.contains($0) }
                if found.isEmpty {
                    gaps.append(HistoryGap(source: "\(source) node_sysctl_*",
                                           reason: "not on the server for instance \(PromQL.quoted(instance)) in the window (node_exporter's "
                                               + "sysctl collector is off by default: --collector.sysctl --collector.sysctl.include=KEY)"))
                } else {
                    for key in missing {
                        gaps.append(HistoryGap(source: "\(source) \(Self.sysctlMetricName(key))",
                                               reason: "not on the server for instance \(PromQL.quoted(instance)) in the window "
                                                   + "(--collector.sysctl.include=\(key))"))
                    }
                }
            case .twadvise(let name):
                for s in series.sorted(by: Self.labelOrder) {
                    history.series.append(HistorySeries(quantity: .twadvise(name), labels: Self.kept(s.labels), source: source, points: s.points))
                }
            }
        }
        if twadviseNames.isEmpty {
            gaps.append(HistoryGap(source: "\(source) twadvise_*",
                                   reason: "not on the server for instance \(PromQL.quoted(instance)) in the window "
                                       + "(`twadvise watch --textfile` writes them for node_exporter's textfile collector)"))
        }
        if history.series.isEmpty {
            let instances = try await client.labelValues("instance", start: start, end: end)
            if !instances.contains(instance) {
                throw PrometheusError.noSeries(instance: instance, available: Self.nearest(instance, in: instances, count: 10),
                                               availableCount: instances.count)
            }
        }
        history.notRead = gaps
        return history
    }

    /// The PromQL of one metric of one instance.
    static func expression(_ name: String, _ kind: PrometheusMetric.Kind, _ selector: String, step: TimeInterval) -> String {
        switch kind {
        case .peakLevel: "max_over_time(\(name)\(selector)[\(PromQL.duration(peakWindow(step: step)))])"
        case .level: "\(name)\(selector)"
        case .counter: "rate(\(name)\(selector)[\(PromQL.duration(rateWindow(step: step)))])"
        }
    }

    /// The plans' answers, in order, at most ``concurrency`` in flight.
    private func run(_ plans: [Plan], start: Date, end: Date, step: TimeInterval) async throws -> [PrometheusAnswer<[PrometheusSeries]>] {
        let client = client
        return try await withThrowingTaskGroup(of: (Int, PrometheusAnswer<[PrometheusSeries]>).self) { group in
            var results = [PrometheusAnswer<[PrometheusSeries]>?](repeating: nil, count: plans.count)
            var next = 0
            func add() {
                let i = next, promql = plans[i].promql
                group.addTask { (i, try await client.queryRange(promql, start: start, end: end, step: step)) }
                next += 1
            }
            while next < min(concurrency, plans.count) { add() }
            while let (i, answer) = try await group.next() {
                results[i] = answer
                if next < plans.count { add() }
            }
            return results.map { $0 ?? PrometheusAnswer(value: [], warnings: []) }
        }
    }

    /// The sysctl key and mapped field (`low`, `high`) of a node_sysctl_ metric name.
    static func sysctlKey(_ name: String) -> (String, String?)? {
        for key in sysctlKeys {
            let base = sysctlMetricName(key)
            if name == base { return (key, nil) }
            for field in ["low", "high"] where name == base + "_" + field { return (key, field) }
        }
        return nil
    }

    /// The labels kept on a series: all but `__name__`.
    static func kept(_ labels: [String: String]) -> [String: String] { labels.filter { $0.key != "__name__" } }

    /// A stable order of series: by their labels, sorted.
    static func labelOrder(_ a: PrometheusSeries, _ b: PrometheusSeries) -> Bool {
        func key(_ s: PrometheusSeries) -> String { s.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",") }
        return key(a) < key(b)
    }

    /// Up to `count` instances, those sharing the host part of `wanted` first, then in order.
    static func nearest(_ wanted: String, in instances: [String], count: Int) -> [String] {
        let host = wanted.split(separator: ":").first.map { $0.lowercased() } ?? wanted.lowercased()
        let sorted = instances.sorted()
        let close = host.isEmpty ? [] : sorted.filter { $0.lowercased().contains(host) }
        var out = close
        for i in sorted where !out.contains(i) { out.append(i) }
        return Array(out.prefix(count))
    }
}
