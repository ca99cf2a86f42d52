import TWAdviseFacts

/// How the report names who makes the connections toward a destination.
enum SocketOwnerText {
    /// The top owner, or why there is none; `nil` when owners were not looked up (captured input).
    static func describe(_ destination: DestinationLoad, lookup: OwnerLookup?) -> String? {
        guard let owners = destination.owners else { return nil }
        if let first = owners.first { return first.description }
        if destination.inUse - destination.timeWait == 0 {
            return "none now: only TIME_WAIT toward it, which no process holds"
        }
        if lookup == .complete { return "not found (its sockets closed while they were being read)" }
        if lookup == .captured { return "not in the capture (ss -p names only the processes its user could see)" }
        return "owner not visible to this user"
    }
}
