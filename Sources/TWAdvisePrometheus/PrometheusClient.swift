public import Foundation
public import TWAdviseHistory

/// How to reach a Prometheus server (or anything speaking its HTTP API: Thanos, Mimir, VictoriaMetrics).
public struct PrometheusOptions: Sendable {
    /// The server's base URL, `http` or `https`; a path prefix (`https://host/prometheus`) is kept.
    public var baseURL: URL
    /// A file holding a bearer token (`--prometheus-bearer-token-file`), sent as `Authorization: Bearer`.
    public var bearerTokenFile: String?
    /// A file holding one `user:password` line, sent as HTTP basic authentication.
    public var basicAuthFile: String?
    /// A PEM bundle of CA certificates to verify an `https` server with, instead of the system's trust store.
    /// TLS is always verified.
    public var caBundleFile: String?
    /// Seconds a request may take in all (default 30).
    public var timeout: TimeInterval
    /// The largest answer read, in bytes (default 64 MiB); reading stops there and the read fails.
    public var maxResponseBytes: Int
    /// Queries whose URL would be longer than this many bytes are sent as a POST form (default 4,000).
    public var postAbove: Int

    /// Options for `baseURL`, defaults elsewhere.
    public init(baseURL: URL, bearerTokenFile: String? = nil, basicAuthFile: String? = nil, caBundleFile: String? = nil,
                timeout: TimeInterval = 30, maxResponseBytes: Int = 64 << 20, postAbove: Int = 4_000) {
        self.baseURL = baseURL
        self.bearerTokenFile = bearerTokenFile
        self.basicAuthFile = basicAuthFile
        self.caBundleFile = caBundleFile
        self.timeout = timeout
        self.maxResponseBytes = maxResponseBytes
        self.postAbove = postAbove
    }
}

/// One series of a range query: its labels (`__name__` among them when the expression keeps it) and points.
public struct PrometheusSeries: Sendable, Hashable {
    /// The series' labels.
    public var labels: [String: String]
    /// Its points, oldest first; points whose value is not finite (NaN, ±Inf) are left out.
    public var points: [HistoryPoint]
    /// A series of the given labels and points.
    public init(labels: [String: String], points: [HistoryPoint]) {
        self.labels = labels
        self.points = points
    }
}

/// One sample of an instant query.
public struct PrometheusSample: Sendable, Hashable {
    /// The series' labels.
    public var labels: [String: String]
    /// The evaluation time.
    public var time: Date
    /// The value (may be NaN or ±Inf: instant answers are returned as the server gave them).
    public var value: Double
    /// A sample of the given labels, time and value.
    public init(labels: [String: String], time: Date, value: Double) {
        self.labels = labels
        self.time = time
        self.value = value
    }
}

/// An answer and the warnings the server attached to it.
public struct PrometheusAnswer<Value: Sendable>: Sendable {
    /// The result.
    public var value: Value
    /// The API's `warnings` (a partial answer from a federated store, for example).
    public var warnings: [String]
}

/// A client of the Prometheus HTTP API (`/api/v1/query`, `/api/v1/query_range`, `/api/v1/label/NAME/values`)
/// over libcurl (loaded when the first request is made), every answer bounded in size and time.
public struct PrometheusClient: Sendable {
    /// The options the client was made with.
    public let options: PrometheusOptions
    private let secret: PrometheusSecret?

