internal import CTWAdviseCurl
import Foundation

/// One HTTP exchange with a bounded answer, through libcurl loaded at run time (`CTWAdviseCurl`): the body is
/// collected as it arrives and the transfer stopped as soon as it passes the bound (a `Content-Length` above it
/// is refused before any byte); the whole exchange has one deadline; redirects are not followed, so credentials
/// never go to another place than the one configured; only `http` and `https`; TLS always verified, against
/// the system's store or the given CA file.
///
/// Not Foundation's URLSession: on Linux it links libcurl and the thirty-odd libraries libcurl needs into every
/// process (about 8 ms at each start of `twadvise`, measured), takes no CA file, and does not enforce a
/// resource timeout.
enum HTTPExchange {
    /// What to send.
    struct Request: Sendable {
        var url: String
        var headers: [String]
        /// A POST body (form-encoded); `nil` for a GET.
        var postBody: [UInt8]?
        var caFile: String?
        var timeout: TimeInterval
        var limit: Int
    }

    /// An exchange that completed: the HTTP status and body, whatever the status.
    struct Answer: Sendable {
        var status: Int
        var body: Data
    }

    /// An exchange that did not complete.
    struct Failure: Error, Sendable, Equatable {
        /// libcurl's result code (`CURLcode`).
        var code: Int32
        /// The errno of a failed connection, 0 when none.
        var osErrno: Int32
        /// The body passed the bound.
        var tooLarge: Bool
        /// libcurl itself could not be loaded.
        var unavailable: Bool
        /// libcurl's message.
        var message: String
    }

    /// The loaded libcurl's version, `nil` when it cannot be loaded.
    static var libraryVersion: String? { twa_http_version().map { String(cString: $0) } }

    /// Runs `request` on a thread of its own (a blocking transfer never holds a thread of Swift's cooperative
    /// pool) and returns its answer; cancelling the task stops the transfer within a second.
    static func perform(_ request: Request) async throws -> Answer {
        let flag = CancelFlag()
        let result: Result<Answer, Failure> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let thread = Thread {
                    continuation.resume(returning: run(request, cancel: flag))
                }
                thread.name = "twadvise-http"
                thread.start()
            }
        } onCancel: {
            flag.set()
        }
        if case .failure(let failure) = result, failure.code == abortedByCallback { throw CancellationError() }
        return try result.get()
    }

    /// `CURLE_ABORTED_BY_CALLBACK`: the task was cancelled.
    static let abortedByCallback: Int32 = 42

    private static func run(_ request: Request, cancel flag: CancelFlag) -> Result<Answer, Failure> {
        var response = twa_http_response()
        let milliseconds = min(max(1, (request.timeout * 1000).rounded(.up)), Double(Int.max / 2))
        // The C strings live for the call: each is borrowed inside its own closure.
        let headers = request.headers.map { strdup($0) }
        defer { headers.forEach { free($0) } }
        let headerPointers = headers.map { UnsafePointer($0) }
        request.url.withCString { url in
            withOptionalCString(request.caFile) { ca in
                headerPointers.withUnsafeBufferPointer { lines in
                    (request.postBody ?? []).withUnsafeBytes { body in
                        var c = twa_http_request(
                            url: url, headers: lines.baseAddress, header_count: lines.count,
                            post: request.postBody == nil ? 0 : 1, body: body.baseAddress, body_length: body.count,
                            ca_file: ca, timeout_ms: Int(milliseconds), limit: request.limit, cancel: flag.pointer)
                        twa_http_perform(&c, &response)
                    }
                }
            }
        }
        defer { twa_http_release(&response) }
        guard response.code == 0 else {
            let message = withUnsafeBytes(of: response.error) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            return .failure(Failure(code: response.code, osErrno: Int32(truncatingIfNeeded: response.os_errno),
                                    tooLarge: response.too_large != 0, unavailable: response.unavailable != 0,
                                    message: message))
        }
        let body = response.body.map { Data(bytes: $0, count: response.length) } ?? Data()
        return .success(Answer(status: Int(response.status), body: body))
    }

    private static func withOptionalCString<R>(_ string: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
        guard let string else { return body(nil) }
        return string.withCString { body($0) }
    }

    /// The flag the transfer polls, set when the task is cancelled; freed when both sides are done with it.
    private final class CancelFlag: Sendable {
        nonisolated(unsafe) let pointer: UnsafeMutablePointer<CInt>
        init() {
            pointer = .allocate(capacity: 1)
            pointer.initialize(to: 0)
        }
        func set() { twa_http_cancel(pointer) }
        deinit { pointer.deallocate() }
    }
}
