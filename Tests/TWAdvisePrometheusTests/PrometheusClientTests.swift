import Foundation
import Glibc
import Testing
import TWAdviseHistory
import TWAdvisePrometheus
import TWAdviseTestSupport

/// The client against a stub HTTP server on loopback: each failure gives its error, credentials never leak.
@Suite(.enabled(if: Tools.python3 != nil, "python3 not on PATH"), .enabled(if: Tools.curlAvailable, Tools.curlSkipReason))
struct PrometheusClientTests {
    let token = "s3cret-t0ken"

    /// One directory for the run's credential files (the dataset's blocks are kept likewise: one per run).
    static let credentials = Result { try temporaryDirectory("twadvise-prom-cred") }

    func writeFile(_ content: String, mode: mode_t = 0o600) throws -> String {
        let path = try Self.credentials.get() + "/credential-" + UUID().uuidString
        try content.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, mode)
        return path
    }

    func error(_ body: () async throws -> Void) async -> PrometheusError? {
        do {
            try await body()
            return nil
        } catch let error as PrometheusError {
            return error
        } catch {
            Issue.record("not a PrometheusError: \(error)")
            return nil
        }
    }

    @Test func status500IsAnHTTPErrorWithAnEscapedExcerpt() async throws {
        try await withStub { stub in
            let client = try PrometheusClient(PrometheusOptions(baseURL: stub.url("status500")))
            let e = await error { _ = try await client.query("up") }
            guard case .http(let status, let url, let body) = e else { Issue.record("got \(String(describing: e))"); return }
            #expect(status == 500)
            #expect(url.hasSuffix("/status500/api/v1/query"))
            #expect(body.contains("Internal Server Error") && !body.contains("\u{1b}") && !body.contains("\n"))
            #expect(!(e?.description.contains("\n") ?? true))
        }
    }

    @Test func bearerTokenIsSentAndNeverInAnError() async throws {
        try await withStub { stub in
            let good = try writeFile(token + "\n")
            let client = try PrometheusClient(PrometheusOptions(baseURL: stub.url("auth"), bearerTokenFile: good))
            let answer = try await client.query("up")
            #expect(answer.value.first?.labels["auth"] == "ok")

            // A wrong token: the stub echoes the header it got; the error shows neither token.
            let wrong = try writeFile("wr0ng-t0ken-value")
            let rejected = try PrometheusClient(PrometheusOptions(baseURL: stub.url("auth"), bearerTokenFile: wrong))
            let e = await error { _ = try await rejected.query("up") }
            guard case .http(401, _, let body) = e else { Issue.record("got \(String(describing: e))"); return }
            #expect(!body.contains("wr0ng-t0ken-value"))
            #expect(body.contains("<redacted>"))
            #expect(!(e?.description.contains("wr0ng") ?? true))
        }
    }

    @Test func basicAuthFromAFile() async throws {
        try await withStub { stub in
            let file = try writeFile("alice:pa55word\n")
            let client = try PrometheusClient(PrometheusOptions(baseURL: stub.url("basic"), basicAuthFile: file))
            #expect(try await client.query("up").value.first?.labels["auth"] == "ok")
            let wrong = try writeFile("alice:other-pass")
            let e = await error { _ = try await PrometheusClient(PrometheusOptions(baseURL: stub.url("basic"), basicAuthFile: wrong)).query("up") }
            #expect(!(e?.description.contains("other-pass") ?? true))
            #expect(!(e?.description.contains(Data("alice:other-pass".utf8).base64EncodedString()) ?? true))
        }
    }

    @Test func hugeBodyStopsAtTheBound() async throws {
        try await withStub { stub in
            for mode in ["huge", "hugelength"] {
                let client = try PrometheusClient(PrometheusOptions(baseURL: stub.url(mode), maxResponseBytes: 1 << 20))
                let e = await error { _ = try await client.query("up") }
                #expect(e == .tooLarge(limit: 1 << 20), "\(mode): \(String(describing: e))")
            }
        }
    }

    @Test func malformedJSONIsABadResponse() async throws {
        try await withStub { stub in
            let client = try PrometheusClient(PrometheusOptions(baseURL: stub.url("malformed")))
            let e = await error { _ = try await client.query("up") }
            guard case .badResponse = e else { Issue.record("got \(String(describing: e))"); return }
        }
    }

    @Test func apiErrorCarriesTypeAndMessage() async throws {
        try await withStub { stub in
            let client = try PrometheusClient(PrometheusOptions(baseURL: stub.url("apierror")))
            let e = await error { _ = try await client.query("up{") }
            #expect(e == .apiError(errorType: "bad_data", message: "1:5: parse error: unexpected end of input"))
        }
    }

    @Test func redirectsAreNotFollowed() async throws {
        try await withStub { stub in
            let client = try PrometheusClient(PrometheusOptions(baseURL: stub.url("redirect")))
            let e = await error { _ = try await client.query("up") }
            guard case .http(302, _, _) = e else { Issue.record("got \(String(describing: e))"); return }
        }
    }

    @Test func longQueriesArePostedAsAFormAndShortOnesGot() async throws {
        try await withStub { stub in
            let client = try PrometheusClient(PrometheusOptions(baseURL: stub.url("echo"), postAbove: 200))
            let short = "up{instance=\"a+b&c=d\"}"
            let shortAnswer = try await client.query(short)
            #expect(shortAnswer.value.first?.labels == ["method": "GET", "query": short])
            let long = "sum(" + String(repeating: "node_sockstat_TCP_tw{instance=\"x y+z%\"} + ", count: 20) + "0)"
            let longAnswer = try await client.query(long)
            #expect(longAnswer.value.first?.labels == ["method": "POST", "query": long])
        }
    }

    /// A refused connection is `unreachable`, not a timeout; how long it takes is the machine's business, not
    /// the test's (a loaded CI machine took 36 s to schedule it).
    @Test func closedPortIsUnreachable() async throws {
        let port = try freeLoopbackPort()  // bound, then closed: nothing listens there
        let client = try PrometheusClient(PrometheusOptions(baseURL: URL(string: "http://127.0.0.1:\(port)/prometheus")!, timeout: 5))
        let e = await error { _ = try await client.query("up") }
        guard case .unreachable(let url, let reason) = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(url == "http://127.0.0.1:\(port)/prometheus/api/v1/query")
        #expect(!reason.isEmpty)
    }

    /// A server that trickles its answer a byte a second is cut at the timeout, as `unreachable` with the
    /// timeout as reason (before the fix it ran until the server stopped, a minute here, without a deadline).
    @Test func aTricklingAnswerIsCutAtTheTimeout() async throws {
        try await withStub { stub in
            let client = try PrometheusClient(PrometheusOptions(baseURL: stub.url("trickle"), timeout: 2))
            let e = await error { _ = try await client.query("up") }
            guard case .unreachable(_, let reason) = e else { Issue.record("got \(String(describing: e))"); return }
            #expect(reason == "no answer within 2s")
        }
    }

    /// A token echoed where the excerpt's cut (200 characters) falls is redacted whole, never shown in part:
    /// redaction comes before the cut (the review found 33 of 40 characters of a token shown).
    @Test func aTokenAcrossTheExcerptsCutIsRedacted() async throws {
        try await withStub { stub in
            let secret = "tok_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
            let file = try writeFile(secret + "\n")
            let client = try PrometheusClient(PrometheusOptions(baseURL: stub.url("echoauth160"), bearerTokenFile: file))
            let e = await error { _ = try await client.query("up") }
            guard case .http(401, _, let body) = e else { Issue.record("got \(String(describing: e))"); return }
            #expect(!body.contains("tok_ABC") && !body.contains("Bearer t"), "\(body)")
            #expect(body.hasSuffix("<redacted>"), "\(body)")
        }
    }

    /// A body that is not the API's JSON is quoted in the error, with the token it echoed redacted.
    @Test func aNonJSONExcerptNeverCarriesTheToken() async throws {
        try await withStub { stub in
            let token = try writeFile("s3cr3t-token\n")
            let client = try PrometheusClient(PrometheusOptions(baseURL: stub.url("echojson"), bearerTokenFile: token))
            let e = await error { _ = try await client.query("up") }
            guard case .badResponse(let reason) = e else { Issue.record("got \(String(describing: e))"); return }
            #expect(!reason.contains("s3cr3t"), "\(reason)")
            #expect(reason.contains("<redacted>"), "\(reason)")
        }
    }

    @Test func credentialFilesAreCheckedAndNeverPrinted() throws {
        let base = URL(string: "http://127.0.0.1:9090")!
        func failure(_ options: PrometheusOptions) -> PrometheusError? {
            do { _ = try PrometheusClient(options); return nil } catch { return error as? PrometheusError }
        }
        let directory = try temporaryDirectory("twadvise-prom-dir")
        guard case .credentials(directory, "not a regular file") = failure(PrometheusOptions(baseURL: base, bearerTokenFile: directory)) else {
            Issue.record("a directory was accepted")
            return
        }
        let big = try writeFile(String(repeating: "x", count: 100_000))
        #expect(failure(PrometheusOptions(baseURL: base, bearerTokenFile: big))?.description.contains("larger than") == true)
        let twoLines = try writeFile("hunter2\nsecond line\n")
        let e = failure(PrometheusOptions(baseURL: base, bearerTokenFile: twoLines))
        #expect(e != nil && !(e?.description.contains("hunter2") ?? true))
        let noColon = try writeFile("justapassword")
        let b = failure(PrometheusOptions(baseURL: base, basicAuthFile: noColon))
        #expect(b != nil && !(b?.description.contains("justapassword") ?? true))
        #expect(failure(PrometheusOptions(baseURL: base, bearerTokenFile: "/nonexistent/token"))?.description.contains("no such file") == true)
        // Credentials in the URL are refused; a CA bundle must be a readable file.
        guard case .configuration = failure(PrometheusOptions(baseURL: URL(string: "http://u:p@127.0.0.1:9090")!)) else {
            Issue.record("credentials in the URL accepted")
            return
        }
        let ca = failure(PrometheusOptions(baseURL: URL(string: "https://prom.example")!, caBundleFile: "/nonexistent/ca.pem"))
        #expect(ca == .configuration(reason: "CA bundle /nonexistent/ca.pem: No such file or directory"))
        let caDirectory = failure(PrometheusOptions(baseURL: URL(string: "https://prom.example")!, caBundleFile: directory))
        #expect(caDirectory == .configuration(reason: "CA bundle \(directory): not a readable regular file"))
    }

    /// TLS is verified: a server whose certificate the system does not trust is refused, and trusted when its
    /// CA is given as the bundle (a self-signed certificate for 127.0.0.1, made by openssl for the test).
    @Test(.enabled(if: Tools.find("openssl") != nil, "openssl not on PATH"))
    func httpsIsVerifiedAgainstTheSystemOrTheGivenCA() async throws {
        let directory = try temporaryDirectory("twadvise-prom-tls")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let pem = directory + "/server.pem"
        try run(Tools.find("openssl")!, [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=twadvise-test",
            "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", directory + "/key.pem", "-out", directory + "/cert.pem",
        ], log: directory + "/openssl.log")
        let both = try String(contentsOfFile: directory + "/cert.pem", encoding: .utf8)
            + String(contentsOfFile: directory + "/key.pem", encoding: .utf8)
        try both.write(toFile: pem, atomically: true, encoding: .utf8)
        try await withStub(certificate: pem) { stub in
            let untrusted = try PrometheusClient(PrometheusOptions(baseURL: stub.url("echo"), timeout: 10))
            let e = await error { _ = try await untrusted.query("up") }
            guard case .unreachable(_, let reason) = e else { Issue.record("got \(String(describing: e))"); return }
            #expect(reason.hasPrefix("TLS failed"), "\(reason)")
            let trusted = try PrometheusClient(PrometheusOptions(baseURL: stub.url("echo"), caBundleFile: directory + "/cert.pem"))
            #expect(try await trusted.query("up").value.first?.labels == ["method": "GET", "query": "up"])
        }
    }

    /// `--prometheus-ca-file` replaces the system's trust store, not adds to it: in a mount namespace of its own
    /// whose /etc/ssl/certs (bundle and hashed directory) trusts only the test server's certificate, the CLI
    /// trusts the server with no CA file,
    /// and refuses it when given another CA (libcurl built with a CA directory kept trusting it: the review's
    /// finding).
    @Test(.enabled(if: getuid() == 0 && Tools.find("unshare") != nil && Tools.find("openssl") != nil,
                   "needs root, unshare and openssl (a mount namespace of its own)"))
    func aCAFileReplacesTheSystemStore() async throws {
        let directory = try temporaryDirectory("twadvise-prom-castore")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let openssl = Tools.find("openssl")!
        for name in ["server", "other"] {
            try run(openssl, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=twadvise-\(name)",
                              "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", "\(directory)/\(name).key",
                              "-out", "\(directory)/\(name).pem"], log: directory + "/openssl.log")
        }
        let both = try String(contentsOfFile: directory + "/server.pem", encoding: .utf8)
            + String(contentsOfFile: directory + "/server.key", encoding: .utf8)
        try both.write(toFile: directory + "/server-both.pem", atomically: true, encoding: .utf8)
        // The store as OpenSSL reads a CA directory: the certificate under its subject hash.
        let store = directory + "/store"
        try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: true)
        let hash = try CLIRunner.process(openssl, ["x509", "-hash", "-noout", "-in", directory + "/server.pem"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try FileManager.default.copyItem(atPath: directory + "/server.pem", toPath: "\(store)/\(hash).0")
        // And as the bundle libcurl reads by default (Debian's: ca-certificates.crt in the same directory).
        try FileManager.default.copyItem(atPath: directory + "/server.pem", toPath: store + "/ca-certificates.crt")
        try await withStub(certificate: directory + "/server-both.pem") { stub in
            func cli(_ caFile: String?) throws -> CLIRunner.Result {
                let script = #"mount --bind "$1" /etc/ssl/certs && shift && exec "$@""#
                return try CLIRunner.process(Tools.find("unshare")!, ["-m", "sh", "-c", script, "sh", store, CLIRunner.executable,
                    "diagnose", "--prometheus", stub.url("echo").absoluteString, "--instance", "a:9100", "--prometheus-timeout", "10"]
                    + (caFile.map { ["--prometheus-ca-file", $0] } ?? []))
            }
            let system = try cli(nil)
            #expect(!system.stderr.contains("TLS failed") && system.stderr.contains("echo"), "\(system.stderr)")
            let other = try cli(directory + "/other.pem")
            #expect(other.status == 2 && other.stderr.contains("TLS failed"), "\(other.stderr)")
            let own = try cli(directory + "/server.pem")
            #expect(!own.stderr.contains("TLS failed") && own.stderr.contains("echo"), "\(own.stderr)")
        }
    }

    @Test func promqlStringsAreEscaped() {
        #expect(PromQL.quoted("weird\"inst\\ance") == #""weird\"inst\\ance""#)
        #expect(PromQL.quoted("a\nb\u{1}") == #""a\nb\u0001""#)
        #expect(PromQL.oneOf("instance", ["a.b:9100", "c|d"]) == #"instance=~"a\\.b:9100|c\\|d""#)
        #expect(PromQL.duration(21.6) == "22s")
        #expect(PrometheusHistory.sysctlMetricName("fs.file-max") == "node_sysctl_fs_file_max")
        #expect(PrometheusHistory.defaultStep(from: Date(timeIntervalSince1970: 0), to: Date(timeIntervalSince1970: 6 * 3600)) == 22)
    }
}
