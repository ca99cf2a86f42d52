/// A streaming parser for `/proc/net/tcp` and `/proc/net/tcp6`.
///
/// Bytes arrive in chunks of any size; each complete line is decoded in place (no `String`, no field
/// array) into state, local and remote address and port, and handed to a ``SocketAggregator``.
/// Only the first four columns are read, so the 17-column tcp layout and the 13-column layout of some
/// captures both parse. Addresses are decoded as the kernel prints them: each 32-bit word in host
/// (little-endian) byte order, ports in network order.
package struct ProcNetTCPParser: LineStreamParser {
    /// Lines longer than this are malformed (real lines are about 150 bytes).
    package static let maxLineLength = 4096
    /// Individual warnings per file; further malformed lines are summarised.
    package static let maxLineWarnings = 5

    package let path: String
    package private(set) var lineNumber = 0
    package private(set) var malformedLines = 0
    package private(set) var sockets = 0
    package private(set) var sawHeader = false
    package private(set) var warnings: [FactWarning] = []
    package var lines = LineStream(maxLineLength: ProcNetTCPParser.maxLineLength)

    /// A parser for `path`; with `continuing`, for a part of the file that starts after its first line, so no
    /// header is expected.
    package init(path: String, continuing: Bool = false) {
        self.path = path
        self.sawHeader = continuing
    }

    /// Folds in the parser of the part of the same file that follows this one's (a ``init(path:continuing:)``
    /// parser): line numbers continue, and the per-file warning limit holds over both.
    package mutating func append(_ later: ProcNetTCPParser) {
        let room = max(0, Self.maxLineWarnings - warnings.count)
        warnings += later.warnings.prefix(room).map { warning in
            var shifted = warning
            shifted.line = warning.line.map { $0 + lineNumber }
            return shifted
        }
        lineNumber += later.lineNumber
        malformedLines += later.malformedLines
        sockets += later.sockets
    }

    /// Feeds the next chunk of the file.
    ///
    /// Lines in the kernel's layout are decoded straight from the chunk, and the newline is looked for only
    /// after the state column, so the bytes of the first four columns are read once. Other lines, and lines
    /// cut by the chunk's end, go through the general ``LineStream`` path.
    package mutating func consume(_ chunk: UnsafeRawBufferPointer, into aggregator: inout SocketAggregator) {
        let bytes = chunk.bindMemory(to: UInt8.self)
        guard let base = bytes.baseAddress else { return }
        let count = bytes.count
        var start = 0
        if lines.isHoldingPartialLine {
            // Finish the line the previous chunk cut, through the line stream.
            guard let newline = newlineOffset(base, count) else { return consumeLines(chunk, into: &aggregator) }
            start = newline + 1
            consumeLines(UnsafeRawBufferPointer(rebasing: chunk[0..<start]), into: &aggregator)
        }
        while start < count {
            let rest = UnsafeBufferPointer(start: base + start, count: count - start)
            if let (socket, end) = Self.decodeFixedPrefix(rest), end < rest.count, rest[end] == 0x20 || rest[end] == 0x0A,
               let newline = newlineOffset(base + start + end, count - start - end) {
                let lineEnd = start + end + newline
                if lineEnd - start > Self.maxLineLength {
                    handle(.tooLong, into: &aggregator)
                } else {
                    lineNumber += 1
                    record(socket, into: &aggregator)
                }
                start = lineEnd + 1
                continue
            }
            guard let newline = newlineOffset(base + start, count - start) else {
                consumeLines(UnsafeRawBufferPointer(rebasing: chunk[start..<count]), into: &aggregator)
                return
            }
            let lineEnd = start + newline
            consumeLines(UnsafeRawBufferPointer(rebasing: chunk[start...lineEnd]), into: &aggregator)
            start = lineEnd + 1
        }
    }

    /// Ends the stream: a last line without a newline is parsed if complete.
    package mutating func finish(into aggregator: inout SocketAggregator) {
        finishLines(into: &aggregator)
    }

    package mutating func handle(_ event: LineStream.Event, into aggregator: inout SocketAggregator) {
        switch event {
        case .line(let line): handleLine(line, into: &aggregator)
        case .tooLong:
            lineNumber += 1
            malformed("line longer than \(Self.maxLineLength) bytes")
        }
    }

    /// Parses a whole file held in memory (tests, fuzzing).
    package mutating func parse(_ bytes: [UInt8], into aggregator: inout SocketAggregator) {
        bytes.withUnsafeBytes { consume($0, into: &aggregator) }
        finish(into: &aggregator)
    }

    /// Parses bytes held in memory fed in chunks of `chunk` bytes, through ``consume(_:into:)`` or, with
    /// `generalOnly`, through the general line path alone: tests and fuzzing compare the two.
    package mutating func parse(_ bytes: [UInt8], chunk: Int, generalOnly: Bool, into aggregator: inout SocketAggregator) {
        bytes.withUnsafeBytes { all in
            var offset = 0
            while offset < all.count {
                let piece = UnsafeRawBufferPointer(rebasing: all[offset..<min(all.count, offset + max(chunk, 1))])
                if generalOnly { consumeLines(piece, into: &aggregator) } else { consume(piece, into: &aggregator) }
                offset += max(chunk, 1)
            }
        }
        finish(into: &aggregator)
    }

    /// A warning summarising lines beyond ``maxLineWarnings``; `nil` when there were none.
    package var summaryWarning: FactWarning? {
        let extra = malformedLines - Self.maxLineWarnings
        guard extra > 0 else { return nil }
        return FactWarning(path: path, message: "\(extra) further malformed lines skipped")
    }

    private mutating func malformed(_ message: String) {
        malformedLines += 1
        if malformedLines <= Self.maxLineWarnings {
            warnings.append(FactWarning(path: path, line: lineNumber, message: message))
        }
    }

    private mutating func handleLine(_ line: UnsafeBufferPointer<UInt8>, into aggregator: inout SocketAggregator) {
        lineNumber += 1
        if !sawHeader && lineNumber == 1 && Self.isHeader(line) {
            sawHeader = true
            return
        }
        switch Self.decode(line) {
        case .socket(let s):
            record(s, into: &aggregator)
        case .blank:
            return
        case .malformed(let message):
            malformed(message)
        }
    }

    @inline(__always)
    private mutating func record(_ s: Socket, into aggregator: inout SocketAggregator) {
        sockets += 1
        aggregator.add(state: s.state, local: s.localAddress, localPort: s.localPort,
                       remote: s.remoteAddress, remotePort: s.remotePort, isIPv6: s.localAddress.isIPv6)
    }

    /// One decoded line of the socket table.
    package struct Socket: Equatable, Sendable {
        package var slot: Int
        package var localAddress: IPAddress
        package var localPort: UInt16
        package var remoteAddress: IPAddress
        package var remotePort: UInt16
        package var state: TCPState
    }

    package enum Line: Equatable, Sendable {
        case socket(Socket)
        case blank
        case malformed(String)
    }

    /// Whether `line` is the column header (`  sl  local_address ...`).
    package static func isHeader(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        var cursor = LineCursor(line)
        guard let first = cursor.nextField() else { return false }
        return first.count == 2 && first[0] == UInt8(ascii: "s") && first[1] == UInt8(ascii: "l")
    }

    /// The kernel's own layout, `%4d: %08X:%04X %08X:%04X %02X` (IPv4) or with 32-digit addresses (IPv6),
    /// decoded at fixed offsets after the slot's colon; `nil` sends the line to the general decoder.
    @inline(__always)
    static func decodeFixed(_ line: UnsafeBufferPointer<UInt8>) -> Socket? {
        guard let (socket, end) = decodeFixedPrefix(line), end == line.count || line[end] == 0x20 else { return nil }
        return socket
    }

    /// ``decodeFixed(_:)`` on the start of `bytes`, which may run past the end of the line: every byte up to
    /// the returned `end` (just after the state) is checked to be a digit, a hex digit, a space or a colon
    /// where the layout puts one, so a newline inside that span makes the decoding fail. The caller checks
    /// what follows `end`.
    @inline(__always)
    static func decodeFixedPrefix(_ bytes: UnsafeBufferPointer<UInt8>) -> (socket: Socket, end: Int)? {
        guard let base = bytes.baseAddress else { return nil }
        var i = 0
        let n = bytes.count
        while i < n && base[i] == 0x20 { i += 1 }
        var slot = 0
        let digitsStart = i
        while i < n, base[i] >= 0x30 && base[i] <= 0x39, i - digitsStart < 9 { slot = slot * 10 + Int(base[i] - 0x30); i += 1 }
        guard i > digitsStart, i + 2 < n, base[i] == 0x3A, base[i + 1] == 0x20 else { return nil }
        let a = i + 2
        let width: Int
        if a + 8 < n && base[a + 8] == 0x3A { width = 8 } else if a + 32 < n && base[a + 32] == 0x3A { width = 32 } else { return nil }
        let field = width + 5                        // address, ':', 4 port digits
        let r = a + field + 1                        // remote address
        let st = r + field + 1                       // state
        guard st + 2 <= n, base[a + field] == 0x20, base[r + width] == 0x3A, base[r + field] == 0x20 else { return nil }
        let raw = UnsafeRawPointer(base)
        var valid = true
        @inline(__always) func word(_ at: Int) -> UInt32 {
            let (value, ok) = Hex.eight(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt64.self)))
            valid = valid && ok
            return value
        }
        @inline(__always) func port(_ at: Int) -> UInt16 {
            let (value, ok) = Hex.four(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
            valid = valid && ok
            return value
        }
        @inline(__always) func address(_ at: Int) -> IPAddress {
            if width == 8 { return IPAddress(ipv4: word(at)) }
            let w0 = UInt64(word(at)), w1 = UInt64(word(at + 8)), w2 = UInt64(word(at + 16)), w3 = UInt64(word(at + 24))
            return IPAddress(ipv6High: w0 << 32 | w1, low: w2 << 32 | w3)
        }
        let local = address(a), lport = port(a + width + 1)
        let remote = address(r), rport = port(r + width + 1)
        guard valid, let hi = Numbers.hexNibble(base[st]), let lo = Numbers.hexNibble(base[st + 1]),
              let state = TCPState(rawValue: hi << 4 | lo) else { return nil }
        return (Socket(slot: slot, localAddress: local, localPort: lport, remoteAddress: remote, remotePort: rport, state: state), st + 2)
    }

    /// Decodes one data line (without its newline).
    @inline(__always)
    package static func decode(_ line: UnsafeBufferPointer<UInt8>) -> Line {
        if let socket = decodeFixed(line) { return .socket(socket) }
        var cursor = LineCursor(line)
        guard let first = cursor.nextField() else { return .blank }
        var slot = 0
        guard first.count >= 2, first.count <= 10, first[first.count - 1] == UInt8(ascii: ":") else {
            return .malformed("expected 'N:' slot number, found '\(Numbers.token(first))'")
        }
        for byte in first.dropLast() {
            guard byte >= 0x30 && byte <= 0x39 else {
                return .malformed("expected 'N:' slot number, found '\(Numbers.token(first))'")
            }
            slot = slot * 10 + Int(byte - 0x30)
        }
        guard let localField = cursor.nextField(), let local = decodeEndpoint(localField) else {
            return .malformed("bad local address")
        }
        guard let remoteField = cursor.nextField(), let remote = decodeEndpoint(remoteField) else {
            return .malformed("bad remote address")
        }
        guard local.address.isIPv6 == remote.address.isIPv6 else {
            return .malformed("local and remote address families differ")
        }
        guard let stateField = cursor.nextField(), stateField.count == 2,
              let hi = Numbers.hexNibble(stateField[0]), let lo = Numbers.hexNibble(stateField[1]),
              let state = TCPState(rawValue: hi << 4 | lo) else {
            return .malformed("bad state")
        }
        return .socket(Socket(slot: slot, localAddress: local.address, localPort: local.port,
                              remoteAddress: remote.address, remotePort: remote.port, state: state))
    }

    /// Decodes a line given as bytes (tests).
    package static func decode(_ bytes: [UInt8]) -> Line {
        bytes.withUnsafeBufferPointer { decode($0) }
    }

    /// Decodes `0100007F:0050` (IPv4) or 32 hex digits `:PORT` (IPv6).
    @inline(__always)
    package static func decodeEndpoint(_ field: UnsafeBufferPointer<UInt8>) -> (address: IPAddress, port: UInt16)? {
        let n = field.count
        guard n == 13 || n == 37, field[n - 5] == UInt8(ascii: ":"), let port = hexValue(field, 4, from: n - 4) else {
            return nil
        }
        if n == 13 {
            guard let word = hexValue(field, 8, from: 0) else { return nil }
            return (IPAddress(ipv4: UInt32(truncatingIfNeeded: word).byteSwapped), UInt16(port))
        }
        guard let w0 = hexValue(field, 8, from: 0), let w1 = hexValue(field, 8, from: 8),
              let w2 = hexValue(field, 8, from: 16), let w3 = hexValue(field, 8, from: 24) else { return nil }
        @inline(__always) func swapped(_ w: UInt64) -> UInt64 { UInt64(UInt32(truncatingIfNeeded: w).byteSwapped) }
        let high = swapped(w0) << 32 | swapped(w1)
        let low = swapped(w2) << 32 | swapped(w3)
        return (IPAddress(ipv6High: high, low: low), UInt16(port))
    }

    @inline(__always)
    private static func hexValue(_ field: UnsafeBufferPointer<UInt8>, _ digits: Int, from start: Int) -> UInt64? {
        var value: UInt64 = 0
        for i in start..<(start + digits) {
            guard let nibble = Numbers.hexNibble(field[i]) else { return nil }
            value = value << 4 | UInt64(nibble)
        }
        return value
    }
}

/// Walks the whitespace-separated fields of one line without allocating.
struct LineCursor {
    private let line: UnsafeBufferPointer<UInt8>
    private var index = 0

    init(_ line: UnsafeBufferPointer<UInt8>) {
        self.line = line
    }

    @inline(__always)
    mutating func nextField() -> UnsafeBufferPointer<UInt8>? {
        while index < line.count, line[index].isASCIIWhitespace { index += 1 }
        guard index < line.count, let base = line.baseAddress else { return nil }
        let start = index
        while index < line.count, !line[index].isASCIIWhitespace { index += 1 }
        return UnsafeBufferPointer(start: base + start, count: index - start)
    }
}
