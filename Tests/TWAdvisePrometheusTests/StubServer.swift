import Foundation
import Glibc

/// A small Python HTTP server on a free loopback port, answering by the first path component:
/// `/status500/…` a 500 HTML page; `/auth/…` the API's answer when `Authorization: Bearer TOKEN` is sent, else
/// a 401 that echoes the header it got; `/basic/…` the same for `Basic base64(user:pass)`; `/huge/…` 4 MiB
/// without Content-Length; `/hugelength/…` a Content-Length of 100 MiB; `/malformed/…` truncated JSON;
/// `/apierror/…` a 400 with the API's error envelope; `/echoauth160/…` a 401 echoing the header after 160 bytes; `/redirect/…` a 302 elsewhere; `/echo/…` a vector
/// whose labels are the method and the `query` parameter received (GET or POST form).
struct StubServer: Sendable {
    static let script = #"""
    import base64, json, signal, sys, time, urllib.parse
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    # Foundation's Process starts children with the spawning thread's signal mask (a Dispatch worker blocks
    # most signals), inherited across exec: unblock SIGTERM and take its default action back, or stop() waits.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    TOKEN = sys.argv[1]
    BASIC = base64.b64encode(sys.argv[2].encode()).decode()

    def vector(labels):
        return json.dumps({"status": "success", "data": {"resultType": "vector",
                           "result": [{"metric": labels, "value": [1700000000, "1"]}]}}).encode()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"
        def log_message(self, *args): pass
        def send(self, status, body, ctype="application/json", length=True):
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            if length: self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        def handle_any(self, form):
            mode = self.path.split("/")[1]
            query = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
            query.update(urllib.parse.parse_qs(form))
            auth = self.headers.get("Authorization", "")
            if mode == "status500":
                self.send(500, b"<html><body>Internal Server Error\n\x1b[31m</body></html>", "text/html")
            elif mode == "auth":
                if auth == "Bearer " + TOKEN: self.send(200, vector({"auth": "ok"}))
                else: self.send(401, ("unauthorized: got " + auth).encode(), "text/plain")
            elif mode == "basic":
                if auth == "Basic " + BASIC: self.send(200, vector({"auth": "ok"}))
                else: self.send(401, ("unauthorized: got " + auth).encode(), "text/plain")
            elif mode == "huge":
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"status":"success","data":{"resultType":"vector","result":[')
                chunk = b" " * 65536
                try:
                    for _ in range(64): self.wfile.write(chunk)
                except Exception: pass
            elif mode == "trickle":
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "100000")
                self.end_headers()
                try:
                    for _ in range(60):
                        self.wfile.write(b" "); self.wfile.flush(); time.sleep(1)
                except Exception: pass
            elif mode == "echoauth160":
                self.send(401, ("x" * 160 + auth).encode(), "text/plain")
            elif mode == "echojson":
                self.send(200, ("not json, got " + auth).encode(), "text/plain")
            elif mode == "hugelength":
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(100 << 20))
                self.end_headers()
                try: self.wfile.write(b"{" + b" " * 1024)
                except Exception: pass
            elif mode == "malformed":
                self.send(200, b'{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,')
            elif mode == "apierror":
                self.send(400, json.dumps({"status": "error", "errorType": "bad_data",
                                           "error": "1:5: parse error: unexpected end of input"}).encode())
            elif mode == "redirect":
                self.send_response(302)
                self.send_header("Location", "http://127.0.0.1:1/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif mode == "echo":
                self.send(200, vector({"method": self.command, "query": query.get("query", [""])[0]}))
            else:
                self.send(404, b"not found", "text/plain")
        def do_GET(self): self.handle_any("")
        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            self.handle_any(self.rfile.read(length).decode())

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if len(sys.argv) > 3:  # https: a PEM file holding the certificate and its key
        import ssl
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(sys.argv[3])
        server.socket = context.wrap_socket(server.socket, server_side=True)
    print(server.server_address[1], flush=True)
    server.serve_forever()
    """#

    let port: Int
    let child: ChildProcess
    let directory: String
    /// `https` when started with a certificate.
    var scheme = "http"

    func url(_ mode: String) -> URL { URL(string: "\(scheme)://127.0.0.1:\(port)/\(mode)")! }

    /// A stub on `http`, or on `https` when `certificate` (a PEM file with the certificate and its key) is given.
    static func start(token: String, basic: String, certificate: String? = nil) throws -> StubServer {
        guard let python = Tools.python3 else { throw HarnessError("python3 not found") }
        let directory = try temporaryDirectory("twadvise-prom-stub")
        try script.write(toFile: directory + "/stub.py", atomically: true, encoding: .utf8)
        let child = try ChildProcess(python, [directory + "/stub.py", token, basic] + (certificate.map { [$0] } ?? []),
                                     log: directory + "/stub.log")
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let first = child.logText.split(separator: "\n").first.map(String.init) ?? ""
            if let port = Int(first.trimmingCharacters(in: .whitespaces)) {
                return StubServer(port: port, child: child, directory: directory, scheme: certificate == nil ? "http" : "https")
            }
            guard child.process.isRunning else { break }
            usleep(50_000)
        }
        child.stop()
        throw HarnessError("stub did not start: \(child.logText.suffix(2000))")
    }

    func stop() {
        child.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// Runs `body` against a fresh stub, stopped whatever `body` does.
func withStub(token: String = "s3cret-t0ken", basic: String = "alice:pa55word", certificate: String? = nil,
              _ body: (StubServer) async throws -> Void) async throws {
    let stub = try await offPool { try StubServer.start(token: token, basic: basic, certificate: certificate) }
    do {
        try await body(stub)
    } catch {
        try? await offPool { stub.stop() }
        throw error
    }
    try await offPool { stub.stop() }
}
