import Foundation
import Testing
import TWAdviseTestSupport

/// A real sosreport made on this host by Debian's `sos` (networking, kernel and system plugins), with two
/// network namespaces of our own holding loopback TIME_WAIT sockets. Bounded: 60 and 40 connections.
enum SosTools {
    static let available: Bool = geteuid() == 0
        && FileManager.default.isExecutableFile(atPath: "/usr/bin/sos")
        && (FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip") || FileManager.default.isExecutableFile(atPath: "/bin/ip"))
}

@Suite("sosreport", .serialized, .enabled(if: SosTools.available, "needs root, ip netns and Debian's sos (.ci/run installs sosreport)"))
struct SosReportTests {
    static func sh(_ command: String) throws -> (Int32, String) {
        let result = try CLIRunner.process("/bin/sh", ["-c", command])
        return (result.status, result.stdout + result.stderr)
    }

    /// Client-closes-first connections inside a namespace, with Python from the test machine.
    static func timeWait(in namespace: String, count: Int) throws {
        let script = "import socket\ns=socket.socket();s.bind(('127.0.0.1',0));s.listen(256);p=s.getsockname()[1]\nfor i in range(\(count)):\n c=socket.create_connection(('127.0.0.1',p));a,_=s.accept();c.close();a.recv(1);a.close()\n"
        let (status, output) = try sh("ip netns exec \(namespace) python3 -c \"\(script)\"")
        #expect(status == 0, "\(output)")
    }

    @Test("diagnose --sos on the archive and on the extracted directory: the host and each namespace")
    func realSosReport() throws {
        let tag = "twadv\(getpid() % 100000)"
        let namespaces = ["\(tag)a", "\(tag)b"]
        try TestNamespace.with(namespaces) {
            for (ns, count) in zip(namespaces, [60, 40]) { try Self.timeWait(in: ns, count: count) }
            try reportAndRead(namespaces)
        }
    }

    private func reportAndRead(_ namespaces: [String]) throws {
        let work = try TemporaryTree()
        let (status, output) = try Self.sh("timeout 240 sos report --batch --quiet -o networking,kernel,system --tmp-dir \(work.root) 2>&1")
        #expect(status == 0, "\(output)")
        let archive = try #require(try FileManager.default.contentsOfDirectory(atPath: work.root).first { $0.hasSuffix(".tar.xz") })
        let result = try CLIRunner.run(["diagnose", "--sos", work.path(archive), "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: result.stdoutBytes) as? [String: Any])
        #expect((object["source"] as? String)?.hasPrefix("sosreport ") == true)
        let reports = try #require(object["namespaces"] as? [[String: Any]])
        let ours = reports.filter { r in namespaces.contains { (r["host"] as? String ?? "").hasSuffix("network namespace \($0)") } }
        #expect(ours.count == 2)
        // The archive was extracted to a temporary directory and removed afterwards.
        #expect(try Self.sh("ls -d /tmp/twadvise-sos-* 2>/dev/null | wc -l").1.trimmingCharacters(in: .whitespacesAndNewlines) == "0")

        // The same report extracted: per-namespace snapshots carry that namespace's own TIME_WAIT.
        #expect(try Self.sh("mkdir \(work.path("x")) && tar -xf \(work.path(archive)) -C \(work.path("x"))").0 == 0)
        let top = try #require(try FileManager.default.contentsOfDirectory(atPath: work.path("x")).first)
        for (ns, count) in zip(namespaces, [60, 40]) {
            let snap = try CLIRunner.run(["snapshot", "--sos", work.path("x/" + top), "--namespace", ns])
            #expect(snap.status == 0, "\(snap.stderr)")
            let facts = try #require(try JSONSerialization.jsonObject(with: snap.stdoutBytes) as? [String: Any])
            let sockets = try #require(facts["sockets"] as? [String: Any])
            #expect(sockets["timeWait"] as? Int == count, "\(ns)")
            #expect(((facts["counters"] as? [String: Any])?["TcpExt"] as? [String: Any])?["TW"] as? Int == count)
        }
        let host = try CLIRunner.run(["snapshot", "--sos", work.path("x/" + top)])
        let hostFacts = try #require(try JSONSerialization.jsonObject(with: host.stdoutBytes) as? [String: Any])
        #expect(((hostFacts["sysctls"] as? [String: Any])?["values"] as? [String: Any])?["net.ipv4.tcp_tw_reuse"] != nil)
        let missing = try CLIRunner.run(["snapshot", "--sos", work.path("x/" + top), "--namespace", "nope"])
        #expect(missing.status == 2 && missing.stderr.contains("not in the sosreport"))
    }

    @Test("a file that is not a sosreport is an input error")
    func notASosReport() throws {
        let tree = try TemporaryTree(["junk.tar.xz": "not an archive"])
        let result = try CLIRunner.run(["diagnose", "--sos", tree.path("junk.tar.xz")])
        #expect(result.status == 2 && result.stderr == "twadvise: error: --sos \(tree.path("junk.tar.xz")): tar could not list it (exit 2)\n")
        let dir = try CLIRunner.run(["diagnose", "--sos", tree.root])
        #expect(dir.status == 2 && dir.stderr.contains("not a sosreport"))
    }
}
