/// Parses socket tables printed by `ss` (`-tan`, `-tanp`, `-tupna`, `-peaonmi`; with or without the Netid
/// column) and by `netstat` (`-an`, `-ant`, `-W -neopa`), feeding TCP sockets to a ``SocketAggregator``.
///
/// Headers, UDP/UNIX/RAW rows and `ss` continuation lines (which start with white space) are skipped; a TCP
/// row whose addresses or state cannot be read is a malformed line with a warning.
package struct SocketTextParser {
    package enum Format: String, Sendable {
        case ss, netstat, unknown
    }

    package let path: String
    package private(set) var format: Format = .unknown
    package private(set) var tcpRows = 0
    package private(set) var malformedLines = 0
    package private(set) var warnings: [FactWarning] = []

    package init(path: String) {
        self.path = path
    }

    package mutating func parse(_ bytes: [UInt8], into aggregator: inout SocketAggregator) {
        for (number, line) in splitLines(bytes) {
            guard let first = line.first, !first.isASCIIWhitespace else { continue }  // blank or continuation
            let fields = splitFields(line).map { String(decoding: $0, as: UTF8.self) }
            handle(fields, line: number, into: &aggregator)
        }
        if tcpRows == 0 && malformedLines == 0 {
            warnings.append(FactWarning(path: path, message: "no TCP socket rows found: not ss or netstat output, or an empty capture"))
        }
    }

    private static let ssStates: [String: TCPState] = [
        "ESTAB": .established, "SYN-SENT": .synSent, "SYN-RECV": .synRecv, "FIN-WAIT-1": .finWait1,
        "FIN-WAIT-2": .finWait2, "TIME-WAIT": .timeWait, "UNCONN": .close, "CLOSE-WAIT": .closeWait,
        "LAST-ACK": .lastAck, "LISTEN": .listen, "CLOSING": .closing, "CLOSED": .close,
    ]

    private mutating func handle(_ f: [String], line: Int, into aggregator: inout SocketAggregator) {
        guard let head = f.first else { return }
        // ss without the Netid column: STATE RECV-Q SEND-Q LOCAL PEER ...
        if let state = Self.ssStates[head] {
            format = .ss
            return row(state: state, local: f.count > 3 ? f[3] : nil, peer: f.count > 4 ? f[4] : nil, line: line, into: &aggregator)
        }
        let netid = head.lowercased()
        if f.count > 1, let state = Self.ssStates[f[1]] {
            // ss with the Netid column: NETID STATE RECV-Q SEND-Q LOCAL PEER ...
            format = .ss
            guard netid == "tcp" || netid == "tcp6" else { return }
            return row(state: state, local: f.count > 4 ? f[4] : nil, peer: f.count > 5 ? f[5] : nil, line: line, into: &aggregator)
        }
        if netid == "tcp" || netid == "tcp6" {
            // netstat: PROTO RECV-Q SEND-Q LOCAL FOREIGN STATE ...
            format = .netstat
            guard f.count >= 6 else { return malformed(line, "expected 'proto recv-q send-q local foreign state', found \(f.count) fields") }
            guard let state = TCPState(name: f[5]) else { return malformed(line, "unknown TCP state '\(f[5])'") }
            // netstat prints some tcp6 sockets with IPv4-looking addresses: the Proto column says the family.
            return row(state: state, local: f[3], peer: f[4], line: line, forceIPv6: netid == "tcp6", into: &aggregator)
        }
    }

    private mutating func row(state: TCPState, local: String?, peer: String?, line: Int, forceIPv6: Bool = false,
                              into aggregator: inout SocketAggregator) {
        guard let local, let l = Self.endpoint(local) else { return malformed(line, "cannot read the local address '\(local ?? "")'") }
        guard let peer, let p = Self.endpoint(peer) else { return malformed(line, "cannot read the peer address '\(peer ?? "")'") }
        tcpRows += 1
        let v6 = forceIPv6 || l.address.isIPv6 || p.address.isIPv6
        aggregator.add(state: state.rawValue, local: l.address.widened(v6), localPort: l.port,
                       remote: p.address.widened(v6), remotePort: p.port, isIPv6: v6)
    }

    private mutating func malformed(_ line: Int, _ message: String) {
        malformedLines += 1
        if malformedLines <= ProcNetTCPParser.maxLineWarnings {
            warnings.append(FactWarning(path: path, line: line, message: message))
        } else if malformedLines == ProcNetTCPParser.maxLineWarnings + 1 {
            warnings.append(FactWarning(path: path, message: "further malformed lines are not listed"))
        }
    }

    /// `10.0.0.1:443`, `[::1]:8080`, `[fe80::1%eth0]:22`, `::1:35048` (old ss), `:::22`, `*:22`, `0.0.0.0%virbr0:67`, `*:*`.
    package static func endpoint(_ text: String) -> (address: IPAddress, port: UInt16)? {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        let portText = text[text.index(after: colon)...]
        let port: UInt16
        if portText == "*" { port = 0 } else {
            guard let p = UInt16(portText) else { return nil }
            port = p
        }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if let percent = host.firstIndex(of: "%") { host = String(host[..<percent]) }
        if host == "*" || host.isEmpty { return (IPAddress(ipv4: 0), port) }
        if host == "::" { return (IPAddress(ipv6High: 0, low: 0), port) }
        guard let address = IPAddress(host) else { return nil }
        return (address, port)
    }
}

extension IPAddress {
    /// An IPv4 address as IPv4-mapped IPv6 when the other end of the socket is IPv6 (`*:*` peers of v6 rows).
    fileprivate func widened(_ toV6: Bool) -> IPAddress {
        guard toV6, !isIPv6 else { return self }
        if isUnspecified { return IPAddress(ipv6High: 0, low: 0) }
        return IPAddress(ipv6High: 0, low: 0xFFFF_0000_0000 | low)
    }
}
