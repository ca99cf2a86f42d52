import Foundation
import Testing
import TWAdviseHistory
import TWAdvisePrometheus

/// Against a real Prometheus server over backfilled blocks (skipped, with the reason, without the binaries).
@Suite(.serialized, .enabled(if: Tools.serverAvailable, Tools.serverSkipReason), .enabled(if: Tools.curlAvailable, Tools.curlSkipReason))
struct PrometheusServerTests {
    func client(_ server: RunningPrometheus) throws -> PrometheusClient {
        try PrometheusClient(PrometheusOptions(baseURL: server.url, timeout: 30))
    }

    @Test func incidentInstanceHistoryFindsThePeakAtItsTime() async throws {
        try await withPrometheus { server in
            let d = server.dataset
            let step = PrometheusHistory.defaultStep(from: d.start, to: d.end)
            let history = try await PrometheusHistory(client: client(server)).read(instance: IncidentDataset.incident, from: d.start, to: d.end)
            let tw = try #require(history.series.first { $0.quantity == .sockstat("TCP", "tw") })
            let peak = try #require(tw.points.max { $0.value < $1.value })
            #expect(peak.value == 28_000)
            let first = try #require(tw.points.first { $0.value == 28_000 })
            #expect(abs(first.time.timeIntervalSince(d.peak)) <= step, "peak at \(first.time), written at \(d.peak), step \(step)")
            #expect(tw.labels["instance"] == IncidentDataset.incident)
            #expect(tw.points.count <= 1_001)

            // The counter's rate steepens: 50/s before, 400/s in the incident.
            let opens = try #require(history.series.first { $0.quantity == .counterRate("Tcp", "ActiveOpens") })
            let before = try #require(opens.points.first { abs($0.time.timeIntervalSince(d.peak) + 3_600) < step })
            let during = try #require(opens.points.first { abs($0.time.timeIntervalSince(d.peak)) < step })
            #expect(abs(before.value - 50) < 1)
            #expect(abs(during.value - 400) < 1)

            // twadvise_ series keep their labels; the sysctl collector's mapped fields are told apart.
            let share = try #require(history.series.first { $0.quantity == .twadvise("twadvise_destination_port_share") })
            #expect(share.labels["remote"] == "10.0.0.9" && share.labels["port"] == "443" && share.labels["namespace"] == "host")
            #expect(abs((share.points.map(\.value).max() ?? 0) - 0.97) < 1e-9)
            #expect(history.series.contains { $0.quantity == .sysctl("net.ipv4.tcp_tw_reuse") && $0.points.last?.value == 2 })
            #expect(history.series.contains { $0.quantity == .sysctl("net.ipv4.ip_local_port_range") && $0.labels["field"] == "low" })
            #expect(!history.read.isEmpty)
        }
    }

    @Test func quietInstancePeakIsWhatWasWritten() async throws {
        try await withPrometheus { server in
            let d = server.dataset
            let step = PrometheusHistory.defaultStep(from: d.start, to: d.end)
            let history = try await PrometheusHistory(client: client(server)).read(instance: IncidentDataset.quiet, from: d.start, to: d.end)
            let tw = try #require(history.series.first { $0.quantity == .sockstat("TCP", "tw") })
            let peak = try #require(tw.points.max { $0.value < $1.value })
            #expect(peak.value == 950)
            let first = try #require(tw.points.first { $0.value == 950 })
            #expect(abs(first.time.timeIntervalSince(d.quietPeak)) <= step)
            #expect(!history.series.contains { $0.quantity == .twadvise("twadvise_destination_pressure") })
        }
    }

    @Test func absentMetricIsNotReadAndNeverZero() async throws {
        try await withPrometheus { server in
            let d = server.dataset
            let history = try await PrometheusHistory(client: client(server)).read(instance: IncidentDataset.incident, from: d.start, to: d.end)
            #expect(!history.series.contains { $0.quantity == .counterRate("TcpExt", "TCPTimeWaitOverflow") })
            let gap = try #require(history.notRead.first { $0.source.hasSuffix("node_netstat_TcpExt_TCPTimeWaitOverflow") })
            #expect(gap.reason.contains("not on the server"))
            #expect(gap.reason.contains("--collector.netstat.fields"))
            #expect(history.notRead.contains { $0.source.hasSuffix("node_sysctl_net_ipv4_tcp_max_tw_buckets") })
            #expect(!history.notRead.contains { $0.source.hasSuffix("node_sockstat_TCP_tw") })
        }
    }

