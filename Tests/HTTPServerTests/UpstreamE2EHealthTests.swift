import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// `/health/ai` and `/health`'s `services.ai` from the running provider's own record.
@Suite struct UpstreamE2EHealthTests {
    static let breaksFast = ["LLM_BREAKER_WINDOW": "2", "LLM_BREAKER_MIN_REQUESTS": "2", "LLM_MAX_ATTEMPTS": "1"]

    @Test func healthyProviderShowsItsCounters() async throws {
        try await withUpstreamApp { client, _ in
            _ = try await client.post("/v1/chat/completions", #"{"messages":[{"role":"user","content":"hi"}]}"#)
            let ai = try await client.get("/health/ai")
            #expect(ai.status == .ok)
            #expect(ai.json["status"] as? String == "healthy")
            #expect(ai.json["provider"] as? String == "openai")
            #expect(ai.json["model"] as? String == "fake-gpt")
            #expect(ai.json["offline"] as? Bool == false)
            #expect(ai.json["circuit_state"] as? String == "closed")
            #expect(ai.json["requests"] as? Int == 1)
            #expect(ai.json["failures"] as? Int == 0)
            #expect(ai.json["last_error"] is NSNull)
            let health = try await client.get("/health")
            #expect(health.json["status"] as? String == "healthy")
            #expect((health.json["services"] as? [String: Any])?["ai"] as? String == "healthy")
        }
    }

    @Test func openBreakerMakesAIUnavailableAndHealthDegraded() async throws {
        try await withUpstreamApp(.openAI, Self.breaksFast) { client, app in
            app.upstream.enqueue(.status(500), times: 2)
            for _ in 0..<3 {
                _ = try await client.post("/v1/chat/completions", #"{"messages":[{"role":"user","content":"hi"}]}"#)
            }
            #expect(app.upstream.requestCount == 2, "the open breaker kept the third call from the upstream")
            let ai = try await client.get("/health/ai")
            #expect(ai.json["status"] as? String == "unavailable")
            #expect(ai.json["circuit_state"] as? String == "open")
            #expect(ai.json["consecutive_failures"] as? Int == 3)
            #expect(ai.json["fallbacks"] as? Int == 0, "/v1 answers the failures, never the fallback")
            #expect((ai.json["last_error"] as? String)?.contains("500") == true)
            #expect(ai.json["last_error_at"] is String)
            let health = try await client.get("/health")
            // Degraded is not down: the history still works and the fallback answers.
            #expect(health.status == .ok)
            #expect(health.json["status"] as? String == "degraded")
            #expect(try await client.get("/health/ready").status == .ok)
            #expect((health.json["services"] as? [String: Any])?["ai"] as? String == "unavailable")
        }
    }

    @Test func offlineProviderIsReportedOffline() async throws {
        try await withUpstreamApp(.openAI, ["LLM_PROVIDER": "offline"]) { client, _ in
            let ai = try await client.get("/health/ai")
            #expect(ai.json["status"] as? String == "offline")
            #expect(ai.json["offline"] as? Bool == true)
            #expect((ai.json["note"] as? String)?.contains("not from a language model") == true)
            #expect(try await client.get("/health").json["status"] as? String == "healthy")
        }
    }
}
