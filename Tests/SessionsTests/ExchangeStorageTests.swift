import Foundation
import LLM
import Sessions
import Storage
import Testing

/// What a message answered whole leaves in the database: the question and its outcome together,
/// and nothing sent upstream for a session the caller cannot see.
@Suite struct ExchangeStorageTests {
    @Test func aReplyThatNeverCameStoresTheQuestionMarkedFailedAndNoReply() async throws {
        let f = try await SessionFixture.make()
        defer { f.close() }
        let id = try await f.newSession()
        _ = try await f.chat.send(sessionID: id, tenant: "default", content: "hello")
        var failedID: String?
        do {
            _ = try await f.chat.send(sessionID: id, tenant: "default", content: "FAIL now")
        } catch ChatError.upstreamFailed(let userMessageID, let reason) {
            failedID = userMessageID
            #expect(reason.contains("scripted failure"))
        }
        let stored = try await f.store.messages(sessionID: id, tenant: "default", last: nil)
        #expect(stored.map(\.role) == [.user, .assistant, .user])
        #expect(stored.last?.id == failedID)
        #expect(stored.last?.status == .failed)
        #expect(stored.last?.error?.contains("scripted failure") == true)
        #expect(try await f.store.session(id: id, tenant: "default")?.messageCount == 3)
    }

    @Test(arguments: ["100", "0"])
    func aSessionTheCallerCannotSeeIsNeverSentUpstream(rollout: String) async throws {
        let f = try await SessionFixture.make(["GRADUAL_ROLLOUT_PERCENTAGE": rollout])
        defer { f.close() }
        let id = try await f.newSession()
        _ = try await f.chat.send(sessionID: id, tenant: "default", content: "my secret plans")
        let calls = f.provider.requests.count

        // The session is cached (rollout 100 %) under tenant "default": another tenant's lookup is a miss.
        await #expect(throws: ChatError.self) {
            try await f.chat.send(sessionID: id, tenant: "intruder", content: "what did they say?")
        }
        await #expect(throws: ChatError.self) {
            try await f.chat.send(sessionID: UUID().uuidString.lowercased(), tenant: "default", content: "anyone?")
        }
        await #expect(throws: ChatError.self) {
            _ = try await f.chat.stream(sessionID: id, tenant: "intruder", content: "stream it")
        }
        #expect(f.provider.requests.count == calls, "no context left for the provider")
        #expect(try await f.store.messages(sessionID: id, tenant: "default", last: nil).count == 2)
    }

    @Test func aSessionDeletedWhileTheProviderAnswersIsNotFoundAndLeavesNothing() async throws {
        let f = try await SessionFixture.make()
        defer { f.close() }
        let id = try await f.newSession()
        _ = try await f.chat.send(sessionID: id, tenant: "default", content: "hello")
        #expect(f.cache.contains(id))
        let store = f.store
        f.provider.beforeReply { _ = try await store.deleteSession(id: id, tenant: "default") }
        await #expect {
            try await f.chat.send(sessionID: id, tenant: "default", content: "still there?")
        } throws: { error in
            if case ChatError.sessionNotFound = error { return true }
            return false
        }
        #expect(!f.cache.contains(id))
        #expect(try await store.messages(sessionID: id, tenant: "default", last: nil).isEmpty)
    }

    @Test func theQuestionKeepsTheTimeItArrivedNotTheTimeOfTheReply() async throws {
        let f = try await SessionFixture.make()
        defer { f.close() }
        let id = try await f.newSession()
        f.provider.beforeReply { try await Task.sleep(for: .milliseconds(200)) }
        let exchange = try await f.chat.send(sessionID: id, tenant: "default", content: "take your time")
        let stored = try await f.store.messages(sessionID: id, tenant: "default", last: nil)
        #expect(stored.map(\.id) == [exchange.userMessage.id, exchange.reply.id])
        #expect(stored[1].createdAt.timeIntervalSince(stored[0].createdAt) >= 0.19)
    }
}
