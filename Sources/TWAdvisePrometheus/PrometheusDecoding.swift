package import Foundation
import TWAdviseHistory

/// The API's JSON envelope and result types, decoded strictly: anything else is a `badResponse`.
package enum PrometheusDecoding {
    private struct Envelope<DataType: Decodable>: Decodable {
        let status: String
        let data: DataType?
        let errorType: String?
        let error: String?
        let warnings: [String]?
    }

    private struct ErrorEnvelope: Decodable {
        let status: String
        let errorType: String?
        let error: String?
    }

    private struct Result<Item: Decodable>: Decodable {
        let resultType: String
        let result: [Item]
    }

    /// `[seconds, "value"]`.
    private struct Pair: Decodable {
        let time: Double
        let value: Double
        init(from decoder: any Decoder) throws {
            var container = try decoder.unkeyedContainer()
            time = try container.decode(Double.self)
            let text = try container.decode(String.self)
            guard let v = Double(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "value \(text.prefix(40)) is not a number")
            }
            value = v
        }
    }

    private struct VectorItem: Decodable {
        let metric: [String: String]
        let value: Pair
    }

    private struct MatrixItem: Decodable {
        let metric: [String: String]
        let values: [Pair]
    }

    /// The error the body reports, if it is an API error envelope.
    static func apiError(_ body: Data) -> (type: String, message: String)? {
        guard let envelope = try? JSONDecoder().decode(ErrorEnvelope.self, from: body), envelope.status == "error" else { return nil }
        return (envelope.errorType ?? "unknown", envelope.error ?? "")
    }

    /// `redact` is applied to the excerpt of a body that is not the API's JSON before it is cut (so that a
    /// credential the server echoed cannot show in part).
    package static func vector(_ body: Data, redact: (String) -> String = { $0 }) throws -> PrometheusAnswer<[PrometheusSample]> {
        let (result, warnings) = try decode(Result<VectorItem>.self, body, redact: redact)
        guard result.resultType == "vector" else { throw PrometheusError.badResponse(reason: "expected a vector, got \(result.resultType.prefix(40))") }
        let samples = result.result.map {
            PrometheusSample(labels: $0.metric, time: Date(timeIntervalSince1970: $0.value.time), value: $0.value.value)
        }
        return PrometheusAnswer(value: samples, warnings: warnings)
    }

    package static func matrix(_ body: Data, redact: (String) -> String = { $0 }) throws -> PrometheusAnswer<[PrometheusSeries]> {
        let (result, warnings) = try decode(Result<MatrixItem>.self, body, redact: redact)
        guard result.resultType == "matrix" else { throw PrometheusError.badResponse(reason: "expected a matrix, got \(result.resultType.prefix(40))") }
        let series = result.result.map { item in
            PrometheusSeries(labels: item.metric,
                             points: item.values.filter { $0.value.isFinite }.map {
                                 HistoryPoint(time: Date(timeIntervalSince1970: $0.time), value: $0.value)
                             })
        }
        return PrometheusAnswer(value: series, warnings: warnings)
    }

    package static func strings(_ body: Data, redact: (String) -> String = { $0 }) throws -> [String] {
        try decode([String].self, body, redact: redact).0
    }

    private static func decode<T: Decodable>(_ type: T.Type, _ body: Data, redact: (String) -> String) throws -> (T, [String]) {
        let envelope: Envelope<T>
        do {
            envelope = try JSONDecoder().decode(Envelope<T>.self, from: body)
        } catch {
            throw PrometheusError.badResponse(reason: "not the API's JSON (\(describe(error))): \(PrometheusClient.excerpt(body, limit: 80, redact: redact))")
        }
        guard envelope.status == "success", let data = envelope.data else {
            throw PrometheusError.badResponse(reason: "status \(envelope.status.prefix(40)) without data")
        }
        return (data, envelope.warnings ?? [])
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context): context.debugDescription
        case DecodingError.keyNotFound(let key, _): "no \(key.stringValue)"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            "unexpected type at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        default: "invalid JSON"
        }
    }
}
