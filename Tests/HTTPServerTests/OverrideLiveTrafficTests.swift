import Foundation
import HTTPServer
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

@Suite struct OverrideLiveTrafficTests {
    /// Four clients keep sending while an operator flips persistent sessions off and on:
    /// no request fails, `/health` shows each flip as soon as it is acknowledged, and no turn is lost.
    @Test func flippingPersistentSessionsUnderTrafficLosesNothing() async throws {
        try await withSessionApp(["USE_PERSISTENT_SESSIONS": "true", "GRADUAL_ROLLOUT_PERCENTAGE": "100"]) { client, state in
            let ids = [try await client.createSession("a"), try await client.createSession("b"),
                       try await client.createSession("c"), try await client.createSession("d")]
            let traffic = Traffic()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for id in ids {
                    group.addTask {
                        var n = 0
                        while traffic.running.withLock({ $0 }) || n < 5 {
                            n += 1
                            let response = try await client.post("/api/v1/sessions/\(id)/messages", #"{"content":"m\#(n)"}"#)
                            if response.status != .ok { traffic.failures.withLock { $0 += 1 } }
                            traffic.sent.withLock { $0 += 1 }
                        }
                    }
                }
                for flip in 0..<6 {
                    let value = flip % 2 == 1
                    let put = try await client.put("/api/v1/admin/overrides/USE_PERSISTENT_SESSIONS",
                                                   #"{"value": \#(value), "reason": "flip \#(flip)"}"#)
                    #expect(put.status == .ok)
                    #expect(try await client.persistentSessions() == (value ? "enabled" : "disabled"))
                    // Let some traffic through under this setting before the next flip.
                    let before = traffic.sent.withLock { $0 }
                    while traffic.sent.withLock({ $0 }) < before + 4 { await Task.yield() }
                }
                traffic.running.withLock { $0 = false }
                try await group.waitForAll()
            }
            #expect(traffic.failures.withLock { $0 } == 0)
            for id in ids {
                let messages = try await state.store.messages(sessionID: id, tenant: "default", last: nil)
                #expect(messages.map(\.sequence) == Array(1...messages.count))
                #expect(messages.count % 2 == 0)
                // Each reply counted every question in its window (the newest 50 messages hold at
                // most 25 questions): no context turn was lost or doubled on either path.
                for pair in stride(from: 0, to: messages.count, by: 2) {
                    #expect(messages[pair + 1].content.contains("message #\(min(pair / 2 + 1, 25)) "))
                }
                if let cached = state.sessionCache.cachedTurns(id) {
                    #expect(cached.count == min(50, messages.count))
                }
            }
        }
    }
}

/// Shared between the sending tasks and the operator.
final class Traffic: Sendable {
    let running = Mutex(true)
    let sent = Mutex(0)
    let failures = Mutex(0)
}
