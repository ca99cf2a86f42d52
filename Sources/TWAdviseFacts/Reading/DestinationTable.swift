/// An open-addressing hash table from destination to counters, for the per-socket hot path.
///
/// Swift's `Dictionary` hashes with seeded SipHash, which was a third of the time spent on each line of a
/// large /proc/net/tcp. Keys here are fixed-width (two addresses and a port), so a multiply–xorshift mix is
/// enough; the number of entries is capped by ``SocketAggregator/maxTrackedDestinations`` and the load
/// factor kept under 1/2, so probe sequences stay short even for unlucky keys.
struct DestinationTable {
    private var keys: [SocketAggregator.DestinationKey?]
    private var values: [SocketAggregator.Counters]
    private var mask: Int
    private(set) var count = 0

    init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        keys = [SocketAggregator.DestinationKey?](repeating: nil, count: size)
        values = [SocketAggregator.Counters](repeating: SocketAggregator.Counters(), count: size)
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
        while let k = keys[i] {
            if k == key { return true }
            i = (i + 1) & mask
        }
        return false
    }

    /// Records `state` for `key`, inserting it when new.
    @inline(__always)
    mutating func record(_ key: SocketAggregator.DestinationKey, _ state: TCPState) {
        var i = Self.mix(key) & mask
        while let k = keys[i] {
            if k == key {
                values[i].record(state)
                return
            }
            i = (i + 1) & mask
        }
        keys[i] = key
        values[i] = SocketAggregator.Counters()
        values[i].record(state)
        count += 1
        if count * 2 > keys.count { grow() }
    }

    private mutating func grow() {
        let old = zip(keys, values).compactMap { k, v in k.map { ($0, v) } }
        self = DestinationTable(capacity: keys.count)
        for (k, v) in old {
            var i = Self.mix(k) & mask
            while keys[i] != nil { i = (i + 1) & mask }
            keys[i] = k
            values[i] = v
            count += 1
        }
    }

    /// Every entry, in no particular order.
    var entries: [(key: SocketAggregator.DestinationKey, counters: SocketAggregator.Counters)] {
        zip(keys, values).compactMap { k, v in k.map { ($0, v) } }
    }
}
