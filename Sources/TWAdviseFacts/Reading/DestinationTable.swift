/// An open-addressing hash table from destination to counters, for the per-socket hot path.
///
/// Swift's `Dictionary` hashes with seeded SipHash, which was a third of the time spent on each line of a
/// large /proc/net/tcp. Keys here are fixed-width (two addresses and a port), so a multiply–xorshift mix is
/// enough; the number of entries is capped by ``SocketAggregator/maxTrackedDestinations`` and the load
/// factor kept under 1/2, so probe sequences stay short even for unlucky keys.
struct DestinationTable {
    /// Key and counters side by side: one array (one uniqueness check) and one cache line per probe.
    private struct Slot {
        var key: SocketAggregator.DestinationKey
        var counters: SocketAggregator.Counters
        var used: Bool
    }

    private static let empty = Slot(key: SocketAggregator.DestinationKey(local: IPAddress(ipv4: 0), remote: IPAddress(ipv4: 0), remotePort: 0),
                                    counters: SocketAggregator.Counters(), used: false)

    private var slots: [Slot]
    private var mask: Int
    private(set) var count = 0

    init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [Slot](repeating: Self.empty, count: size)
        mask = size - 1
    }

    @inline(__always)
    static func mix(_ k: SocketAggregator.DestinationKey) -> Int {
        var h = k.local.low &* 0x9E37_79B9_7F4A_7C15
        h ^= k.local.high &+ (h >> 29)
        h = (h ^ k.remote.low) &* 0xBF58_476D_1CE4_E5B9
        h ^= k.remote.high &+ (h >> 31)
        h = (h ^ UInt64(k.remotePort) ^ (k.local.isIPv6 ? 0x1_0000 : 0)) &* 0x94D0_49BB_1331_11EB
        return Int(truncatingIfNeeded: h ^ (h >> 32))
    }

    /// Whether the key is present.
    func contains(_ key: SocketAggregator.DestinationKey) -> Bool {
        var i = Self.mix(key) & mask
        while slots[i].used {
            if slots[i].key == key { return true }
            i = (i + 1) & mask
        }
        return false
    }

    /// Records `state` for `key`, inserting it when new.
    @inline(__always)
    mutating func record(_ key: SocketAggregator.DestinationKey, _ state: TCPState) {
        let mask = self.mask
        let inserted = slots.withUnsafeMutableBufferPointer { slots -> Bool in
            var i = Self.mix(key) & mask
            while slots[i].used {
                if slots[i].key == key {
                    slots[i].counters.record(state)
                    return false
                }
                i = (i + 1) & mask
            }
            slots[i] = Slot(key: key, counters: SocketAggregator.Counters(), used: true)
            slots[i].counters.record(state)
            return true
        }
        guard inserted else { return }
        count += 1
        if count * 2 > slots.count { grow() }
    }

    /// Adds `counters` to `key`'s, inserting it when new (merging tables).
    mutating func add(_ key: SocketAggregator.DestinationKey, _ counters: SocketAggregator.Counters) {
        var i = Self.mix(key) & mask
        while slots[i].used {
            if slots[i].key == key {
                slots[i].counters.add(counters)
                return
            }
            i = (i + 1) & mask
        }
        slots[i] = Slot(key: key, counters: counters, used: true)
        count += 1
        if count * 2 > slots.count { grow() }
    }

    private mutating func grow() {
        let old = slots
        self = DestinationTable(capacity: old.count)
        for slot in old where slot.used {
            var i = Self.mix(slot.key) & mask
            while slots[i].used { i = (i + 1) & mask }
            slots[i] = slot
            count += 1
        }
    }

    /// Every entry, in no particular order.
    var entries: [(key: SocketAggregator.DestinationKey, counters: SocketAggregator.Counters)] {
        slots.filter(\.used).map { ($0.key, $0.counters) }
    }
}
