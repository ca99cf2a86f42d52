import Foundation

/// Six hours of two instances at 15 s, backfilled once with `promtool tsdb create-blocks-from openmetrics`:
/// an incident on `web-1:9100` (TIME_WAIT up to 28,000 at `peak`, the ActiveOpens counter steeper, conntrack
/// and the per-destination share of R up) and a quiet `db-2:9100`; a third instance whose name holds `"` and `\`.
struct IncidentDataset: Sendable {
    static let incident = "web-1:9100"
    static let quiet = "db-2:9100"
    static let weird = "weird\"inst\\ance:9100"
    static let scrape: TimeInterval = 15

    /// The last sample's time (now, aligned to 15 s, minus 30 s: older than any head).
    let end: Date
    /// The first sample's time: end − 6 h.
    var start: Date { end.addingTimeInterval(-6 * 3600) }
    /// When TIME_WAIT reaches 28,000 on the incident instance: end − 2 h 50 m.
    var peak: Date { end.addingTimeInterval(-(2 * 3600 + 50 * 60)) }
    /// When the quiet instance's TIME_WAIT reaches its 950: end − 4 h.
    var quietPeak: Date { end.addingTimeInterval(-4 * 3600) }
    /// The TSDB blocks, to copy for each server.
    let blocks: String

    static let shared: Result<IncidentDataset, HarnessError> = {
        do { return .success(try IncidentDataset.make()) } catch let error as HarnessError { return .failure(error) } catch {
            return .failure(HarnessError("\(error)"))
        }
    }()

    private static func make() throws -> IncidentDataset {
        guard let promtool = Tools.promtool else { throw HarnessError("promtool not found") }
        let now = (Date().timeIntervalSince1970 / scrape).rounded(.down) * scrape
        let end = Date(timeIntervalSince1970: now - 30)
        let directory = try temporaryDirectory("twadvise-prom-data")
        let dataset = IncidentDataset(end: end, blocks: directory + "/blocks")
        let file = directory + "/incident.om"
        try dataset.openMetrics().write(toFile: file, atomically: true, encoding: .utf8)
        try run(promtool, ["tsdb", "create-blocks-from", "openmetrics", file, dataset.blocks], log: directory + "/promtool.log")
        return dataset
    }

    /// The incident's shape: 0 outside [peak − 10 m, peak + 10 m], rising linearly to 1 at `peak`.
    func incidentShape(_ t: TimeInterval) -> Double {
        let d = abs(t - peak.timeIntervalSince1970)
        return d >= 600 ? 0 : 1 - d / 600
    }

