public import Foundation
internal import TWAdviseHistory

/// A quantity the fleet is ranked by, each computed by the server in PromQL.
public enum FleetMeasure: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// The most pressed destination's pressure (`twadvise_destination_pressure`, the reuse-aware value), or
    /// where a host exports no pressure series its share of R (`twadvise_destination_port_share`, U(D)/R),
    /// per series of `twadvise watch --textfile`; the fleet report says which it shows.
    case destinationPressure = "destination_pressure"
    /// TIME_WAIT sockets, the kernel's count (`node_sockstat_TCP_tw`, node_exporter only).
    case timeWait = "time_wait"
    /// Connections opened per second (`rate(node_netstat_Tcp_ActiveOpens[W])`).
    case activeOpensRate = "active_opens_per_second"
    /// Conntrack entries over the table's limit (`node_nf_conntrack_entries / node_nf_conntrack_entries_limit`).
    case conntrackRatio = "conntrack_ratio"
    /// File handles allocated over fs.file-max (`node_filefd_allocated / node_filefd_maximum`).
    case fileHandlesRatio = "file_handles_ratio"

    /// The raw value's name.
    public var description: String { rawValue }

    /// The metrics it reads, for a "not on the server" note.
    public var metrics: [String] {
        switch self {
        case .destinationPressure: [TWAdviseSeries.destinationPressure.name, TWAdviseSeries.destinationShare.name]
        case .timeWait: ["node_sockstat_TCP_tw"]
        case .activeOpensRate: ["node_netstat_Tcp_ActiveOpens"]
        case .conntrackRatio: ["node_nf_conntrack_entries", "node_nf_conntrack_entries_limit"]
        case .fileHandlesRatio: ["node_filefd_allocated", "node_filefd_maximum"]
        }
    }

    /// The value of every series at one instant, the highest sample of the `step` before it for levels (so that
    /// instants `step` apart cover every sample), `matchers` inside each selector's braces (empty for all).
    public func expression(matchers: String, step: TimeInterval) -> String {
        let m = "{\(matchers)}", s = "[\(PromQL.duration(step))]"
        switch self {
        case .destinationPressure:
            return "(max_over_time(\(TWAdviseSeries.destinationPressure.name)\(m)\(s)) or max_over_time(\(TWAdviseSeries.destinationShare.name)\(m)\(s)))"
        case .timeWait:
            return "max_over_time(node_sockstat_TCP_tw\(m)\(s))"
        case .activeOpensRate:
            return "rate(node_netstat_Tcp_ActiveOpens\(m)[\(PromQL.duration(PrometheusHistory.rateWindow(step: step)))])"
        case .conntrackRatio:
            return "(max_over_time(node_nf_conntrack_entries\(m)\(s)) / node_nf_conntrack_entries_limit\(m))"
        case .fileHandlesRatio:
            return "(max_over_time(node_filefd_allocated\(m)\(s)) / node_filefd_maximum\(m))"
        }
    }
}
