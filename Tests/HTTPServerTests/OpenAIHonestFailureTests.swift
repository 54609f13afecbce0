import Foundation
import Hummingbird
import HummingbirdTesting
import LLM
import Testing
import TestSupport

/// An upstream failure after the retries is an OpenAI-shaped error with the status an SDK's
/// retry logic reads, never the fallback text (nothing is saved on /v1); the sessions API keeps
/// its flagged fallback.
@Suite struct OpenAIHonestFailureTests {
    static let path = "/v1/chat/completions"
    static let body = #"{"messages":[{"role":"user","content":"hi"}]}"#
    static let once = ["LLM_MAX_ATTEMPTS": "1"]

    static func error(_ response: TestResponse) throws -> [String: Any] {
        try #require(response.json["error"] as? [String: Any], "\(response.text)")
    }

    @Test(arguments: [false, true])
    func rateLimitedIs429WithRetryAfter(streamed: Bool) async throws {
        try await withUpstreamApp(.openAI, Self.once) { client, app in
            app.upstream.enqueue(.rateLimited(retryAfter: "7"))
            let response = try await client.post(Self.path, streamed ? #"{"stream":true,"messages":[{"role":"user","content":"hi"}]}"# : Self.body)
            #expect(response.status == .tooManyRequests)
            #expect(response.headers[.retryAfter] == "7")
            let error = try Self.error(response)
            #expect(error["type"] as? String == "rate_limit_error" && error["code"] as? String == "rate_limited")
        }
    }

    @Test func geminiRetryInfoBecomesRetryAfter() async throws {
        try await withUpstreamApp(.gemini, Self.once) { client, app in
            app.upstream.enqueue(.geminiRetryInfo(retryDelay: "2.5s"))
            let response = try await client.post(Self.path, Self.body)
            #expect(response.status == .tooManyRequests)
            #expect(response.headers[.retryAfter] == "3")
        }
    }

    @Test(arguments: [UpstreamApp.Wire.openAI, .gemini])
    func serverErrorsAfterRetriesAre502(wire: UpstreamApp.Wire) async throws {
        try await withUpstreamApp(wire) { client, app in
            app.upstream.enqueue(.status(500), times: 3)
            let response = try await client.post(Self.path, Self.body)
            #expect(response.status == .badGateway)
            let error = try Self.error(response)
            #expect(error["type"] as? String == "server_error" && error["code"] as? String == "upstream_failed")
            #expect(app.upstream.requestCount == 3)
            #expect(!response.text.contains(ResilientProvider.defaultFallbackText))
        }
    }

    @Test func anOpenBreakerIs503WithRetryAfter() async throws {
        try await withUpstreamApp(.openAI, ["LLM_BREAKER_WINDOW": "2", "LLM_BREAKER_MIN_REQUESTS": "2", "LLM_MAX_ATTEMPTS": "1",
                                            "LLM_BREAKER_OPEN_SECONDS": "45"]) { client, app in
            app.upstream.enqueue(.status(503), times: 2)
            for _ in 0..<2 { _ = try await client.post(Self.path, Self.body) }
            let response = try await client.post(Self.path, Self.body)
            #expect(response.status == .serviceUnavailable)
            #expect(response.headers[.retryAfter] == "45")
            #expect(try Self.error(response)["code"] as? String == "provider_unavailable")
            #expect(app.upstream.requestCount == 2, "the open breaker asked nobody")
        }
    }

    @Test func aTimeoutIs504() async throws {
        try await withUpstreamApp(.openAI, ["LLM_MAX_ATTEMPTS": "1", "LLM_FIRST_BYTE_TIMEOUT_MS": "200"]) { client, app in
            app.upstream.enqueue(.slowFirstByte(.seconds(3)))
            let response = try await client.post(Self.path, Self.body)
            #expect(response.status == .gatewayTimeout)
            #expect(try Self.error(response)["code"] as? String == "upstream_timeout")
        }
    }

    @Test func anUpstreamRefusalOfTheRequestIsTheClientsError() async throws {
        try await withUpstreamApp(.openAI, Self.once) { client, app in
            app.upstream.enqueue(.status(400, body: #"{"error":{"message":"Invalid schema for function 'f'"}}"#))
            let response = try await client.post(Self.path, Self.body)
            #expect(response.status == .badRequest)
            #expect((try Self.error(response)["message"] as? String)?.contains("Invalid schema") == true)
        }
    }

    @Test func theSessionsAPIKeepsItsFlaggedFallback() async throws {
        try await withUpstreamApp(.openAI, Self.once) { client, app in
            let session = try await client.createSession()
            app.upstream.enqueue(.status(503))
            let response = try await client.post("/api/v1/sessions/\(session)/messages", #"{"content":"hi"}"#)
            #expect(response.json["fallback"] as? Bool == true)
            #expect(response.json["content"] as? String == ResilientProvider.defaultFallbackText)
        }
    }
}
