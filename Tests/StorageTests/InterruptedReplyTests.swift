import Foundation
import Storage
import TestSupport
import Testing

/// What a start makes of the questions a stop of the server left without their reply.
@Suite struct InterruptedReplyTests {
    @Test func questionsLeftWithoutTheirReplyAreMarkedFailedOnceAndAnsweredOnesAreLeftAlone() async throws {
        let f = try await StoreFixture()
        defer { f.close() }
        let store = f.store
        // Histories as the chat service writes them, each in its own session.
        func session(_ title: String, _ appends: [[NewMessage]]) async throws -> String {
            let id = try await store.createSession(tenant: "t", title: title).id
            for messages in appends { _ = try await store.appendMessages(messages, sessionID: id, tenant: "t") }
            return id
        }
        let question = { (text: String) in NewMessage(role: .user, content: text) }
        let reply = { (text: String) in NewMessage(role: .assistant, content: text) }
        let answered = try await session("answered whole", [[question("q"), reply("a")]])
        let streamed = try await session("streamed", [[question("q")], [reply("a")]])
        let cutShort = try await session("stream cut short", [[question("q")], [NewMessage(role: .assistant, content: "par", status: .incomplete)]])
        let providerFailed = try await session("provider failed", [[NewMessage(role: .user, content: "q", status: .failed, error: "HTTP 503")]])
        let fallback = try await session("fallback", [[question("q"), NewMessage(role: .assistant, content: "unavailable", isFallback: true)]])
        // A kill -9 during the stream: the question was stored, its reply never came.
        let killed = try await session("killed mid-stream", [[question("q"), reply("a")], [question("the interrupted one")]])
        // The same before this check existed: the user asked again after the restart.
        let killedEarlier = try await session("killed, then asked again", [[question("the interrupted one")], [question("again"), reply("a")]])

        let all = [answered, streamed, cutShort, providerFailed, fallback, killed, killedEarlier]
        func histories() async throws -> [String: [StoredMessage]] {
            var histories: [String: [StoredMessage]] = [:]
            for id in all { histories[id] = try await store.messages(sessionID: id, tenant: "t", last: nil) }
            return histories
        }
        let before = try await histories()
        let log = LogCapture()

        #expect(try await store.markInterruptedReplies(logger: log.logger) == 2)
        let after = try await histories()
        for id in [answered, streamed, cutShort, providerFailed, fallback] {
            #expect(after[id] == before[id], "a question that got its outcome is left as it was")
        }
        var expectedKilled = try #require(before[killed])
        expectedKilled[2].status = .failed
        expectedKilled[2].error = SQLiteStore.interruptedReplyReason
        #expect(after[killed] == expectedKilled)
        var expectedEarlier = try #require(before[killedEarlier])
        expectedEarlier[0].status = .failed
        expectedEarlier[0].error = SQLiteStore.interruptedReplyReason
        #expect(after[killedEarlier] == expectedEarlier)
        #expect(log.text.contains("messages=2"), "\(log.text)")

        #expect(try await store.markInterruptedReplies(logger: log.logger) == 0)
        #expect(try await histories() == after, "a second start changes nothing")
    }
}
