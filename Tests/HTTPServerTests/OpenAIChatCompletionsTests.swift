import Foundation
import Hummingbird
import HummingbirdTesting
import LLM
import Testing

/// `POST /v1/chat/completions` without streaming: OpenAI's response shape from each provider.
@Suite struct OpenAIChatCompletionsTests {
    static let path = "/v1/chat/completions"

    @Test func modelsListsTheConfiguredModel() async throws {
        try await withApp { client, _ in
            let response = try await client.get("/v1/models")
            #expect(response.status == .ok)
            #expect(response.json["object"] as? String == "list")
            let data = response.json["data"] as? [[String: Any]] ?? []
            #expect(data.count == 1)
            #expect(data.first?["id"] as? String == "offline-echo-1")
            #expect((data.first?["owned_by"] as? String)?.contains("not a model") == true)
        }
    }

    @Test func offlineProviderAnswersInOpenAIShapeAndSaysItIsOffline() async throws {
        try await withApp { client, _ in
            let response = try await client.post(Self.path, #"{"model":"gpt-4o","messages":[{"role":"user","content":"hello"}]}"#)
            #expect(response.status == .ok)
            let json = response.json
            #expect((json["id"] as? String)?.hasPrefix("chatcmpl-") == true)
            #expect(json["object"] as? String == "chat.completion")
            #expect((json["created"] as? Int ?? 0) > 1_700_000_000)
            #expect(json["model"] as? String == OfflineProvider.modelName, "the model that answered, not the one asked for")
            let choice = try #require((json["choices"] as? [[String: Any]])?.first)
            #expect(choice["index"] as? Int == 0)
            #expect(choice["finish_reason"] as? String == "stop")
            let message = try #require(choice["message"] as? [String: Any])
            #expect(message["role"] as? String == "assistant")
            #expect((message["content"] as? String)?.hasPrefix(OfflineProvider.label) == true)
            let usage = try #require(json["usage"] as? [String: Any])
            #expect(usage["total_tokens"] as? Int == (usage["prompt_tokens"] as? Int ?? -1) + (usage["completion_tokens"] as? Int ?? -1))
            #expect((usage["prompt_tokens_details"] as? [String: Any])?["cached_tokens"] as? Int == 0)
            let oracle = try #require(json["oracle"] as? [String: Any])
            #expect(oracle["provider"] as? String == "offline")
            #expect(oracle["offline"] as? Bool == true)
            #expect(oracle["fallback"] as? Bool == false)
        }
    }

    @Test(arguments: [UpstreamApp.Wire.openAI, .gemini])
    func upstreamAnswersWithItsUsageAndGetsTheWholeConversation(wire: UpstreamApp.Wire) async throws {
        try await withUpstreamApp(wire) { client, app in
            let body = #"""
            {"model":"whatever","temperature":0.2,"max_tokens":50,"messages":[
              {"role":"system","content":"be brief"},
              {"role":"user","content":"first"},{"role":"assistant","content":"ok"},
              {"role":"user","content":[{"type":"text","text":"Hello"},{"type":"text","text":"world"}]}]}
            """#
            let response = try await client.post(Self.path, body)
            #expect(response.status == .ok)
            let choice = (response.json["choices"] as? [[String: Any]])?.first
            #expect((choice?["message"] as? [String: Any])?["content"] as? String == "Echo: Hello\nworld")
            let usage = response.json["usage"] as? [String: Any]
            #expect(usage?["prompt_tokens"] as? Int == 12)
            #expect(usage?["completion_tokens"] as? Int == 5)
            #expect(usage?["total_tokens"] as? Int == 17)
            #expect((usage?["prompt_tokens_details"] as? [String: Any])?["cached_tokens"] as? Int == 4)
            let oracle = response.json["oracle"] as? [String: Any]
            #expect(oracle?["provider"] as? String == (wire == .openAI ? "openai" : "gemini"))
            #expect(oracle?["offline"] as? Bool == false)
            let sent = try #require(app.upstream.requests.first).body
            for text in ["be brief", "first", "ok"] { #expect(sent.contains(text), "\(text) reached the upstream") }
            #expect(sent.contains("0.2") && sent.contains("50"), "temperature and max_tokens went upstream")
            if wire == .openAI { #expect(sent.contains(#""model":"fake-gpt""#), "the configured model, not the requested one") }
        }
    }

    /// Nothing is saved on /v1: an unavailable upstream is a 502 an SDK retries, not the fallback text.
    @Test func unavailableUpstreamIsABadGatewayNotTheFallback() async throws {
        try await withUpstreamApp { client, app in
            app.upstream.enqueue(.status(503), times: 3)
            let response = try await client.post(Self.path, #"{"messages":[{"role":"user","content":"hi"}]}"#)
            #expect(response.status == .badGateway)
            #expect((response.json["error"] as? [String: Any])?["code"] as? String == "upstream_failed")
            #expect(!response.text.contains(ResilientProvider.defaultFallbackText))
            #expect(app.upstream.requestCount == 3, "retried first")
        }
    }

    @Test func upstreamKeyNeverShowsInResponsesHealthOrLogs() async throws {
        let echoed = "Incorrect API key provided: \(UpstreamApp.openAIKey)"
        try await withUpstreamApp { client, app in
            app.upstream.enqueue(.status(401, body: #"{"error":{"message":"\#(echoed)","code":"invalid_api_key"}}"#))
            let reply = try await client.post(Self.path, #"{"messages":[{"role":"user","content":"hi"}]}"#)
            let health = try await client.get("/health/ai")
            #expect((health.json["last_error"] as? String)?.contains("401") == true, "the failure is reported")
            let overall = try await client.get("/health")
            for text in [reply.text, health.text, overall.text, app.logs.text] {
                #expect(!text.contains(UpstreamApp.openAIKey))
            }
            #expect(app.logs.text.contains("401"), "the failure was logged (redacted)")
        }
    }
}
