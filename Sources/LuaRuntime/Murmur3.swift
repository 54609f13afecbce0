/// MurmurHash3 x86_32 (Austin Appleby's reference), used for sticky bucketing.
enum Murmur3 {
    static func hash32(_ bytes: UnsafeRawBufferPointer, seed: UInt32 = 0) -> UInt32 {
        let c1: UInt32 = 0xcc9e_2d51, c2: UInt32 = 0x1b87_3593
        var h = seed
        let count = bytes.count
        let blocks = count / 4
        for i in 0..<blocks {
            var k = bytes.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self).littleEndian
            k &*= c1; k = (k << 15) | (k >> 17); k &*= c2
            h ^= k; h = (h << 13) | (h >> 19); h = h &* 5 &+ 0xe654_6b64
        }
        var k: UInt32 = 0
        let tail = blocks * 4
        switch count & 3 {
        case 3:
            k ^= UInt32(bytes[tail + 2]) << 16; fallthrough
        case 2:
            k ^= UInt32(bytes[tail + 1]) << 8; fallthrough
        case 1:
            k ^= UInt32(bytes[tail])
            k &*= c1; k = (k << 15) | (k >> 17); k &*= c2; h ^= k
        default: break
        }
        h ^= UInt32(truncatingIfNeeded: count)
        h ^= h >> 16; h &*= 0x85eb_ca6b; h ^= h >> 13; h &*= 0xc2b2_ae35; h ^= h >> 16
        return h
    }
}
