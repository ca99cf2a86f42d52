/// The `twadvise_` series that history is read from: written by `twadvise watch --textfile` (for
/// node_exporter's textfile collector, so Prometheus keeps them) and kept by `twadvise record`, read back by
/// the postmortem from Prometheus and from recordings. Named here once: the recorder, the Prometheus reader
/// and the postmortem use these cases, and TWAdvise's host-fact declarations export the same names (a test
/// holds the two lists equal), so a renamed metric cannot be missed in silence.
public enum TWAdviseSeries: String, Sendable, Hashable, CaseIterable {
    /// TIME_WAIT sockets, the kernel's count (sockstat `tw`).
    case timeWait = "twadvise_time_wait_sockets"
    /// TIME_WAIT sockets whose local port is ephemeral: this host connected.
    case outboundTimeWait = "twadvise_outbound_time_wait"
    /// TIME_WAIT sockets on a listening port: this host served and closed first.
    case inboundTimeWait = "twadvise_inbound_time_wait"
    /// ESTABLISHED sockets.
    case established = "twadvise_established_sockets"
    /// R: usable ephemeral ports.
    case usablePorts = "twadvise_ephemeral_ports_usable"
    /// U(D)/R of a destination (label `destination`).
    case destinationShare = "twadvise_destination_port_share"
    /// The reuse-aware share of R of a destination: its pressure.
    case destinationPressure = "twadvise_destination_pressure"
    /// U(D): sockets of a destination holding an ephemeral port.
    case destinationSockets = "twadvise_destination_sockets"
    /// TIME_WAIT sockets toward a destination.
    case destinationTimeWait = "twadvise_destination_time_wait"

    /// The history quantity of this series.
    public var quantity: HistoryQuantity { .twadvise(rawValue) }

    /// The metric name.
    public var name: String { rawValue }
}
