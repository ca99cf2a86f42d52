import Foundation
import Testing
import TWAdviseTestSupport

/// The words a person reads: the input line, warnings, errors and help, one test per message.
@Suite("What the CLI says", .serialized)
struct MessageTests {
    /// An extracted sosreport with sysctl -a and ss output but no proc/sys and no proc/net/tcp.
    static func sosTree() throws -> TemporaryTree {
        try TemporaryTree([
            "sos_commands/kernel/sysctl_-a": """
                kernel.hostname = sos-host
                kernel.osrelease = 6.1.0-18-amd64
                net.ipv4.ip_local_port_range = 32768\t60999
                net.ipv4.ip_local_reserved_ports =
                net.ipv4.tcp_tw_reuse = 2
                net.ipv4.tcp_timestamps = 1

                """,
            "sos_commands/networking/ss_-peaonmi": """
                Netid State  Recv-Q Send-Q Local Address:Port Peer Address:Port Process
                tcp   TIME-WAIT 0 0 10.0.0.5:40000 10.0.0.9:443
                tcp   ESTAB  0 0 10.0.0.5:40001 10.0.0.9:443

                """,
            "proc/net/sockstat": "sockets: used 5\nTCP: inuse 1 orphan 0 tw 1 alloc 2 mem 1\n",
        ])
    }

    @Test("--sos: the input line names the report given, and warns only about what is missing in the end")
    func sosWarnings() throws {
        let tree = try Self.sosTree()
        let result = try CLIRunner.run(["diagnose", "--sos", tree.root])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("| Input | sosreport \(tree.root) (also sos\\_commands/networking/ss\\_-peaonmi, sos\\_commands/kernel/sysctl\\_-a) |"))
        // Taken from sysctl_-a and ss output in the end: no warning about the /proc files that were absent.
        for supplied in ["tcp\\_tw\\_reuse: no such file", "ip\\_local\\_port\\_range: no such file", "hostname: no such file",
                         "proc/net/tcp: no such file"] {
            #expect(!result.stdout.contains(supplied), "\(supplied)")
        }
        // Missing in the end: still said.
        #expect(result.stdout.contains("- proc/sys/fs/file-nr: no such file"))
    }

    @Test("--ss alone: a missing fact names the option that would supply it, not a /proc path")
    func capturedOutputSuggestions() throws {
        let tree = try Self.sosTree()
        let result = try CLIRunner.run(["diagnose", "--ss", tree.path("sos_commands/networking/ss_-peaonmi")])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("tcpext.ListenOverflows (give --nstat FILE (nstat -zas output))"))
        #expect(result.stdout.contains("(give --sysctl FILE (sysctl -a output))"))
        #expect(!result.stdout.contains("(from proc/"))
    }
}