    /// A client for `options`, the credential file read now (a bad file fails here, naming the file and the
    /// problem, never its content); a CA bundle must be a readable regular file.
    public init(_ options: PrometheusOptions) throws {
        guard let scheme = options.baseURL.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = options.baseURL.host, !host.isEmpty else {
            throw PrometheusError.configuration(reason: "base URL must be http:// or https:// with a host")
        }
        guard options.baseURL.user == nil, options.baseURL.password == nil else {
            throw PrometheusError.configuration(
                reason: "base URL must not carry credentials: put them in a file (--prometheus-basic-auth-file)")
        }
        guard options.baseURL.query == nil, options.baseURL.fragment == nil else {
            throw PrometheusError.configuration(reason: "base URL must not have a query or fragment")
        }
        guard options.timeout > 0, options.maxResponseBytes > 0 else {
            throw PrometheusError.configuration(reason: "timeout and response bound must be positive")
        }
        if let ca = options.caBundleFile {
            var status = stat()
            guard stat(ca, &status) == 0 else {
                throw PrometheusError.configuration(reason: "CA bundle \(ca): \(String(cString: strerror(errno)))")
            }
            guard status.st_mode & S_IFMT == S_IFREG, access(ca, R_OK) == 0 else {
                throw PrometheusError.configuration(reason: "CA bundle \(ca): not a readable regular file")
            }
        }
        if options.bearerTokenFile != nil, options.basicAuthFile != nil {
            throw PrometheusError.configuration(reason: "give a bearer token file or a basic auth file, not both")
        }
        self.options = options
        if let file = options.bearerTokenFile {
            secret = try PrometheusSecret.bearer(file: file)
        } else if let file = options.basicAuthFile {
            secret = try PrometheusSecret.basic(file: file)
        } else {
            secret = nil
        }
    }

    /// The server as reports name it: the base URL (never credentials: the URL cannot carry any).
    public var server: String { options.baseURL.absoluteString }

    /// An instant query at `time` (the server's now when `nil`).
    public func query(_ promql: String, at time: Date? = nil) async throws -> PrometheusAnswer<[PrometheusSample]> {
        var parameters = [("query", promql)]
        if let time { parameters.append(("time", Self.format(time))) }
        let data = try await call("api/v1/query", parameters)
        return try redacting { try PrometheusDecoding.vector(data, redact: redacted) }
    }

    /// A range query over `start...end` every `step` seconds.
    public func queryRange(_ promql: String, start: Date, end: Date, step: TimeInterval) async throws
        -> PrometheusAnswer<[PrometheusSeries]> {
        let data = try await call("api/v1/query_range", [("query", promql), ("start", Self.format(start)),
                                                         ("end", Self.format(end)), ("step", Self.format(step))])
        return try redacting { try PrometheusDecoding.matrix(data, redact: redacted) }
    }

