import Testing
@testable import LuaRuntime

@Suite struct BucketTests {
    // Reference values from the mmh3 package (MurmurHash3 x86_32, seed 0).
    @Test(arguments: [("", UInt32(0)), ("hello", 613_153_351), ("foo", 4_138_058_784),
                      ("The quick brown fox jumps over the lazy dog", 776_992_547),
                      ("123e4567-e89b-12d3-a456-426614174000", 439_536_286)])
    func murmur3MatchesReference(key: String, hash: UInt32) {
        var key = key
        #expect(key.withUTF8 { Murmur3.hash32(UnsafeRawBufferPointer($0)) } == hash)
    }

    @Test func knownBuckets() throws {
        #expect(LuaHelpers.bucket("session-1") == 39)
        #expect(LuaHelpers.bucket("gr1:123") == 73)  // Unleash's normalizedValue("123", "gr1")
        #expect(LuaHelpers.bucket("hello") == 52)
        let state = try makeState("function b(k) return bucket(k) end\nfunction bad() return bucket({}) end")
        #expect(try state.call("b", ["session-1"]) == 39)
        #expect(try state.call("b", ["gr1:123"]) == 73)
        let error = luaError { try state.call("bad") }
        #expect(error?.message == "bucket: expected a string key, got table")
        #expect(error?.line == 2)
        #expect(state.stackTop == 0)
    }

    @Test func stickyMonotonicAndProportional() throws {
        let ids = (0..<10_000).map { "session-\($0)-\($0 &* 2_654_435_761 % 1_000_003)" }
        let buckets = ids.map(LuaHelpers.bucket)
        #expect(buckets.allSatisfy { (1...100).contains($0) })
        #expect(ids.map(LuaHelpers.bucket) == buckets)  // sticky
        let state = try makeState("function b(k) return bucket(k) end")
        for (id, bucket) in zip(ids.prefix(500), buckets) { #expect(try state.call("b", [.string(id)]) == .integer(Int64(bucket))) }
        var previous = Set<Int>()
        for percentage in [1, 5, 10, 25, 50, 75, 90, 100] {
            let enabled = Set(buckets.indices.filter { buckets[$0] <= percentage })
            #expect(previous.isSubset(of: enabled), "monotonic at \(percentage)%")
            #expect(abs(Double(enabled.count) / 100 - Double(percentage)) <= 2, "fraction at \(percentage)%")
            previous = enabled
        }
    }
}
