import Foundation
import Hummingbird
import HummingbirdTesting
import Storage
import Testing

/// `X-Session-ID` on `/v1/chat/completions`: the call becomes a stored message of that session.
@Suite struct OpenAISessionTests {
    static let path = "/v1/chat/completions"

    static func session(_ id: String) -> HTTPFields { [.init("X-Session-ID")!: id] }

    @Test func lastMessageAndReplyAreStoredAndStoredHistoryIsTheContext() async throws {
        try await withUpstreamApp { client, app in
            let id = try await client.createSession()
            _ = try await client.post("/api/v1/sessions/\(id)/messages", #"{"content":"remember the llama"}"#)
            let body = #"""
            {"messages":[{"role":"user","content":"ignored earlier turn"},{"role":"user","content":"what animal?"}]}
            """#
            let response = try await client.post(Self.path, body, headers: Self.session(id))
            #expect(response.status == .ok)
            let oracle = try #require(response.json["oracle"] as? [String: Any])
            #expect(oracle["session_id"] as? String == id)
            let stored = try await app.stored(id)
            #expect(stored.map(\.content) == ["remember the llama", "Echo: remember the llama", "what animal?", "Echo: what animal?"])
            #expect(stored.last?.id == oracle["message_id"] as? String)
            #expect(stored[2].id == oracle["user_message_id"] as? String)
            #expect(stored.last?.usage?.cachedTokens == 4)
            let sent = try #require(app.upstream.requests.last).body
            #expect(sent.contains("remember the llama"), "the stored history is the context")
            #expect(!sent.contains("ignored earlier turn"), "earlier request messages are not")
        }
    }

    @Test func streamingIntoASessionStoresTheReply() async throws {
        try await withUpstreamApp(replyText: "a b c") { client, app in
            let id = try await client.createSession()
            let response = try await client.post(Self.path, #"{"messages":[{"role":"user","content":"go"}],"stream":true}"#,
                                                 headers: Self.session(id))
            #expect(response.sseData.last == "[DONE]")
            let stored = try await app.stored(id)
            #expect(stored.map(\.content) == ["go", "a b c"])
            #expect(stored.last?.status == .complete)
            #expect(response.sseObjects.contains { ($0["oracle"] as? [String: Any])?["message_id"] as? String == stored.last?.id })
        }
    }

    @Test func streamCutShortIntoASessionStoresThePartialAsIncomplete() async throws {
        try await withUpstreamApp(replyText: "one two three four") { client, app in
            app.upstream.enqueue(.resetMidStream(afterDeltas: 1))
            let id = try await client.createSession()
            let response = try await client.post(Self.path, #"{"messages":[{"role":"user","content":"go"}],"stream":true}"#,
                                                 headers: Self.session(id))
            let error = response.sseObjects.last?["error"] as? [String: Any]
            let stored = try await app.stored(id)
            #expect(stored.last?.status == .incomplete)
            #expect(stored.last?.content == "one ")
            #expect(error?["partial_message_id"] as? String == stored.last?.id)
            #expect(response.sseData.last == "[DONE]")
        }
    }

    @Test func unknownOrOtherTenantsSessionIs404() async throws {
        let keys = ["CHAT_API_KEYS": "acme-key-0123456789:acme,globex-key-0123456789:globex"]
        try await withApp(keys) { client, state in
            let acme: HTTPFields = [.authorization: "Bearer acme-key-0123456789"]
            let id = try await client.createSession(headers: acme)
            let body = #"{"messages":[{"role":"user","content":"hi"}]}"#
            var globex = Self.session(id)
            globex[.authorization] = "Bearer globex-key-0123456789"
            let foreign = try await client.post(Self.path, body, headers: globex)
            #expect(foreign.status == .notFound)
            #expect((foreign.json["error"] as? [String: Any])?["type"] as? String == "invalid_request_error")
            var unknown = Self.session(UUID().uuidString)
            unknown[.authorization] = "Bearer acme-key-0123456789"
            #expect(try await client.post(Self.path, body, headers: unknown).status == .notFound)
            #expect(try await state.store.messages(sessionID: id, tenant: "acme", last: nil).isEmpty)
        }
    }

    @Test(arguments: [
        ("not-a-uuid", #"{"messages":[{"role":"user","content":"hi"}]}"#, "X-Session-ID"),
        (nil, #"{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"prefill"}]}"#, "messages[1].role"),
        (nil, #"{"messages":[{"role":"user","content":"   "}]}"#, "messages[0].content"),
    ] as [(String?, String, String)])
    func badSessionCallsAreRejectedAndNothingIsStored(header: String?, body: String, field: String) async throws {
        try await withApp { client, state in
            let id = try await client.createSession()
            let response = try await client.post(Self.path, body, headers: Self.session(header ?? id))
            #expect(response.status == .badRequest)
            #expect((response.json["error"] as? [String: Any])?["param"] as? String == field)
            #expect(response.errorMessage.contains(field))
            #expect(try await state.store.messages(sessionID: id, tenant: "default", last: nil).isEmpty)
        }
    }
}
