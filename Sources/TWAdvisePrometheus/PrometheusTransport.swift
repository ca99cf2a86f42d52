import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP exchange with a bounded answer: the body is collected as it arrives and the transfer cancelled as
/// soon as it passes the bound (a `Content-Length` above it is refused before any byte). Redirects are not
/// followed, so credentials never go to another place than the one configured.
final class BoundedExchange: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private let limit: Int
    private let lock = NSLock()
    private var body = Data()
    private var response: HTTPURLResponse?
    private var exceeded = false
    private var expired = false
    private var continuation: CheckedContinuation<(HTTPURLResponse, Data), any Error>?

    init(limit: Int) { self.limit = limit }

    /// Runs `request` on a session of its own and returns the status and body.
    static func perform(_ request: URLRequest, limit: Int, timeout: TimeInterval) async throws -> (HTTPURLResponse, Data) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.httpCookieStorage = nil
        configuration.urlCredentialStorage = nil
        let exchange = BoundedExchange(limit: limit)
        let session = URLSession(configuration: configuration, delegate: exchange, delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        let task = session.dataTask(with: request)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                exchange.lock.withLock { exchange.continuation = continuation }
                task.resume()
                // The whole exchange has `timeout`, not only the wait for each byte: a server that trickles
                // its answer one byte a second is cut at the deadline (corelibs' URLSession does not enforce
                // timeoutIntervalForResource).
                DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { [exchange] in
                    if exchange.lock.withLock({ () -> Bool in
                        guard exchange.continuation != nil else { return false }
                        exchange.expired = true
                        return true
                    }) { task.cancel() }
                }
            }
        } onCancel: {
            task.cancel()
        }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping @Sendable (URLSession.ResponseDisposition) -> Void) {
        let tooLong = response.expectedContentLength > Int64(limit)
        lock.withLock {
            self.response = response as? HTTPURLResponse
            if tooLong { exceeded = true }
        }
        completionHandler(tooLong ? .cancel : .allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let over: Bool = lock.withLock {
            guard !exceeded else { return false }
            if body.count + data.count > limit {
                exceeded = true
                body = Data()
                return true
            }
            body.append(data)
            return false
        }
        if over { dataTask.cancel() }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void) {
        completionHandler(nil)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        let (continuation, result): (CheckedContinuation<(HTTPURLResponse, Data), any Error>?, Result<(HTTPURLResponse, Data), any Error>) = lock.withLock {
            let c = self.continuation
            self.continuation = nil
            if exceeded { return (c, .failure(PrometheusError.tooLarge(limit: limit))) }
            if expired { return (c, .failure(URLError(.timedOut))) }
            if let error { return (c, .failure(error)) }
            guard let response else { return (c, .failure(PrometheusError.badResponse(reason: "no HTTP response"))) }
            return (c, .success((response, body)))
        }
        continuation?.resume(with: result)
    }
}
