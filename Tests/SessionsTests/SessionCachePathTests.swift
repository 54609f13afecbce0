import Foundation
import LLM
import Sessions
import Storage
import Testing

@Suite struct SessionCachePathTests {
    @Test func hitReadsNothingMissOfANewSessionNothingRecoveryOneRead() async throws {
        let f = try await SessionFixture.make()
        defer { f.close() }
        let id = try await f.newSession()

        _ = try await f.chat.send(sessionID: id, tenant: "default", content: "first")
        #expect(f.reads.value == 0, "a new session has nothing to recover")
        _ = try await f.chat.send(sessionID: id, tenant: "default", content: "second")
        #expect(f.reads.value == 0, "a cache hit reads no history from the database")
        #expect(f.cache.stats.hits == 1 && f.cache.stats.misses == 0, "a new session's first message missed nothing")

        f.cache.removeAll(reason: .manual)
        let recovered = try await f.chat.send(sessionID: id, tenant: "default", content: "third")
        #expect(f.reads.value == 1, "a miss with history recovers it in one read")
        #expect(f.cache.stats.recoveries == 1)
        #expect(recovered.reply.content.contains("message #3"), "the recovered context holds all three questions")

        _ = try await f.chat.send(sessionID: id, tenant: "default", content: "fourth")
        #expect(f.reads.value == 1)
        #expect(f.cache.stats.hits == 2 && f.cache.stats.misses == 1, "the evicted session's message is the one miss")
        #expect(f.cache.cachedTurns(id) == (try await f.rebuilt(id)))
    }

    @Test func statelessSessionsRebuildFromSQLiteEveryMessage() async throws {
        let f = try await SessionFixture.make(["GRADUAL_ROLLOUT_PERCENTAGE": "0"])
        defer { f.close() }
        let id = try await f.newSession()
        for n in 1...3 { _ = try await f.chat.send(sessionID: id, tenant: "default", content: "q\(n)") }
        #expect(f.reads.value == 2, "the first message of a new session has no history to read; every later one reads it")
        #expect(f.cache.count == 0)
        #expect(f.cache.stats.statelessMessages == 3 && f.cache.stats.hits + f.cache.stats.misses == 0)
    }

    /// The same conversation, with failures, fallbacks and trimming, sends identical requests
    /// on the cached and on the stateless path.
    @Test(arguments: [["MAX_RECOVERY_HISTORY_MESSAGES": "4"], ["CONTEXT_TOKEN_BUDGET": "100"], [:]])
    func bothPathsSendTheSameTurns(limits: [String: String]) async throws {
        let cached = try await SessionFixture.make(limits, systemPrompt: "be brief")
        let stateless = try await SessionFixture.make(limits.merging(["GRADUAL_ROLLOUT_PERCENTAGE": "0"]) { $1 }, systemPrompt: "be brief")
        defer { cached.close(); stateless.close() }
        let a = try await cached.newSession()
        let b = try await stateless.newSession()
        let script = ["hello", "tell me more " + String(repeating: "x", count: 150), "FAIL now", "again",
                      "FALLBACK please", "after the fallback", "one more", "and the last"]
        var repliesA: [String] = []
        var repliesB: [String] = []
        for content in script {
            repliesA.append((try? await cached.chat.send(sessionID: a, tenant: "default", content: content))?.reply.content ?? "error")
            repliesB.append((try? await stateless.chat.send(sessionID: b, tenant: "default", content: content))?.reply.content ?? "error")
        }
        #expect(repliesA == repliesB)
        #expect(cached.provider.requests.map(\.messages) == stateless.provider.requests.map(\.messages), "the same turns (the session ids differ)")
        #expect(cached.cache.stats.hits >= 5, "the cached session really was served from the cache")
        #expect(cached.cache.cachedTurns(a) == (try await cached.rebuilt(a)))
        // The failed question and the fallback reply are not sent upstream again.
        let last = try #require(cached.provider.requests.last).messages.map(\.content)
        #expect(!last.contains("FAIL now"))
        #expect(!last.contains { $0.contains("temporarily unavailable") })
    }

    @Test func failedUpstreamLeavesTheCacheAsItWas() async throws {
        let f = try await SessionFixture.make()
        defer { f.close() }
        let id = try await f.newSession()
        _ = try await f.chat.send(sessionID: id, tenant: "default", content: "hello")
        let before = f.cache.cachedTurns(id)
        await #expect(throws: ChatError.self) { try await f.chat.send(sessionID: id, tenant: "default", content: "FAIL") }
        #expect(f.cache.cachedTurns(id) == before)
        #expect(f.cache.cachedTurns(id) == (try await f.rebuilt(id)))
    }

    @Test func recoveryFailureOrTimeoutFallsBackToTheStatelessPath() async throws {
        let f = try await SessionFixture.make(["RECOVERY_TIMEOUT_SECONDS": "1"])
        defer { f.close() }
        let id = try await f.newSession()
        _ = try await f.chat.send(sessionID: id, tenant: "default", content: "one")

        f.cache.removeAll(reason: .manual)
        f.faulty.failNextRead(.fail)
        let afterFailure = try await f.chat.send(sessionID: id, tenant: "default", content: "two")
        #expect(afterFailure.reply.content.contains("message #2"))
        #expect(f.cache.stats.recoveryFailures == 1)
        #expect(!f.cache.contains(id), "a stateless answer does not fill the cache")

        // A read stalled for a minute: the answer comes from the stateless path, counted as a
        // recovery timeout, so RECOVERY_TIMEOUT_SECONDS cut the wait short.
        f.faulty.failNextRead(.stall(.seconds(60)))
        let afterTimeout = try await f.chat.send(sessionID: id, tenant: "default", content: "three")
        #expect(f.cache.stats.recoveryTimeouts == 1, "RECOVERY_TIMEOUT_SECONDS bounds the wait")
        #expect(afterTimeout.reply.content.contains("message #3"))
        #expect(f.cache.stats.recoveryFailures == 2)

        _ = try await f.chat.send(sessionID: id, tenant: "default", content: "four")
        #expect(f.cache.stats.recoveries == 1, "the next miss recovers normally")
        #expect(f.cache.cachedTurns(id) == (try await f.rebuilt(id)))
    }

    @Test func recoveryDisabledServesStatelesslyButNewSessionsStillCache() async throws {
        let f = try await SessionFixture.make(["ENABLE_SESSION_RECOVERY": "false"])
        defer { f.close() }
        let old = try await f.newSession()
        _ = try await f.chat.send(sessionID: old, tenant: "default", content: "one")
        f.cache.removeAll(reason: .manual)
        _ = try await f.chat.send(sessionID: old, tenant: "default", content: "two")
        #expect(!f.cache.contains(old))
        #expect(f.cache.stats.recoveries == 0)
        let fresh = try await f.newSession()
        _ = try await f.chat.send(sessionID: fresh, tenant: "default", content: "hi")
        #expect(f.cache.contains(fresh))
    }

    @Test func streamedRepliesUpdateTheCacheLikeSentOnes() async throws {
        let f = try await SessionFixture.make()
        defer { f.close() }
        let id = try await f.newSession()
        _ = try await f.chat.send(sessionID: id, tenant: "default", content: "one")
        let stream = try await f.chat.stream(sessionID: id, tenant: "default", content: "two")
        var done: ChatExchange?
        for try await event in stream.events { if case .done(let exchange) = event { done = exchange } }
        #expect(done?.reply.content.contains("message #2") == true)
        #expect(f.reads.value == 0)
        #expect(f.cache.cachedTurns(id) == (try await f.rebuilt(id)))
    }
}