    func openMetrics() -> String {
        var out = ""
        let times = stride(from: start.timeIntervalSince1970, through: end.timeIntervalSince1970, by: Self.scrape).map { $0 }
        func family(_ name: String, _ type: String, _ series: [(labels: String, value: (Int, TimeInterval) -> Double)]) {
            out += "# TYPE \(name) \(type)\n"
            for s in series {
                for (i, t) in times.enumerated() {
                    let v = s.value(i, t)
                    let text = v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)
                    out += "\(name){\(s.labels)} \(text) \(Int64(t))\n"
                }
            }
        }
        let web = "instance=\"web-1:9100\",job=\"node\""
        let db = "instance=\"db-2:9100\",job=\"node\""
        let weird = "instance=\"weird\\\"inst\\\\ance:9100\",job=\"node\""
        let quietPeak = quietPeak.timeIntervalSince1970
        family("node_sockstat_TCP_tw", "gauge", [
            (web, { i, t in let base = 1500 + Double(i % 7) * 10; return base + (28_000 - base) * incidentShape(t) }),
            (db, { i, t in t == quietPeak ? 950 : 800 + Double(i % 5) * 10 }),
            (weird, { _, _ in 42 }),
        ])
        // A counter since boot: 50 opens/s, 400/s while the incident lasts (node_exporter exports it untyped).
        var opens = 1_000_000.0, dbOpens = 10_000.0
        family("node_netstat_Tcp_ActiveOpens", "unknown", [
            (web, { _, t in opens += (incidentShape(t) > 0 ? 400 : 50) * Self.scrape; return opens }),
            (db, { _, _ in dbOpens += 5 * Self.scrape; return dbOpens }),
        ])
        family("node_nf_conntrack_entries", "gauge", [
            (web, { _, t in 20_000 + (235_000 - 20_000) * incidentShape(t) }),
            (db, { _, _ in 10_000 }),
        ])
        family("node_nf_conntrack_entries_limit", "gauge", [(web, { _, _ in 262_144 }), (db, { _, _ in 262_144 })])
        family("node_filefd_allocated", "gauge", [(web, { _, _ in 5_000 }), (db, { _, _ in 2_000 })])
        family("node_filefd_maximum", "gauge", [(web, { _, _ in 1_000_000 }), (db, { _, _ in 1_000_000 })])
        family("node_sysctl_net_ipv4_tcp_tw_reuse", "gauge", [(web, { _, _ in 2 })])
        family("node_sysctl_net_ipv4_ip_local_port_range_low", "gauge", [(web, { _, _ in 32768 })])
        family("node_sysctl_net_ipv4_ip_local_port_range_high", "gauge", [(web, { _, _ in 60999 })])
        let webDestination = web + ",namespace=\"host\",local=\"10.0.0.5\",remote=\"10.0.0.9\",port=\"443\""
        let dbDestination = db + ",namespace=\"host\",local=\"10.0.0.6\",remote=\"10.0.0.7\",port=\"5432\""
        family("twadvise_destination_port_share", "gauge", [
            (webDestination, { _, t in 0.05 + (0.97 - 0.05) * incidentShape(t) }),
            (dbDestination, { _, _ in 0.1 }),
        ])
        // What `watch --textfile` writes beside the share: U(D) and its TIME_WAIT (200 ESTABLISHED throughout).
        family("twadvise_destination_sockets", "gauge", [
            (webDestination, { _, t in ((0.05 + (0.97 - 0.05) * incidentShape(t)) * 28_232).rounded() }),
        ])
        family("twadvise_destination_time_wait", "gauge", [
            (webDestination, { _, t in ((0.05 + (0.97 - 0.05) * incidentShape(t)) * 28_232).rounded() - 200 }),
        ])
        family("twadvise_destination_pressure", "gauge", [(webDestination, { _, t in 0.01 + (0.9 - 0.01) * incidentShape(t) })])
        family("twadvise_ephemeral_ports_usable", "gauge", [(web + ",namespace=\"host\"", { _, _ in 28_232 })])
        out += "# EOF\n"
        return out
    }
}

/// A Prometheus server over a copy of the dataset's blocks, on a free loopback port.
struct RunningPrometheus: Sendable {
    let url: URL
    let dataset: IncidentDataset
    let child: ChildProcess
    let directory: String

    static func start(_ dataset: IncidentDataset) async throws -> RunningPrometheus {
        guard let prometheus = Tools.prometheus else { throw HarnessError("prometheus not found") }
        let (directory, port, child) = try await offPool {
            let directory = try temporaryDirectory("twadvise-prom-server")
            try FileManager.default.copyItem(atPath: dataset.blocks, toPath: directory + "/data")
            try "global:\n  scrape_interval: 15s\n".write(toFile: directory + "/prometheus.yml", atomically: true, encoding: .utf8)
            let port = try freeLoopbackPort()
            let child = try ChildProcess(prometheus, [
                "--config.file=\(directory)/prometheus.yml", "--storage.tsdb.path=\(directory)/data",
                "--web.listen-address=127.0.0.1:\(port)", "--storage.tsdb.retention.time=3650d",
                "--query.lookback-delta=5m", "--log.level=warn",
            ], log: directory + "/prometheus.log")
            return (directory, port, child)
        }
        let url = URL(string: "http://127.0.0.1:\(port)")!
        do {
            try await waitUntilReady(url.appendingPathComponent("-/ready"), timeout: 30, process: child)
        } catch {
            try? await offPool { child.stop() }
            throw error
        }
        return RunningPrometheus(url: url, dataset: dataset, child: child, directory: directory)
    }

    func stop() {
        child.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// Runs `body` against a fresh server, which is stopped whatever `body` does.
func withPrometheus(_ body: (RunningPrometheus) async throws -> Void) async throws {
    let dataset = try await offPool { try IncidentDataset.shared.get() }
    let server = try await RunningPrometheus.start(dataset)
    do {
        try await body(server)
    } catch {
        try? await offPool { server.stop() }
        throw error
    }
    try await offPool { server.stop() }
}
