import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An `Authorization` header value read from a credential file. Its description never shows the value.
struct PrometheusSecret: Sendable, CustomStringConvertible {
    /// The whole header value (`Bearer ...`, `Basic ...`).
    let header: String
    /// The secret parts, removed from anything the server sends back that ends up in an error.
    let redact: [String]
    var description: String { "<redacted>" }

    /// The largest credential file read (a token or a `user:password` line is far smaller).
    static let maxFileBytes = 16 * 1024

    /// `Bearer TOKEN` from a file holding the token (a trailing newline allowed).
    static func bearer(file path: String) throws -> PrometheusSecret {
        let token = try line(path)
        guard !token.contains(where: { $0 == " " || $0 == "\t" }) else {
            throw PrometheusError.credentials(path: path, reason: "a bearer token has no spaces: the file holds something else")
        }
        return PrometheusSecret(header: "Bearer " + token, redact: [token])
    }

    /// `Basic base64(user:password)` from a file holding one `user:password` line.
    static func basic(file path: String) throws -> PrometheusSecret {
        let content = try line(path)
        guard let colon = content.firstIndex(of: ":"), colon != content.startIndex else {
            throw PrometheusError.credentials(path: path, reason: "expected one line user:password")
        }
        let encoded = Data(content.utf8).base64EncodedString()
        let password = String(content[content.index(after: colon)...])
        return PrometheusSecret(header: "Basic " + encoded, redact: [encoded, password, content].filter { !$0.isEmpty })
    }

    /// The file's one line, trailing whitespace removed; errors name the path and the problem, never content.
    private static func line(_ path: String) throws -> String {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw PrometheusError.credentials(path: path, reason: String(cString: strerror(errno)).lowercased())
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw PrometheusError.credentials(path: path, reason: "not a regular file")
        }
        guard Int(info.st_size) <= maxFileBytes else {
            throw PrometheusError.credentials(path: path, reason: "larger than \(maxFileBytes) bytes: not a credential file")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw PrometheusError.credentials(path: path, reason: "cannot be opened for reading")
        }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: maxFileBytes + 1)) ?? Data()
        guard data.count <= maxFileBytes else {
            throw PrometheusError.credentials(path: path, reason: "larger than \(maxFileBytes) bytes: not a credential file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw PrometheusError.credentials(path: path, reason: "not UTF-8 text")
        }
        var value = Substring(text)
        while let last = value.last, last.isWhitespace { value.removeLast() }
        guard !value.isEmpty else { throw PrometheusError.credentials(path: path, reason: "empty") }
        guard !value.contains(where: { $0.isNewline || ($0.asciiValue.map { $0 < 0x20 } ?? false) }) else {
            throw PrometheusError.credentials(path: path, reason: "more than one line, or control characters")
        }
        return String(value)
    }
}