    @Test func labelValueWithQuoteAndBackslashIsEscaped() async throws {
        try await withPrometheus { server in
            let d = server.dataset
            let history = try await PrometheusHistory(client: client(server)).read(instance: IncidentDataset.weird, from: d.start, to: d.end)
            let tw = try #require(history.series.first { $0.quantity == .sockstat("TCP", "tw") })
            #expect(tw.labels["instance"] == IncidentDataset.weird)
            #expect(tw.points.allSatisfy { $0.value == 42 })
            // Conntrack was never written for it: a gap, not a zero.
            #expect(history.notRead.contains { $0.source.hasSuffix("node_nf_conntrack_entries") })
        }
    }

    @Test func unknownInstanceThrowsNoSeriesNamingInstances() async throws {
        try await withPrometheus { server in
            let d = server.dataset
            do {
                _ = try await PrometheusHistory(client: client(server)).read(instance: "web-9:9100", from: d.start, to: d.end)
                Issue.record("expected noSeries")
            } catch let error as PrometheusError {
                guard case .noSeries(let instance, let available, let count) = error else {
                    Issue.record("expected noSeries, got \(error)")
                    return
                }
                #expect(instance == "web-9:9100")
                #expect(count == 3)
                #expect(available.contains(IncidentDataset.incident) && available.contains(IncidentDataset.quiet))
                #expect(error.description.contains("\"web-1:9100\""))
            }
        }
    }

    @Test func fleetRanksTheIncidentFirstWithItsPeakTime() async throws {
        try await withPrometheus { server in
            let d = server.dataset
            let ranking = try await PrometheusFleet(client: client(server)).rank(from: d.start, to: d.end, limit: 5)
            let tw = ranking.rows(.timeWait)
            #expect(tw.map(\.instance) == [IncidentDataset.incident, IncidentDataset.quiet, IncidentDataset.weird])
            let top = try #require(tw.first)
            #expect(top.peak == 28_000)
            let at = try #require(top.at)
            #expect(abs(at.timeIntervalSince(d.peak)) <= ranking.step, "at \(at), written at \(d.peak), step \(ranking.step)")
            #expect(top.query.hasPrefix("topk(5, topk by (instance) (1, max_over_time("))
            #expect(tw[1].peak == 950)
            #expect(abs((tw[1].at ?? .distantPast).timeIntervalSince(d.quietPeak)) <= ranking.step)

            // The reuse-aware pressure wins over the share where both exist; the destination's labels are kept.
            let pressure = ranking.rows(.destinationPressure)
            #expect(pressure.first?.instance == IncidentDataset.incident)
            #expect(abs((pressure.first?.peak ?? 0) - 0.9) < 1e-9)
            #expect(pressure.first?.labels["remote"] == "10.0.0.9")
            #expect(abs((pressure.first?.at ?? .distantPast).timeIntervalSince(d.peak)) <= ranking.step)
            #expect(abs((pressure.last?.peak ?? 0) - 0.1) < 1e-9)

            let conntrack = ranking.rows(.conntrackRatio)
            #expect(conntrack.first?.instance == IncidentDataset.incident)
            #expect(abs((conntrack.first?.peak ?? 0) - 235_000.0 / 262_144) < 1e-9)
            let opens = ranking.rows(.activeOpensRate)
            #expect(opens.first?.instance == IncidentDataset.incident)
            #expect(abs((opens.first?.peak ?? 0) - 400) < 1)
            #expect(ranking.rows(.fileHandlesRatio).first?.instance == IncidentDataset.incident)
            #expect(ranking.notRead.isEmpty)
        }
    }
}
