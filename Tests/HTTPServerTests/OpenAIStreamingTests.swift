import Foundation
import Hummingbird
import HummingbirdTesting
import LLM
import Testing

/// `POST /v1/chat/completions` with `stream: true`: OpenAI's chunk stream, ending in `[DONE]`.
@Suite struct OpenAIStreamingTests {
    static let path = "/v1/chat/completions"

    @Test func offlineStreamIsChunksThenFinishThenDone() async throws {
        try await withApp { client, _ in
            let request = #"{"messages":[{"role":"user","content":"stream me"}]"#
            let whole = try await client.post(Self.path, request + "}")
            let expected = ((whole.json["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"] as? String
            let response = try await client.post(Self.path, request + #","stream":true}"#)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/event-stream")
            #expect(response.sseData.last == "[DONE]")
            let chunks = response.sseObjects
            #expect(chunks.count > 2)
            #expect(Set(chunks.compactMap { $0["id"] as? String }).count == 1, "one id for the whole stream")
            #expect(chunks.allSatisfy { $0["object"] as? String == "chat.completion.chunk" })
            let choices = chunks.compactMap { ($0["choices"] as? [[String: Any]])?.first }
            let deltas = choices.compactMap { $0["delta"] as? [String: Any] }
            #expect(deltas.first?["role"] as? String == "assistant")
            #expect(deltas.dropFirst().allSatisfy { $0["role"] == nil })
            #expect(deltas.compactMap { $0["content"] as? String }.joined() == expected)
            #expect(choices.dropLast().allSatisfy { $0["finish_reason"] is NSNull }, "finish_reason is null until the end")
            #expect(choices.last?["finish_reason"] as? String == "stop")
            #expect((chunks.last?["oracle"] as? [String: Any])?["offline"] as? Bool == true)
            #expect(chunks.allSatisfy { $0["usage"] == nil }, "no usage unless asked for")
        }
    }

    @Test func upstreamStreamWithIncludeUsageEndsWithAUsageChunk() async throws {
        try await withUpstreamApp(replyText: "alpha beta gamma") { client, _ in
            let response = try await client.post(Self.path, #"""
                {"messages":[{"role":"user","content":"x"}],"stream":true,"stream_options":{"include_usage":true}}
                """#)
            let chunks = response.sseObjects
            let content = chunks.compactMap { (($0["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any])?["content"] as? String }
            #expect(content.joined() == "alpha beta gamma")
            let usageChunk = try #require(chunks.last)
            #expect((usageChunk["choices"] as? [Any])?.isEmpty == true)
            let usage = usageChunk["usage"] as? [String: Any]
            #expect(usage?["prompt_tokens"] as? Int == 12)
            #expect((usage?["prompt_tokens_details"] as? [String: Any])?["cached_tokens"] as? Int == 4)
            #expect(response.sseData.last == "[DONE]")
        }
    }

    @Test func upstreamResetMidStreamEndsWithAnErrorChunkThenDone() async throws {
        try await withUpstreamApp(replyText: "one two three four five") { client, app in
            app.upstream.enqueue(.resetMidStream(afterDeltas: 2))
            let response = try await client.post(Self.path, #"{"messages":[{"role":"user","content":"x"}],"stream":true}"#)
            #expect(response.status == .ok)
            let data = response.sseData
            #expect(data.last == "[DONE]")
            let error = try #require(response.sseObjects.last?["error"] as? [String: Any])
            #expect(error["type"] as? String == "server_error")
            #expect(error["code"] as? String == "upstream_failed")
            #expect((error["message"] as? String)?.isEmpty == false)
            #expect(response.sseObjects.dropLast().count == 2, "the two deltas that arrived, then the error")
        }
    }

    /// Nothing is saved on /v1, so no fallback text: the stream has not begun, and the failure is its status.
    @Test func upstreamDownBeforeTheFirstChunkIsAnHTTPError() async throws {
        try await withUpstreamApp(.openAI, ["LLM_MAX_ATTEMPTS": "1"]) { client, app in
            app.upstream.enqueue(.status(503))
            let response = try await client.post(Self.path, #"{"messages":[{"role":"user","content":"x"}],"stream":true}"#)
            #expect(response.status == .badGateway)
            let error = try #require(response.json["error"] as? [String: Any])
            #expect(error["type"] as? String == "server_error")
            #expect(error["code"] as? String == "upstream_failed")
            #expect(!response.text.contains(ResilientProvider.defaultFallbackText))
        }
    }
}
