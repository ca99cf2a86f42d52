public import Foundation
public import TWAdviseHistory

/// One instance's peak of one measure over the window.
public struct FleetRow: Sendable, Hashable, Codable {
    /// The `instance` label.
    public var instance: String
    /// What was measured.
    public var measure: FleetMeasure
    /// The highest value in the window.
    public var peak: Double
    /// When it was first reached (the end of the step that holds it, so within one step); `nil` when the
    /// follow-up query did not find it.
    public var at: Date?
    /// The labels of the series that peaked (for ``FleetMeasure/destinationPressure``: `namespace`, `local`,
    /// `remote`, `port`), `__name__` left out.
    public var labels: [String: String]
    /// The instant query that ranked the fleet.
    public var query: String
    /// The range query that found `at`.
    public var atQuery: String?

    /// A row of the given values.
    public init(instance: String, measure: FleetMeasure, peak: Double, at: Date?, labels: [String: String], query: String,
                atQuery: String?) {
        self.instance = instance
        self.measure = measure
        self.peak = peak
        self.at = at
        self.labels = labels
        self.query = query
        self.atQuery = atQuery
    }
}

/// The fleet's worst instances per measure.
public struct FleetRanking: Sendable, Hashable, Codable {
    /// By measure in the order asked, then worst (highest peak) first, then by instance.
    public var rows: [FleetRow]
    /// Measures the server has no series for, and server warnings.
    public var notRead: [HistoryGap]
    /// Start of the window.
    public var from: Date
    /// End of the window.
    public var to: Date
    /// The resolution of the peaks (seconds).
    public var step: TimeInterval

    /// A ranking of the given parts.
    public init(rows: [FleetRow], notRead: [HistoryGap], from: Date, to: Date, step: TimeInterval) {
        self.rows = rows
        self.notRead = notRead
        self.from = from
        self.to = to
        self.step = step
    }

    /// The rows of one measure, worst first.
    public func rows(_ measure: FleetMeasure) -> [FleetRow] { rows.filter { $0.measure == measure } }
}

/// Ranks a fleet in PromQL: the server computes each instance's peak (`topk` over `max_over_time` subqueries),
/// and one bounded range query per measure, over the top instances only, finds when each peak happened.
public struct PrometheusFleet: Sendable {
    /// The client queries go through.
    public let client: PrometheusClient

    /// A ranker over `client`.
    public init(client: PrometheusClient) { self.client = client }

    /// The ranking query of `measure`: the worst series per instance, then the `limit` worst instances.
    ///
    /// `topk(N, topk by (instance) (1, max_over_time((E)[RANGE:STEP])))`, E being
    /// ``FleetMeasure/expression(matchers:step:)``: keeping the worst series (not `max by`) keeps its labels.
    public static func rankingQuery(_ measure: FleetMeasure, limit: Int, range: TimeInterval, step: TimeInterval) -> String {
        "topk(\(limit), topk by (instance) (1, max_over_time(\(measure.expression(matchers: "", step: step))"
            + "[\(PromQL.duration(range)):\(PromQL.duration(step))])))"
    }

    /// The follow-up range query of `measure` over `instances`: `max by (instance) (E{instance=~"..."})`.
    public static func peakTimeQuery(_ measure: FleetMeasure, instances: [String], step: TimeInterval) -> String {
        "max by (instance) (\(measure.expression(matchers: PromQL.oneOf("instance", instances), step: step)))"
    }

    /// The `limit` worst instances (1...100) of each measure between `from` and `to`, peaks at `step`
    /// resolution (the history reader's default when `nil`).
    public func rank(from: Date, to: Date, limit: Int = 10, measures: [FleetMeasure] = FleetMeasure.allCases,
                     step: TimeInterval? = nil) async throws -> FleetRanking {
        guard to > from else { throw PrometheusError.configuration(reason: "the window must end after it starts") }
        let limit = min(max(limit, 1), 100)
        let step = (step ?? PrometheusHistory.defaultStep(from: from, to: to)).rounded(.up)
        guard step >= 1 else { throw PrometheusError.configuration(reason: "the step must be at least 1s") }
        guard to.timeIntervalSince(from) / step <= PrometheusHistory.serverPointLimit else {
            throw PrometheusError.configuration(reason: "a step of \(PromQL.duration(step)) gives more than 11,000 points over the window")
        }
        let range = to.timeIntervalSince(from).rounded(.up)
        let client = client
        let results = try await withThrowingTaskGroup(of: (Int, [FleetRow], [HistoryGap]).self) { group in
            for (i, measure) in measures.enumerated() {
                group.addTask {
                    let (rows, gaps) = try await Self.rank(measure, client: client, from: from, to: to, range: range, step: step, limit: limit)
                    return (i, rows, gaps)
                }
            }
            var out: [(Int, [FleetRow], [HistoryGap])] = []
            for try await r in group { out.append(r) }
            return out.sorted { $0.0 < $1.0 }
        }
        return FleetRanking(rows: results.flatMap(\.1), notRead: results.flatMap(\.2), from: from, to: to, step: step)
    }

    private static func rank(_ measure: FleetMeasure, client: PrometheusClient, from: Date, to: Date, range: TimeInterval,
                             step: TimeInterval, limit: Int) async throws -> ([FleetRow], [HistoryGap]) {
        let query = rankingQuery(measure, limit: limit, range: range, step: step)
        let answer = try await client.query(query, at: to)
        let source = "prometheus \(client.server)"
        var gaps = answer.warnings.map { HistoryGap(source: "\(source) \(query)", reason: "server warning: \($0)") }
        var rows = answer.value.filter { $0.value.isFinite }.map {
            FleetRow(instance: $0.labels["instance"] ?? "", measure: measure, peak: $0.value, at: nil,
                     labels: $0.labels.filter { $0.key != "__name__" }, query: query, atQuery: nil)
        }
        rows.sort { $0.peak != $1.peak ? $0.peak > $1.peak : $0.instance < $1.instance }
        guard !rows.isEmpty else {
            gaps.append(HistoryGap(source: "\(source) \(measure.metrics.joined(separator: ", "))",
                                   reason: "not on the server in the window: \(measure) not ranked"))
            return ([], gaps)
        }
        // When: the same instants as the subquery's (multiples of the step), over the top instances only.
        let atQuery = peakTimeQuery(measure, instances: rows.map(\.instance), step: step)
        let start = Date(timeIntervalSince1970: (to.addingTimeInterval(-range).timeIntervalSince1970 / step).rounded(.up) * step)
        let series = try await client.queryRange(atQuery, start: start, end: to, step: step)
        gaps += series.warnings.map { HistoryGap(source: "\(source) \(atQuery)", reason: "server warning: \($0)") }
        for i in rows.indices {
            rows[i].atQuery = atQuery
            guard let points = series.value.first(where: { ($0.labels["instance"] ?? "") == rows[i].instance })?.points else { continue }
            let peak = rows[i].peak, tolerance = abs(peak) * 1e-9
            rows[i].at = points.first(where: { $0.value >= peak - tolerance })?.time
                ?? points.max(by: { $0.value < $1.value })?.time
        }
        return (rows, gaps)
    }
}
