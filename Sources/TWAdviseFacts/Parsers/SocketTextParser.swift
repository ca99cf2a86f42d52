/// Parses socket tables printed by `ss` (`-tan`, `-tanp`, `-tupna`, `-peaonmi`; with or without the Netid
/// column) and by `netstat` (`-an`, `-ant`, `-W -neopa`), feeding TCP sockets to a ``SocketAggregator``.
///
/// Headers, UDP/UNIX/RAW rows and `ss` continuation lines (which start with white space) are skipped; a TCP
/// row whose addresses or state cannot be read is a malformed line with a warning.
package struct SocketTextParser: LineStreamParser {
    package enum Format: String, Sendable {
        case ss, netstat, unknown
    }

    package let path: String
    package private(set) var format: Format = .unknown
    package private(set) var tcpRows = 0
    package private(set) var malformedLines = 0
    package private(set) var warnings: [FactWarning] = []
    private var lineNumber = 0
    package var lines = LineStream(maxLineLength: 16 << 10)

    package init(path: String) {
        self.path = path
    }

    /// Parses a whole capture held in memory.
    package mutating func parse(_ bytes: [UInt8], into aggregator: inout SocketAggregator) {
        bytes.withUnsafeBytes { consume($0, into: &aggregator) }
        finish(into: &aggregator)
    }

    /// Feeds the next chunk of a capture streamed from disk: memory stays constant in the number of rows.
    package mutating func consume(_ chunk: UnsafeRawBufferPointer, into aggregator: inout SocketAggregator) {
        consumeLines(chunk, into: &aggregator)
    }

    /// Ends the stream; warns when no TCP row was found at all.
    package mutating func finish(into aggregator: inout SocketAggregator) {
        finishLines(into: &aggregator)
        if tcpRows == 0, let failed = commandFailure {
            // sos captures a command that could not run as its error: say that, not "not ss output".
            warnings.append(FactWarning(path: path, message: "the command did not run when this was captured: \(failed)"))
        } else if tcpRows == 0 && malformedLines == 0 {
            warnings.append(FactWarning(path: path, message: "no TCP socket rows found: not ss or netstat output, or an empty capture"))
        }
    }

    package mutating func handle(_ event: LineStream.Event, into aggregator: inout SocketAggregator) {
        lineNumber += 1
        guard case .line(let line) = event else { return malformed(lineNumber, "line longer than 16384 bytes") }
        if lineNumber == 1, line.starts(with: Self.execFailed) {
            commandFailure = String(decoding: line.prefix(200), as: UTF8.self)
            return
        }
        guard let first = line.first, !first.isASCIIWhitespace else { return }  // blank or continuation
        var cursor = LineCursor(line)
        var fields: [UnsafeBufferPointer<UInt8>] = []
        fields.reserveCapacity(6)
        while fields.count < 6, let field = cursor.nextField() { fields.append(field) }
        // Only a row with columns after the peer (ss -p, -e, -o ...) can name processes: plain ss -tan rows,
        // the large captures, are not searched.
        let more = cursor.nextField() != nil || fields.count == 6 && fields[5].first == UInt8(ascii: "u")
        users = more ? Self.users(in: line) : []
        if more, users.isEmpty, let head = fields.first, Self.isTCP(head).tcp { users = Self.netstatProgram(in: line) }
        handle(fields, line: lineNumber, into: &aggregator)
    }

    /// `exec of "netstat" failed: No such file or directory`: what sos writes when the command is missing.
    private static let execFailed = Array("exec of \"".utf8)
    /// The first line of a capture of a command that did not run.
    private var commandFailure: String?

    /// The processes of the row being read, from `ss -p`'s `users:(("nginx",pid=812,fd=33),...)`.
    private var users: [(pid: Int32, command: String)] = []

    private static let usersMarker = Array("users:((".utf8)

    /// Every `("NAME",pid=N,fd=M)` of a `users:((...))` column (old ss: `("NAME",N,M)`), at most 16; none
    /// when there is no such column.
    ///
    /// `ss` prints process names as they are, quotes and parentheses included, so each entry is read **from
    /// the right**: an entry ends with `",pid=N,fd=M)`, entries are separated by such an ending followed by
    /// `,(`, and the name is everything between the entry's `("` and its ending. A name (a `comm` of at most
    /// 15 bytes that any user sets) cannot hold an ending and a separator, so it cannot inject a PID: a row it
    /// makes ambiguous gives no owner rather than a false one.
    static func users(in line: UnsafeBufferPointer<UInt8>) -> [(pid: Int32, command: String)] {
        guard line.count > usersMarker.count,
              let start = (0...(line.count - usersMarker.count)).first(where: { i in
                  line[i] == usersMarker[0] && usersMarker.indices.allSatisfy { line[i + $0] == usersMarker[$0] }
              }) else { return [] }
        let bytes = Array(line[(start + usersMarker.count - 1)...])  // from the first entry's "("
        // The ending of the last entry: the last `",pid=N,fd=M))` (or `",N,M))`) of the line.
        var endings: [(quote: Int, close: Int, pid: Int32)] = []
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "\""), let (close, pid) = entryEnding(bytes, quote: i) {
                endings.append((i, close, pid))
            }
            i += 1
        }
        guard let last = endings.last(where: { $0.close + 1 < bytes.count && bytes[$0.close + 1] == UInt8(ascii: ")") }) else { return [] }
        // Entry boundaries: an ending followed by `,(` before the last one.
        var entries: [(from: Int, quote: Int, pid: Int32)] = []
        var from = 0
        for ending in endings where ending.close < last.close {
            guard ending.close + 2 < bytes.count, bytes[ending.close + 1] == UInt8(ascii: ","), bytes[ending.close + 2] == UInt8(ascii: "(") else { continue }
            entries.append((from, ending.quote, ending.pid))
            from = ending.close + 2
        }
        entries.append((from, last.quote, last.pid))
        var result: [(pid: Int32, command: String)] = []
        for entry in entries.prefix(16) {
            // `("NAME` up to the ending's quote: a name that is not quoted, or empty, gives no owner.
            guard entry.quote > entry.from + 2, bytes[entry.from] == UInt8(ascii: "("), bytes[entry.from + 1] == UInt8(ascii: "\"") else { continue }
            let name = String(decoding: bytes[(entry.from + 2)..<entry.quote], as: UTF8.self)
            result.append((entry.pid, name))
        }
        return result
    }

    /// The `PID/Program name` column of `netstat -p` (`302/mysqlrouter`), after the state; none where it says
    /// `-` (TIME_WAIT, or a process this user could not see).
    static func netstatProgram(in line: UnsafeBufferPointer<UInt8>) -> [(pid: Int32, command: String)] {
        var cursor = LineCursor(line)
        var index = 0
        while let field = cursor.nextField() {
            defer { index += 1 }
            guard index >= 6, let slash = field.firstIndex(of: UInt8(ascii: "/")), slash > field.startIndex, slash < field.endIndex - 1,
                  field[field.startIndex..<slash].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), slash - field.startIndex <= 10,
                  let pid = Int32(String(decoding: UnsafeBufferPointer(rebasing: field[field.startIndex..<slash]), as: UTF8.self)), pid > 0
            else { continue }
            return [(pid, String(decoding: UnsafeBufferPointer(rebasing: field[(slash + 1)...]), as: UTF8.self))]
        }
        return []
    }

    /// At `quote`, an entry's ending `",pid=N,fd=M)` or `",N,M)`: the index of its `)` and the PID.
    private static func entryEnding(_ b: [UInt8], quote: Int) -> (close: Int, pid: Int32)? {
        var i = quote + 1
        guard i < b.count, b[i] == UInt8(ascii: ",") else { return nil }
        i += 1
        let pidPrefix = Array("pid=".utf8)
        if i + pidPrefix.count <= b.count, Array(b[i..<(i + pidPrefix.count)]) == pidPrefix { i += pidPrefix.count }
        func digits() -> Int64? {
            var value: Int64 = 0
            let begin = i
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39, i - begin < 10 {
                value = value * 10 + Int64(b[i] - 0x30)
                i += 1
            }
            return i > begin ? value : nil
        }
        guard let pid = digits(), pid > 0, pid <= Int64(Int32.max), i < b.count, b[i] == UInt8(ascii: ",") else { return nil }
        i += 1
        let fdPrefix = Array("fd=".utf8)
        if i + fdPrefix.count <= b.count, Array(b[i..<(i + fdPrefix.count)]) == fdPrefix { i += fdPrefix.count }
        guard digits() != nil, i < b.count, b[i] == UInt8(ascii: ")") else { return nil }
        return (i, Int32(pid))
    }

    private static let ssStates: [String: TCPState] = [
        "ESTAB": .established, "SYN-SENT": .synSent, "SYN-RECV": .synRecv, "FIN-WAIT-1": .finWait1,
        "FIN-WAIT-2": .finWait2, "TIME-WAIT": .timeWait, "UNCONN": .close, "CLOSE-WAIT": .closeWait,
        "LAST-ACK": .lastAck, "LISTEN": .listen, "CLOSING": .closing, "CLOSED": .close,
    ]

    /// The state names ss prints, as bytes, so rows are matched without building strings.
    private static let ssStateBytes: [(bytes: [UInt8], state: TCPState)] = ssStates.map { (Array($0.key.utf8), $0.value) }

    private static func ssState(_ field: UnsafeBufferPointer<UInt8>) -> TCPState? {
        ssStateBytes.first { $0.bytes.elementsEqual(field) }?.state
    }

    private static func isTCP(_ field: UnsafeBufferPointer<UInt8>) -> (tcp: Bool, v6: Bool) {
        let tcp: [UInt8] = Array("tcp".utf8)
        guard field.count == 3 || field.count == 4, zip(field.prefix(3), tcp).allSatisfy({ $0 | 0x20 == $1 }) else { return (false, false) }
        if field.count == 3 { return (true, false) }
        return (field[3] == UInt8(ascii: "6"), true)
    }

    private mutating func handle(_ f: [UnsafeBufferPointer<UInt8>], line: Int, into aggregator: inout SocketAggregator) {
        guard let head = f.first else { return }
        func text(_ i: Int) -> String? { i < f.count ? String(decoding: f[i], as: UTF8.self) : nil }
        // ss without the Netid column: STATE RECV-Q SEND-Q LOCAL PEER ...
        if let state = Self.ssState(head) {
            format = .ss
            return row(state: state, local: text(3), peer: text(4), line: line, queue: Self.queue(f, at: 1), into: &aggregator)
        }
        let (tcp, v6) = Self.isTCP(head)
        if f.count > 1, let state = Self.ssState(f[1]) {
            // ss with the Netid column: NETID STATE RECV-Q SEND-Q LOCAL PEER ...
            format = .ss
            guard tcp else { return }
            return row(state: state, local: text(4), peer: text(5), line: line, queue: Self.queue(f, at: 2), into: &aggregator)
        }
        if tcp {
            // netstat: PROTO RECV-Q SEND-Q LOCAL FOREIGN STATE ...
            format = .netstat
            guard f.count >= 6 else { return malformed(line, "expected 'proto recv-q send-q local foreign state', found \(f.count) fields") }
            guard let state = TCPState(name: text(5) ?? "") else { return malformed(line, "unknown TCP state '\(text(5) ?? "")'") }
            // netstat prints some tcp6 sockets with IPv4-looking addresses: the Proto column says the family.
            return row(state: state, local: text(3), peer: text(4), line: line, forceIPv6: v6, into: &aggregator)
        }
    }

    /// ss's Recv-Q and Send-Q at `index`: for a listening socket, its accept queue and its backlog.
    private static func queue(_ f: [UnsafeBufferPointer<UInt8>], at index: Int) -> (length: UInt32, limit: UInt32)? {
        guard index + 1 < f.count, let length = UInt32(String(decoding: f[index], as: UTF8.self)),
              let limit = UInt32(String(decoding: f[index + 1], as: UTF8.self)) else { return nil }
        return (length, limit)
    }

    private mutating func row(state: TCPState, local: String?, peer: String?, line: Int, forceIPv6: Bool = false,
                              queue: (length: UInt32, limit: UInt32)? = nil, into aggregator: inout SocketAggregator) {
        guard let local, let l = Self.endpoint(local) else { return malformed(line, "cannot read the local address '\(local ?? "")'") }
        guard let peer, let p = Self.endpoint(peer) else { return malformed(line, "cannot read the peer address '\(peer ?? "")'") }
        tcpRows += 1
        let v6 = forceIPv6 || l.address.isIPv6 || p.address.isIPv6
        aggregator.add(state: state, local: l.address.widened(v6), localPort: l.port,
                       remote: p.address.widened(v6), remotePort: p.port, isIPv6: v6, queue: state == .listen ? queue : nil,
                       users: users)
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
