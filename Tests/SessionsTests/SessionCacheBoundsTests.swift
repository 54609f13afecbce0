import Foundation
import Sessions
import Testing

/// The cache is bounded in bytes as well as in sessions, and admits a recovered session only
/// when it is used more often than the one it would displace.
@Suite struct SessionCacheBoundsTests {
    /// 30,000 characters a question: a session's context after one exchange is about 30 KB.
    static let big = String(repeating: "x", count: 30_000)
    static let settings = ["SESSION_CACHE_MAX_BYTES": "65536", "CONTEXT_TOKEN_BUDGET": "100000"]

    @Test func crossingTheByteBoundEvictsTheLeastRecentlyUsed() async throws {
        let f = try await SessionFixture.make(Self.settings)
        defer { f.close() }
        var ids: [String] = []
        for n in 0..<3 { ids.append(try await f.newSession("s\(n)")) }
        for id in ids.prefix(2) { _ = try await f.chat.send(sessionID: id, tenant: "default", content: Self.big) }
        #expect(f.cache.count == 2, "two 30 KB contexts fit in 64 KiB")
        _ = try await f.chat.send(sessionID: ids[2], tenant: "default", content: Self.big)

        #expect(f.cache.count == 2 && !f.cache.contains(ids[0]) && f.cache.contains(ids[2]), "the oldest went for the third")
        #expect(f.cache.estimatedBytes <= 65_536)
        let stats = f.cache.stats
        #expect(stats.bytes == f.cache.estimatedBytes && stats.capacityBytes == 65_536)
        #expect(stats.evictions[.lru] == 1, "by bytes: 3 sessions are far below MAX_PERSISTENT_SESSIONS")

        let back = try await f.chat.send(sessionID: ids[0], tenant: "default", content: "still there?")
        #expect(back.reply.content.contains("message #2"), "nothing was lost: the history comes back from SQLite")
        #expect(f.cache.estimatedBytes <= 65_536)
    }

    @Test func aContextLargerThanTheWholeBoundIsNotCached() async throws {
        let f = try await SessionFixture.make(Self.settings)
        defer { f.close() }
        let small = try await f.newSession("small"), huge = try await f.newSession("huge")
        _ = try await f.chat.send(sessionID: small, tenant: "default", content: "hi")
        _ = try await f.chat.send(sessionID: huge, tenant: "default", content: Self.big)
        _ = try await f.chat.send(sessionID: huge, tenant: "default", content: Self.big)
        #expect(f.cache.contains(huge), "60 KB still fits")
        _ = try await f.chat.send(sessionID: huge, tenant: "default", content: Self.big)

        #expect(!f.cache.contains(huge), "90 KB alone is more than the bound: its stale entry went too")
        #expect(f.cache.contains(small), "and nothing else was evicted for it")
        #expect(f.cache.stats.tooLarge == 1 && f.cache.stats.evictions[.lru, default: 0] == 0)
        #expect(f.cache.estimatedBytes <= 65_536)
        let reads = f.reads.value
        let next = try await f.chat.send(sessionID: huge, tenant: "default", content: "and now?")
        #expect(next.reply.content.contains("message #4"), "served from SQLite, with its whole context")
        #expect(f.reads.value == reads + 1)
    }

    @Test func loweringTheByteBoundByOverrideEvictsAtOnce() async throws {
        let f = try await SessionFixture.make(["CONTEXT_TOKEN_BUDGET": "100000"])
        defer { f.close() }
        for n in 0..<4 { _ = try await f.chat.send(sessionID: try await f.newSession("s\(n)"), tenant: "default", content: Self.big) }
        #expect(f.cache.count == 4 && f.cache.estimatedBytes > 120_000)
        try await f.overrides.set(name: "SESSION_CACHE_MAX_BYTES", value: "65536", reason: "memory", actor: "admin")
        #expect(f.cache.count == 2 && f.cache.estimatedBytes <= 65_536)
        #expect(f.cache.stats.evictions[.lru] == 2 && f.cache.stats.capacityBytes == 65_536)
    }

