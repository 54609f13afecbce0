import Foundation
import Hummingbird
import HummingbirdTesting
import LLM
import Storage
import Testing

/// `/api/v1/sessions/{id}/messages` with the real provider stack against ``FakeUpstream``.
@Suite struct UpstreamE2EMessageTests {
    static let longReply = (1...300).map { "word\($0)" }.joined(separator: " ")

    @Test(arguments: [UpstreamApp.Wire.openAI, .gemini])
    func replyComesFromTheUpstreamAndIsStoredWithUsage(wire: UpstreamApp.Wire) async throws {
        try await withUpstreamApp(wire) { client, app in
            let id = try await client.createSession()
            let response = try await client.post("/api/v1/sessions/\(id)/messages", #"{"content":"what is 2+2?"}"#)
            #expect(response.status == .ok)
            #expect(response.json["content"] as? String == "Echo: what is 2+2?")
            #expect(response.json["offline"] as? Bool == false)
            #expect(response.json["fallback"] as? Bool == false)
            let stored = try await app.stored(id)
            #expect(stored.map(\.role) == [.user, .assistant])
            #expect(stored[1].content == "Echo: what is 2+2?")
            #expect(stored[1].provider == (wire == .openAI ? "openai" : "gemini"))
            #expect(stored[1].model == response.json["model"] as? String)
            #expect(stored[1].usage?.promptTokens == 12)
            #expect(stored[1].usage?.completionTokens == 5)
            #expect(stored[1].usage?.cachedTokens == 4)
            #expect((response.json["usage"] as? [String: Any])?["cached_tokens"] as? Int == 4)
        }
    }

    @Test func upstreamFailuresGiveTheFallbackAndKeepTheUserMessage() async throws {
        try await withUpstreamApp { client, app in
            app.upstream.enqueue(.status(500), times: 3)
            let id = try await client.createSession()
            let response = try await client.post("/api/v1/sessions/\(id)/messages", #"{"content":"are you there?"}"#)
            #expect(response.status == .ok)
            #expect(response.json["fallback"] as? Bool == true)
            #expect(response.json["content"] as? String == ResilientProvider.defaultFallbackText)
            #expect(app.upstream.requestCount == 3, "three attempts before giving up")
            let stored = try await app.stored(id)
            #expect(stored.map(\.content) == ["are you there?", ResilientProvider.defaultFallbackText])
            #expect(stored[1].isFallback)
        }
    }

    @Test func streamCutMidwayEndsWithAnErrorEventAndStoresThePartialReply() async throws {
        try await withUpstreamApp(replyText: "one two three four five six") { client, app in
            app.upstream.enqueue(.resetMidStream(afterDeltas: 2))
            let id = try await client.createSession()
            let response = try await client.post("/api/v1/sessions/\(id)/messages", #"{"content":"count","stream":true}"#)
            let events = response.text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
            #expect(events.map { $0.components(separatedBy: "\n")[0] } == ["event: delta", "event: delta", "event: error"])
            let stored = try await app.stored(id)
            #expect(stored.count == 2)
            #expect(stored.last?.content == "one two ")
            #expect(stored.last?.status == .incomplete)
            #expect(events.last?.contains(stored.last?.id ?? "-") == true, "the error event names the partial message")
        }
    }

    @Test func clientThatHangsUpMidStreamCancelsTheUpstreamTransfer() async throws {
        try await withUpstreamApp(replyText: Self.longReply, mode: .live) { client, app in
            let id = try await client.createSession()
            let port = try #require(client.port)
            let connection = try RawHTTPConnection(port: port)
            let body = #"{"content":"tell me a long story","stream":true}"#
            try connection.send("POST /api/v1/sessions/\(id)/messages HTTP/1.1\r\nHost: localhost\r\n"
                                + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
            _ = try await connection.read(until: "event: delta")
            connection.close()

            let settled = await eventually { app.transport.liveHandleCount == 0 }
            #expect(settled, "the curl transfer was aborted and freed")
            #expect(try await eventually { try await app.stored(id).count == 2 }, "the partial reply was stored")
            let partial = try #require(try await app.stored(id).last)
            #expect(partial.status == .incomplete)
            #expect(!partial.content.isEmpty)
            #expect(partial.content.count < Self.longReply.count, "the upstream did not get to finish")
            #expect(Self.longReply.hasPrefix(partial.content))
        }
    }
}
