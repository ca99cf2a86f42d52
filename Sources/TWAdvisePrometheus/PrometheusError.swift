/// Why a Prometheus read failed. Every case carries what a person needs to act on it, and its description is
/// one line; no case ever carries the content of a credential file.
public enum PrometheusError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The server could not be reached: connection refused, host not found, TLS handshake failed, timed out.
    /// `url` is the endpoint without its query string.
    case unreachable(url: String, reason: String)
    /// The server (or a proxy before it) answered with a status that is not a Prometheus API answer.
    /// `bodyExcerpt` is the start of the body, control characters escaped and credentials removed.
    case http(status: Int, url: String, bodyExcerpt: String)
    /// The Prometheus API answered `"status": "error"` (`bad_data`, `execution`, `timeout`, ...).
    case apiError(errorType: String, message: String)
    /// The answer was larger than the configured bound (bytes); reading stopped there.
    case tooLarge(limit: Int)
    /// The server has no series for the instance in the window; `available` names a few instances it has,
    /// `availableCount` how many it has in all.
    case noSeries(instance: String, available: [String], availableCount: Int)
    /// The answer was not the JSON the API documents.
    case badResponse(reason: String)
    /// A credential file could not be used (never its content: the reason says what is wrong with it).
    case credentials(path: String, reason: String)
    /// The options cannot work as given (a base URL with a password in it, a step giving too many points,
    /// a CA bundle that is not a readable file).
    case configuration(reason: String)

    /// One line for a person.
    public var description: String {
        switch self {
        case .unreachable(let url, let reason):
            "prometheus at \(url) is unreachable: \(reason)"
        case .http(let status, let url, let body):
            "prometheus at \(url) answered HTTP \(status)" + (body.isEmpty ? "" : ": \(body)")
        case .apiError(let type, let message):
            "prometheus rejected the query (\(type)): \(message)"
        case .tooLarge(let limit):
            "prometheus answer larger than \(limit) bytes: stopped reading (narrow the window, raise the step or the bound)"
        case .noSeries(let instance, let available, let count):
            "prometheus has no series for instance \(PromQL.quoted(instance)) in the window"
                + (available.isEmpty ? " and no instance label at all"
                   : "; it has \(count) instance\(count == 1 ? "" : "s"), e.g. " + available.map(PromQL.quoted).joined(separator: ", "))
        case .badResponse(let reason):
            "prometheus answer not understood: \(reason)"
        case .credentials(let path, let reason):
            "credential file \(path): \(reason)"
        case .configuration(let reason):
            "prometheus options: \(reason)"
        }
    }
}
