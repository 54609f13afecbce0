import Foundation
import Hummingbird
import HummingbirdTesting
import LLM
import Testing

@Suite struct MetricsEndpointTests {
    @Test func requestsAreCountedByRouteTemplateAndNeverByRawId() async throws {
        try await withMetricsApp { client, _, _ in
            let id = try await client.createSession()
            let unknown = UUID().uuidString.lowercased()
            #expect(try await client.get("/api/v1/sessions/\(id)").status == .ok)
            #expect(try await client.get("/api/v1/sessions/\(id)").status == .ok)
            #expect(try await client.get("/api/v1/sessions/\(unknown)").status == .notFound)
            #expect(try await client.get("/no/such/\(unknown)/page").status == .notFound)

            let metrics = try await client.get("/metrics")
            #expect(metrics.status == .ok)
            #expect(metrics.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            let route = #"route="/api/v1/sessions/{id}",method="GET""#
            #expect(metrics.sample(#"http_requests_total{\#(route),status="200"}"#) == 2)
            #expect(metrics.sample(#"http_requests_total{\#(route),status="404"}"#) == 1)
            #expect(metrics.sample(#"http_requests_total{route="/api/v1/sessions",method="POST",status="201"}"#) == 1)
            #expect(metrics.sample(#"http_requests_total{route="unmatched",method="GET",status="404"}"#) == 1)
            #expect(metrics.sample(#"http_request_duration_seconds_count{\#(route)}"#) == 3)
            #expect(metrics.text.contains(#"http_request_duration_seconds_bucket{\#(route),le="+Inf"} 3"#))
            // No session id, unknown id or raw path ever becomes a label value.
            #expect(!metrics.text.contains(id))
            #expect(!metrics.text.contains(unknown))
            #expect(!metrics.text.contains("/no/such"))
        }
    }

    @Test func llmMetricsAndProcessMemoryAppearAfterAMessage() async throws {
        try await withMetricsApp(provider: { factory in
            ResilientProvider(wrapping: OfflineProvider(), metricsFactory: factory, logger: .init(label: "test"))
        }) { client, _, _ in
            let id = try await client.createSession()
            #expect(try await client.post("/api/v1/sessions/\(id)/messages", #"{"content":"hello"}"#).status == .ok)
            let metrics = try await client.get("/metrics")
            #expect(metrics.sample(#"llm_requests_total{provider="offline",outcome="success"}"#) == 1)
            #expect(metrics.sample(#"llm_request_duration_seconds_count{provider="offline"}"#) == 1)
            #expect(metrics.text.contains(#"llm_request_duration_seconds_bucket{provider="offline",le="60.0"} 1"#))
            #expect(metrics.text.contains("llm_tokens_total{"))
            #expect((metrics.sample("process_resident_memory_bytes") ?? 0) > 1_000_000)
            #expect(metrics.text.contains(#"http_requests_total{route="/api/v1/sessions/{id}/messages",method="POST",status="200"} 1"#))
        }
    }

    @Test func aStreamedReplyIsTimedWhenItsLastEventIsWritten() async throws {
        try await withMetricsApp { client, _, _ in
            let id = try await client.createSession()
            let stream = try await client.post("/api/v1/sessions/\(id)/messages", #"{"content":"hello","stream":true}"#)
            #expect(stream.text.contains("event: done"))
            let metrics = try await client.get("/metrics")
            let route = #"route="/api/v1/sessions/{id}/messages",method="POST""#
            #expect(metrics.sample(#"http_requests_total{\#(route),status="200"}"#) == 1)
            #expect(metrics.sample(#"http_request_duration_seconds_count{\#(route)}"#) == 1)
        }
    }
}
