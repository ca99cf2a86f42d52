/// The kernel's TCP states, numbered as in `include/net/tcp_states.h` and the `st` column of /proc/net/tcp.
public enum TCPState: UInt8, Sendable, CaseIterable, Codable {
    /// ESTABLISHED (1).
    case established = 1
    /// SYN_SENT: a connect not yet answered.
    case synSent
    /// SYN_RECV.
    case synRecv
    /// FIN_WAIT1.
    case finWait1
    /// FIN_WAIT2.
    case finWait2
    /// TIME_WAIT: closed first by this side, held for 60 s.
    case timeWait
    /// CLOSE.
    case close
    /// CLOSE_WAIT: the peer closed, the application has not.
    case closeWait
    /// LAST_ACK.
    case lastAck
    /// LISTEN.
    case listen
    /// CLOSING.
    case closing
    /// NEW_SYN_RECV (a request socket).
    case newSynRecv

    /// The name used by /proc, netstat and in the snapshot: `TIME_WAIT`.
    public var name: String {
        switch self {
        case .established: return "ESTABLISHED"
        case .synSent: return "SYN_SENT"
        case .synRecv: return "SYN_RECV"
        case .finWait1: return "FIN_WAIT1"
        case .finWait2: return "FIN_WAIT2"
        case .timeWait: return "TIME_WAIT"
        case .close: return "CLOSE"
        case .closeWait: return "CLOSE_WAIT"
        case .lastAck: return "LAST_ACK"
        case .listen: return "LISTEN"
        case .closing: return "CLOSING"
        case .newSynRecv: return "NEW_SYN_RECV"
        }
    }

    /// Accepts the /proc and netstat spelling (`TIME_WAIT`) and the ss spelling (`TIME-WAIT`, `ESTAB`, `UNCONN`).
    package init?(name: String) {
        switch name.uppercased().replacingOccurrencesOfDash() {
        case "ESTABLISHED", "ESTAB": self = .established
        case "SYN_SENT": self = .synSent
        case "SYN_RECV": self = .synRecv
        case "FIN_WAIT1", "FIN_WAIT_1": self = .finWait1
        case "FIN_WAIT2", "FIN_WAIT_2": self = .finWait2
        case "TIME_WAIT": self = .timeWait
        case "CLOSE", "UNCONN", "CLOSED": self = .close
        case "CLOSE_WAIT": self = .closeWait
        case "LAST_ACK": self = .lastAck
        case "LISTEN": self = .listen
        case "CLOSING": self = .closing
        case "NEW_SYN_RECV": self = .newSynRecv
        default: return nil
        }
    }
}

extension String {
    fileprivate func replacingOccurrencesOfDash() -> String {
        String(decoding: utf8.map { $0 == UInt8(ascii: "-") ? UInt8(ascii: "_") : $0 }, as: UTF8.self)
    }
}

/// Socket counts by TCP state; every state is present (a read table gives real zeros).
public struct StateCounts: Sendable, Hashable, Codable {
    private var counts: [Int]

    /// All counts 0.
    package init() { counts = [Int](repeating: 0, count: 13) }

    /// The count of sockets in `state`.
    public subscript(state: TCPState) -> Int {
        get { counts[Int(state.rawValue)] }
        set { counts[Int(state.rawValue)] = newValue }
    }

    /// All sockets counted.
    public var total: Int { counts.reduce(0, +) }

    public init(from decoder: any Decoder) throws {
        self.init()
        let named = try decoder.singleValueContainer().decode([String: Int].self)
        for (name, value) in named {
            if let state = TCPState(name: name) { self[state] = value }
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var named: [String: Int] = [:]
        for state in TCPState.allCases { named[state.name] = self[state] }
        var container = encoder.singleValueContainer()
        try container.encode(named)
    }
}
