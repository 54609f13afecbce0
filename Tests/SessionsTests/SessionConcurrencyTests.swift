import Foundation
import OracleCore
import Sessions
import Storage
import Testing

@Suite struct SessionConcurrencyTests {
    /// Ten messages at once to one session: each question is followed by its own reply, no turn is
    /// lost or doubled, and the cached context equals the one rebuilt from SQLite.
    @Test(arguments: ["100", "0"]) func concurrentMessagesToOneSessionAreOrdered(rollout: String) async throws {
        let f = try await SessionFixture.make(["GRADUAL_ROLLOUT_PERCENTAGE": rollout])
        defer { f.close() }
        let id = try await f.newSession()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for n in 0..<10 {
                group.addTask {
                    if n % 3 == 0 {
                        let stream = try await f.chat.stream(sessionID: id, tenant: "default", content: "question \(n)")
                        for try await _ in stream.events {}
                    } else {
                        _ = try await f.chat.send(sessionID: id, tenant: "default", content: "question \(n)")
                    }
                }
            }
            try await group.waitForAll()
        }
        let messages = try await f.store.messages(sessionID: id, tenant: "default", last: nil)
        #expect(messages.map(\.sequence) == Array(1...20))
        #expect(messages.map(\.role) == Array(repeating: [MessageRole.user, .assistant], count: 10).flatMap { $0 })
        for pair in stride(from: 0, to: 20, by: 2) {
            #expect(messages[pair + 1].content.contains("\"\(messages[pair].content)\""), "reply \(pair + 1) answers its own question")
            #expect(messages[pair + 1].content.contains("message #\(pair / 2 + 1) "), "reply saw every earlier question")
        }
        #expect(Set(messages.filter { $0.role == .user }.map(\.content)).count == 10)
        if rollout == "100" {
            #expect(f.cache.cachedTurns(id) == (try await f.rebuilt(id)))
        }
        #expect(f.chat.busySessions == 0)
    }
}
