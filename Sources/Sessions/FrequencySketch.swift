/// How often each session was looked up lately, approximately: a count-min sketch (TinyLFU's)
/// of four rows of 4-bit counters (capped at 15), halved every `10 × capacity` recorded lookups
/// so it follows the traffic of the last few rounds rather than of all time.
///
/// It only ever over-estimates (a counter shared with other sessions can be higher, never
/// lower), and it is deterministic: the same lookups give the same estimates on every run and
/// platform (FNV-1a of the id, not Swift's per-process seeded `Hasher`), which lets tests pin
/// what the cache admits. Its size follows the cache's capacity (four bytes per slot, about
/// four slots per cached session, at most 256 KiB) and does not grow with the traffic.
struct FrequencySketch {
    private var counters: [UInt8]
    private let mask: Int
    /// Lookups recorded since the last halving.
    private var recorded = 0
    /// Halve every counter after this many recorded lookups.
    let sampleSize: Int
    /// The capacity the sketch was sized for.
    let capacity: Int

    static let rows = 4
    static let maxWidth = 1 << 16

    init(capacity: Int) {
        let capacity = max(1, capacity)
        var width = 64
        while width < 4 * capacity && width < Self.maxWidth { width <<= 1 }
        self.counters = Array(repeating: 0, count: width * Self.rows)
        self.mask = width - 1
        self.sampleSize = 10 * capacity
        self.capacity = capacity
    }

    /// The estimated lookups of `key` in the current sample (0–15).
    func frequency(_ key: String) -> Int {
        let hash = Self.hash(key)
        var lowest = UInt8.max
        for row in 0..<Self.rows { lowest = min(lowest, counters[slot(hash, row)]) }
        return Int(lowest)
    }

    /// Counts one lookup of `key`.
    mutating func record(_ key: String) {
        let hash = Self.hash(key)
        for row in 0..<Self.rows {
            let index = slot(hash, row)
            if counters[index] < 15 { counters[index] += 1 }
        }
        recorded += 1
        if recorded >= sampleSize {
            for index in counters.indices { counters[index] >>= 1 }
            recorded /= 2
        }
    }

    /// Row `row`'s counter for a hash: double hashing, one independent-enough index per row.
    private func slot(_ hash: UInt64, _ row: Int) -> Int {
        let low = UInt32(truncatingIfNeeded: hash), high = UInt32(truncatingIfNeeded: hash >> 32) | 1
        return row * (mask + 1) + Int((low &+ UInt32(row) &* high) & UInt32(mask))
    }

    /// FNV-1a, 64-bit, of the key's UTF-8 bytes.
    static func hash(_ key: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in key.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return hash
    }
}