    /// Round-robin over twice as many sessions as fit: least-recently-used alone would evict
    /// each session just before it comes back (0 hits, an insert and an eviction per message).
    /// With admission the cache keeps what it holds: its sessions hit every round, the others
    /// are answered from SQLite as the stateless path would, and nothing churns.
    @Test func roundRobinBeyondTheCapacityKeepsWhatTheCacheHolds() async throws {
        let f = try await SessionFixture.make(["MAX_PERSISTENT_SESSIONS": "2"])
        defer { f.close() }
        var ids: [String] = []
        for n in 0..<4 { ids.append(try await f.newSession("s\(n)")) }
        // First exchanges of new sessions are always admitted: s2 and s3 displace s0 and s1.
        for id in ids { _ = try await f.chat.send(sessionID: id, tenant: "default", content: "hi") }
        #expect(!f.cache.contains(ids[0]) && !f.cache.contains(ids[1]) && f.cache.contains(ids[2]) && f.cache.contains(ids[3]))
        let rounds = 8
        for round in 1...rounds {
            for id in ids { _ = try await f.chat.send(sessionID: id, tenant: "default", content: "round \(round)") }
        }
        let stats = f.cache.stats
        #expect(stats.hits == 2 * rounds && stats.misses == 2 * rounds, "s2 and s3 hit every round; s0 and s1 miss")
        #expect(stats.declined == 2 * rounds, "each miss is answered without displacing a session that is used as often")
        #expect(stats.evictions[.lru] == 2, "only the new sessions' first exchanges evicted anything")
        #expect(f.cache.contains(ids[2]) && f.cache.contains(ids[3]))
        #expect(f.cache.cachedTurns(ids[3]) == (try await f.rebuilt(ids[3])))
        // Every reply was right whichever path answered it.
        #expect(f.provider.requests.last?.messages.count == 2 * (rounds + 1) - 1)
    }

    /// Skewed traffic: a session that keeps coming back displaces the least recently used one
    /// on its third message (its lookups before it, 2, exceed the victim's 1).
    @Test func aSessionUsedMoreOftenDisplacesTheLeastRecentlyUsed() async throws {
        let f = try await SessionFixture.make(["MAX_PERSISTENT_SESSIONS": "2"])
        defer { f.close() }
        let hot = try await f.newSession("hot"), a = try await f.newSession("a"), b = try await f.newSession("b")
        for id in [hot, a, b] { _ = try await f.chat.send(sessionID: id, tenant: "default", content: "hi") }
        #expect(!f.cache.contains(hot) && f.cache.frequency(hot) == 1 && f.cache.frequency(a) == 1)

        _ = try await f.chat.send(sessionID: hot, tenant: "default", content: "again")
        #expect(!f.cache.contains(hot) && f.cache.stats.declined == 1, "1 lookup before this one: not more than a's 1")
        _ = try await f.chat.send(sessionID: hot, tenant: "default", content: "and again")
        #expect(f.cache.contains(hot) && !f.cache.contains(a) && f.cache.contains(b), "2 before this one: in, a (least recent) out")
        #expect(f.cache.stats.recoveries == 2 && f.cache.stats.evictions[.lru] == 2)
        _ = try await f.chat.send(sessionID: hot, tenant: "default", content: "hit")
        #expect(f.cache.stats.hits == 1)
        #expect(f.cache.cachedTurns(hot) == (try await f.rebuilt(hot)))
    }

    /// While the cache has room, a recovered session is admitted whatever its frequency.
    @Test func withRoomEveryRecoveredSessionIsAdmitted() async throws {
        let f = try await SessionFixture.make(["MAX_PERSISTENT_SESSIONS": "3"])
        defer { f.close() }
        let a = try await f.newSession("a"), b = try await f.newSession("b")
        for id in [a, b] { _ = try await f.chat.send(sessionID: id, tenant: "default", content: "hi") }
        f.cache.removeAll(reason: .manual)
        for id in [a, b] { _ = try await f.chat.send(sessionID: id, tenant: "default", content: "back") }
        #expect(f.cache.contains(a) && f.cache.contains(b) && f.cache.stats.declined == 0)
    }
}
