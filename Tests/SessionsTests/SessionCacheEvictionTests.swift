import Foundation
import Sessions
import Testing

@Suite struct SessionCacheEvictionTests {
    @Test func leastRecentlyUsedGoesBeyondCapacityAndComesBackByRecovery() async throws {
        let f = try await SessionFixture.make(["MAX_PERSISTENT_SESSIONS": "3"])
        defer { f.close() }
        var ids: [String] = []
        for n in 0..<4 { ids.append(try await f.newSession("s\(n)")) }
        for id in ids.prefix(3) { _ = try await f.chat.send(sessionID: id, tenant: "default", content: "hi") }
        _ = try await f.chat.send(sessionID: ids[0], tenant: "default", content: "again")  // s0 is now the most recent
        _ = try await f.chat.send(sessionID: ids[3], tenant: "default", content: "hi")
        #expect(f.cache.count == 3)
        #expect(!f.cache.contains(ids[1]), "s1 was the least recently used")
        #expect(f.cache.stats.evictions[.lru] == 1)

        let back = try await f.chat.send(sessionID: ids[1], tenant: "default", content: "still there?")
        #expect(back.reply.content.contains("message #2"), "nothing was lost: the history comes back from SQLite")
        #expect(f.cache.stats.recoveries == 1)
    }

    @Test func loweringTheCapacityByOverrideEvictsAtOnce() async throws {
        let f = try await SessionFixture.make()
        defer { f.close() }
        for n in 0..<5 { _ = try await f.chat.send(sessionID: try await f.newSession("s\(n)"), tenant: "default", content: "hi") }
        try await f.overrides.set(name: "MAX_PERSISTENT_SESSIONS", value: "2", reason: "memory", actor: "admin")
        #expect(f.cache.count == 2)
        #expect(f.cache.stats.evictions[.lru] == 3)
    }

    @Test func cleanupEvictsSessionsIdleBeyondTheTimeoutIdleLongestFirst() async throws {
        let f = try await SessionFixture.make(["PERSISTENT_SESSION_TIMEOUT": "60", "CLEANUP_BATCH_SIZE": "1"])
        defer { f.close() }
        let a = try await f.newSession("a"), b = try await f.newSession("b"), c = try await f.newSession("c")
        for id in [a, b, c] { _ = try await f.chat.send(sessionID: id, tenant: "default", content: "hi") }
        f.clock.advance(30)
        _ = try await f.chat.send(sessionID: c, tenant: "default", content: "still here")
        f.clock.advance(40)  // a and b idle 70 s, c 40 s

        let first = await f.cache.runCleanup(policies: f.policies, memoryPercent: 10)
        #expect(first.plan.idleTTL == 60 && first.plan.maxEvictions == 1 && !first.plan.emergency)
        #expect(first.evicted == 1 && !f.cache.contains(a) && f.cache.contains(b), "one per batch, idle-longest first")
        let second = await f.cache.runCleanup(policies: f.policies, memoryPercent: 10)
        #expect(second.evicted == 1 && !f.cache.contains(b) && f.cache.contains(c))
        #expect(f.cache.stats.evictions[.ttl] == 2)
    }

    @Test func emergencyPlanAtCapacityEvictsWithTheShorterTTL() async throws {
        let f = try await SessionFixture.make(["MAX_PERSISTENT_SESSIONS": "4", "PERSISTENT_SESSION_TIMEOUT": "3600"])
        defer { f.close() }
        var ids: [String] = []
        for n in 0..<4 { ids.append(try await f.newSession("s\(n)")) }
        for id in ids { _ = try await f.chat.send(sessionID: id, tenant: "default", content: "hi") }
        f.clock.advance(400)
        _ = try await f.chat.send(sessionID: ids[3], tenant: "default", content: "busy")

        let normalWouldKeep = await f.cache.planCleanup(policies: f.policies, memoryPercent: 10).plan
        #expect(normalWouldKeep.emergency, "4 of 4 sessions is past the 95% threshold")
        // Nobody asked: the cache's own emergency keeps what was used in the last 300 s.
        let outcome = await f.cache.runCleanup(policies: f.policies, memoryPercent: 10)
        #expect(outcome.plan.idleTTL == 300)
        #expect(outcome.evicted == 3 && outcome.remaining == 1 && f.cache.contains(ids[3]))
        #expect(f.cache.stats.evictions[.emergency] == 3)
        #expect(outcome.freedBytes > 0 && outcome.cacheBytesAfter == f.cache.estimatedBytes)
    }

    /// The cache's byte estimate follows what it holds: it grows with each stored turn and is
    /// back to zero once everything is evicted.
    @Test func theByteEstimateFollowsWhatTheCacheHolds() async throws {
        let f = try await SessionFixture.make()
        defer { f.close() }
        #expect(f.cache.estimatedBytes == 0)
        let id = try await f.newSession()
        _ = try await f.chat.send(sessionID: id, tenant: "default", content: "hi")
        let one = f.cache.estimatedBytes
        #expect(one > 0)
        _ = try await f.chat.send(sessionID: id, tenant: "default", content: String(repeating: "x", count: 4000))
        #expect(f.cache.estimatedBytes >= one + 4000)
        f.cache.removeAll(reason: .manual)
        #expect(f.cache.estimatedBytes == 0)
    }

    @Test func switchingPersistentSessionsOffEmptiesTheCache() async throws {
        let f = try await SessionFixture.make()
        defer { f.close() }
        let id = try await f.newSession()
        _ = try await f.chat.send(sessionID: id, tenant: "default", content: "hi")
        try await f.overrides.set(name: "USE_PERSISTENT_SESSIONS", value: "false", reason: "rollback", actor: "admin")
        #expect(f.cache.count == 0 && f.cache.stats.evictions[.manual] == 1)
        let reply = try await f.chat.send(sessionID: id, tenant: "default", content: "still works")
        #expect(reply.reply.content.contains("message #2"))
        #expect(f.cache.count == 0)
    }
}
