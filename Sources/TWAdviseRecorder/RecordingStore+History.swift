import Synchronization
public import TWAdviseHistory
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension RecordingStore {
    /// The recording of `window` as a ``History``: per namespace (label `namespace`), TIME_WAIT
    /// (`sockstat/TCP/tw`), the `twadvise_outbound_time_wait`, `twadvise_inbound_time_wait`,
    /// `twadvise_established_sockets` and `twadvise_ephemeral_ports_usable` series and the counter deltas as
    /// rates (`rate/Tcp/ActiveOpens`); per destination that was among the ten most pressed of its namespace at
    /// least once in the window (labels `namespace`, `local`, `remote`, `port`, as `watch` exports them),
    /// `twadvise_destination_port_share`, `twadvise_destination_pressure` and `twadvise_destination_sockets`.
    ///
    /// Kernel messages are not classified here: read them from the readings (``readings(in:limit:)``).
    public func history(in window: RecordingWindow) throws(RecorderError) -> History {
        let source = "recording \(path)"
        let top = try topDestinations(in: window)
        var series: [SeriesKey: [HistoryPoint]] = [:]
        var order: [SeriesKey] = []
        func add(_ quantity: HistoryQuantity, _ labels: [String: String], _ time: Date, _ value: Double?) {
            guard let value else { return }
            let key = SeriesKey(quantity: quantity, labels: labels)
            if series[key] == nil { order.append(key) }
            series[key, default: []].append(HistoryPoint(time: time, value: value))
        }
        try forEachReading(in: window) { reading in
            for ns in reading.namespaces {
                let labels = ["namespace": ns.label]
                add(.sockstat("TCP", "tw"), labels, reading.time, ns.timeWait.map(Double.init))
                add(TWAdviseSeries.outboundTimeWait.quantity, labels, reading.time, ns.timeWaitOutbound.map(Double.init))
                add(TWAdviseSeries.inboundTimeWait.quantity, labels, reading.time, ns.timeWaitInbound.map(Double.init))
                add(TWAdviseSeries.established.quantity, labels, reading.time, ns.states["ESTABLISHED"].map(Double.init))
                add(TWAdviseSeries.usablePorts.quantity, labels, reading.time, ns.portsUsable.map(Double.init))
                if let interval = ns.intervalSeconds, interval > 0 {
                    for (counter, delta) in ns.counterDeltas.sorted(by: { $0.key < $1.key }) {
                        let parts = counter.split(separator: ".", maxSplits: 1).map(String.init)
                        guard parts.count == 2 else { continue }
                        add(.counterRate(parts[0], parts[1]), labels, reading.time, Double(delta) / interval)
                    }
                }
                for d in ns.destinations where top.contains(TopKey(namespace: ns.label, local: d.localAddress, remote: d.address, port: d.port)) {
                    let labels = ["namespace": ns.label, "local": d.localAddress, "remote": d.address, "port": String(d.port)]
                    add(TWAdviseSeries.destinationShare.quantity, labels, reading.time, d.shareOfR)
                    add(TWAdviseSeries.destinationPressure.quantity, labels, reading.time, d.pressure)
                    add(TWAdviseSeries.destinationSockets.quantity, labels, reading.time, Double(d.inUse))
                    add(TWAdviseSeries.destinationTimeWait.quantity, labels, reading.time, Double(d.timeWait))
                }
            }
            return true
        }
        return History(series: order.map { HistorySeries(quantity: $0.quantity, labels: $0.labels, source: source, points: series[$0] ?? []) },
                       read: [path])
    }

    private struct SeriesKey: Hashable {
        var quantity: HistoryQuantity
        var labels: [String: String]
    }

    private struct TopKey: Hashable {
        var namespace: String
        var local: String
        var remote: String
        var port: Int
    }

    /// The destinations stored as rows (the most pressed of their namespace) in some reading of `window`.
    private func topDestinations(in window: RecordingWindow) throws(RecorderError) -> Set<TopKey> {
        try withConnection { _, c in
            let s = try c.statement("""
                SELECT DISTINCT n.label, d.local_address, d.remote_address, d.remote_port
                FROM readings r JOIN destination_readings x ON x.reading = r.id JOIN destinations d ON d.id = x.destination
                     JOIN namespaces n ON n.id = d.namespace
                WHERE r.time_ms BETWEEN ? AND ?
                """)
            try s.bind([.int(Self.milliseconds(window.from)), .int(Self.milliseconds(window.to))])
            var keys: Set<TopKey> = []
            while try s.step() { keys.insert(TopKey(namespace: s.text(0), local: s.text(1), remote: s.text(2), port: Int(s.int64(3)))) }
            return keys
        }
    }
}