    /// The values of label `name` on series matching `match` (all series when empty) between `start` and `end`.
    public func labelValues(_ name: String, match: [String] = [], start: Date? = nil, end: Date? = nil) async throws -> [String] {
        var parameters = match.map { ("match[]", $0) }
        if let start { parameters.append(("start", Self.format(start))) }
        if let end { parameters.append(("end", Self.format(end))) }
        let encodedName = name.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(["_"])) ?? name
        let data = try await call("api/v1/label/\(encodedName)/values", parameters, post: false)
        do {
            return try PrometheusDecoding.strings(data, redact: redacted)
        } catch PrometheusError.badResponse(let reason) {
            throw PrometheusError.badResponse(reason: redacted(reason))
        }
    }

    /// A decoded answer whose warnings, and whose error excerpt, never carry the credentials (a server may
    /// echo what it was sent).
    private func redacting<V>(_ decode: () throws -> PrometheusAnswer<V>) throws -> PrometheusAnswer<V> {
        do {
            var answer = try decode()
            answer.warnings = answer.warnings.map(redacted)
            return answer
        } catch PrometheusError.badResponse(let reason) {
            throw PrometheusError.badResponse(reason: redacted(reason))
        }
    }

    /// Seconds since the epoch with millisecond precision, as the API takes them.
    static func format(_ date: Date) -> String { format(date.timeIntervalSince1970) }
    static func format(_ seconds: TimeInterval) -> String {
        let millis = (seconds * 1000).rounded()
        return millis.truncatingRemainder(dividingBy: 1000) == 0 ? String(Int64(millis / 1000))
            : String(format: "%.3f", millis / 1000)
    }

    /// GET (or POST when long) `path` under the base URL; the body when the answer is a success.
    private func call(_ path: String, _ parameters: [(String, String)], post: Bool? = nil) async throws -> Data {
        var base = options.baseURL.absoluteString
        if !base.hasSuffix("/") { base += "/" }
        guard let endpoint = URL(string: base + path) else {
            throw PrometheusError.configuration(reason: "cannot form a URL from \(base) and \(path)")
        }
        let form = Self.formEncoded(parameters)
        let usePost = post ?? (endpoint.absoluteString.utf8.count + 1 + form.utf8.count > options.postAbove)
        var url = endpoint.absoluteString
        if !usePost, !form.isEmpty { url += "?" + form }
        var headers = ["Accept: application/json", "User-Agent: twadvise", "Expect:"]
        if usePost { headers.append("Content-Type: application/x-www-form-urlencoded") }
        if let secret { headers.append("Authorization: " + secret.header) }
        let request = HTTPExchange.Request(url: url, headers: headers, postBody: usePost ? Array(form.utf8) : nil,
                                           caFile: options.caBundleFile, timeout: options.timeout,
                                           limit: options.maxResponseBytes)
        let shown = endpoint.absoluteString
        let answer: HTTPExchange.Answer
        do {
            answer = try await HTTPExchange.perform(request)
        } catch let failure as HTTPExchange.Failure {
            if failure.tooLarge || failure.code == Self.fileSizeExceeded {
                throw PrometheusError.tooLarge(limit: options.maxResponseBytes)
            }
            throw PrometheusError.unreachable(url: shown, reason: Self.reason(failure, timeout: options.timeout))
        }
        let body = answer.body
        if let apiError = PrometheusDecoding.apiError(body) {
            throw PrometheusError.apiError(errorType: redacted(apiError.type), message: redacted(apiError.message))
        }
        guard (200..<300).contains(answer.status) else {
            throw PrometheusError.http(status: answer.status, url: shown, bodyExcerpt: Self.excerpt(body, redact: redacted))
        }
        return body
    }

    /// `text` with every credential part the server might have echoed replaced.
    private func redacted(_ text: String) -> String {
        guard let secret else { return text }
        var out = text
        for part in secret.redact + [secret.header] where part.count >= 1 {
            out = out.replacingOccurrences(of: part, with: "<redacted>")
        }
        return out
    }

    /// Up to `limit` characters of a body, control characters escaped, on one line. `redact` is applied to the
    /// text before it is cut: a credential the cut would split must not show in part (a hostile server may echo
    /// it after 190 characters of padding).
    static func excerpt(_ body: Data, limit: Int = 200, redact: (String) -> String = { $0 }) -> String {
        let text = redact(String(decoding: body.prefix(64 << 10), as: UTF8.self))
        var out = ""
        var count = 0
        for scalar in text.unicodeScalars {
            if count >= limit { out += "…"; break }
            count += 1
            switch scalar.value {
            case 0x0A, 0x0D, 0x09: out += " "
            case 0..<0x20, 0x7F: out += "\\u{\(String(scalar.value, radix: 16))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out.trimmingCharacters(in: .whitespaces)
    }

    /// `CURLE_FILESIZE_EXCEEDED`: a `Content-Length` above the bound.
    static let fileSizeExceeded: Int32 = 63

    /// A transport failure in a few words (libcurl's result codes, from curl/curl.h).
    static func reason(_ failure: HTTPExchange.Failure, timeout: TimeInterval) -> String {
        if failure.unavailable { return failure.message }
        switch failure.code {
        case 28: return "no answer within \(PromQL.duration(timeout))"
        case 7 where failure.osErrno == ECONNREFUSED: return "connection refused"
        case 7: return "cannot connect: \(failure.message)"
        case 5: return "proxy not found: \(failure.message)"
        case 6: return "host not found"
        case 18, 52: return "connection closed before the answer was complete"
        case 35, 51, 53, 58, 59, 60, 64, 66, 77, 80, 82, 83, 90, 91:
            return "TLS failed (certificate not trusted or handshake refused): \(failure.message)"
        default: return failure.message
        }
    }

    /// `application/x-www-form-urlencoded` text: everything but RFC 3986's unreserved characters escaped.
    static func formEncoded(_ parameters: [(String, String)]) -> String {
        let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        func encode(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: unreserved) ?? "" }
        return parameters.map { encode($0.0) + "=" + encode($0.1) }.joined(separator: "&")
    }
}
