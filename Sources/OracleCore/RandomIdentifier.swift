/// Random identifiers for stored records: RFC 4122 version 4 UUIDs, in lowercase text.
///
/// Foundation's `UUID()` opens, reads and closes `/dev/urandom` for each one on Linux, and the
/// text then needs lowercasing; this draws from the system generator (`getrandom(2)`) and
/// writes the text in one pass. A message send makes two.
///
/// ```swift
/// let id = RandomIdentifier.uuid()   // "3f0c9a3e-5b1d-4c2e-9a7f-0b6d2e8c1a54"
/// ```
public enum RandomIdentifier {
    public static func uuid() -> String {
        var generator = SystemRandomNumberGenerator()
        var high = generator.next() as UInt64
        var low = generator.next() as UInt64
        high = (high & ~0xF000) | 0x4000                            // version 4
        low = (low & ~(0xC000 << 48)) | (0x8000 << 48)              // variant 10xx
        return String(unsafeUninitializedCapacity: 36) { buffer in
            let digits: StaticString = "0123456789abcdef"
            var index = 0
            func put(_ value: UInt64, nibbles: Int) {
                for shift in stride(from: (nibbles - 1) * 4, through: 0, by: -4) {
                    buffer[index] = digits.utf8Start[Int((value >> UInt64(shift)) & 0xF)]
                    index += 1
                }
            }
            func dash() { buffer[index] = UInt8(ascii: "-"); index += 1 }
            put(high >> 32, nibbles: 8); dash()
            put(high >> 16, nibbles: 4); dash()
            put(high, nibbles: 4); dash()
            put(low >> 48, nibbles: 4); dash()
            put(low, nibbles: 12)
            return index
        }
    }
}
