import Foundation
import Hummingbird
import HummingbirdTesting
import LLM
import Operations
import Policies
import Testing

@Suite struct MonitoringEndpointTests {
    @Test func theSeedScriptsPathsReadNumbersEvenWithoutTraffic() async throws {
        try await withMetricsApp { client, _, _ in
            let analytics = try await client.get("/api/v1/monitoring/sessions/analytics")
            #expect(analytics.status == .ok)
            #expect(analytics.json.number(at: ".operation_performance.send_message.avg_duration_ms") == 0)
            for operation in ["send_message", "create_session", "recover_session"] {
                #expect(analytics.json.number(at: ".operation_performance.\(operation).count") == 0)
                #expect(analytics.json.number(at: ".operation_performance.\(operation).p95_duration_ms") == 0)
            }
            #expect(analytics.json.number(at: ".window_seconds") == 300)

            let detailed = try await client.get("/api/v1/monitoring/health/detailed")
            #expect(detailed.status == .ok)
            let json = detailed.json
            #expect(json.number(at: ".errors.error_rate_per_hour") == 0)
            let memory = try #require(json.number(at: ".system.memory_usage_percent"))
            #expect((0...100).contains(memory))
            #expect(json.number(at: ".system.memory.used_percent") == json.number(at: ".severity_input.memory.used_percent"),
                    "one reading, one name, in the endpoint and in what severity.lua classifies")
            #expect(json.value(at: ".database.status") as? String == "healthy")
            #expect(json.value(at: ".status") as? String == (try await client.get("/health").json["status"] as? String))
            #expect(["cgroup", "host"].contains(json.value(at: ".system.memory.source") as? String))
            #expect((json.number(at: ".system.memory.process_rss_bytes") ?? 0) > 0)
            #expect(json.number(at: ".system.memory.cache_bytes") == 0, "nothing cached yet")
            #expect(json.value(at: ".ai.status") as? String == "offline")
            #expect(json.value(at: ".policies.state") as? String == "disabled")
            #expect(json.value(at: ".persistent_sessions") as? String == "disabled")
        }
    }

    @Test func sendsAreTimedAndCreatesCounted() async throws {
        try await withMetricsApp(["METRICS_WINDOW_SECONDS": "60"]) { client, _, _ in
            let id = try await client.createSession()
            for _ in 0..<2 { _ = try await client.post("/api/v1/sessions/\(id)/messages", #"{"content":"hi"}"#) }
            let streamed = try await client.post("/api/v1/sessions/\(id)/messages", #"{"content":"hi","stream":true}"#)
            #expect(streamed.text.contains("event: done"))
            let analytics = try await client.get("/api/v1/monitoring/sessions/analytics").json
            #expect(analytics.number(at: ".window_seconds") == 60)
            #expect(analytics.number(at: ".operation_performance.send_message.count") == 3)
            #expect(analytics.number(at: ".operation_performance.send_message.failures") == 0)
            #expect((analytics.number(at: ".operation_performance.send_message.avg_duration_ms") ?? 0) > 0)
            #expect(analytics.number(at: ".operation_performance.create_session.count") == 1)
        }
    }

    @Test func aFallbackReplyCountsAsAFailedSend() async throws {
        try await withMetricsApp(provider: { UnavailableProvider.resilient(factory: $0) }) { client, _, _ in
            let id = try await client.createSession()
            let reply = try await client.post("/api/v1/sessions/\(id)/messages", #"{"content":"hello"}"#)
            #expect(reply.status == .ok)
            #expect(reply.json["fallback"] as? Bool == true)

            let analytics = try await client.get("/api/v1/monitoring/sessions/analytics").json
            #expect(analytics.number(at: ".operation_performance.send_message.failures") == 1)
            let detailed = try await client.get("/api/v1/monitoring/health/detailed").json
            #expect(detailed.number(at: ".errors.failed_operations") == 1)
            #expect(detailed.number(at: ".errors.total_operations") == 2)
            #expect(detailed.number(at: ".errors.error_rate") == 0.5)
            // One failure in a 5-minute window is 12 an hour.
            #expect(detailed.number(at: ".errors.error_rate_per_hour") == 12)
            #expect(detailed.number(at: ".severity_input.requests") == 1)
        }
    }

    @Test func aStreamThatFallsBackAndAReplyThatNeverCameBothCountAsFailed() async throws {
        try await withMetricsApp(provider: { UnavailableProvider.resilient(fallback: nil, factory: $0) }) { client, _, _ in
            let id = try await client.createSession()
            #expect(try await client.post("/api/v1/sessions/\(id)/messages", #"{"content":"a"}"#).status == .badGateway)
            let stream = try await client.post("/api/v1/sessions/\(id)/messages", #"{"content":"b","stream":true}"#)
            #expect(stream.text.contains("event: error"))
            let analytics = try await client.get("/api/v1/monitoring/sessions/analytics").json
            #expect(analytics.number(at: ".operation_performance.send_message.count") == 2)
            #expect(analytics.number(at: ".operation_performance.send_message.failures") == 2)
        }
    }

    @Test func aMissingSessionIsTheCallersMistakeNotAFailedSend() async throws {
        try await withMetricsApp { client, _, _ in
            let unknown = UUID().uuidString
            #expect(try await client.post("/api/v1/sessions/\(unknown)/messages", #"{"content":"x"}"#).status == .notFound)
            let detailed = try await client.get("/api/v1/monitoring/health/detailed").json
            #expect(detailed.number(at: ".errors.total_operations") == 0)
        }
    }

    /// A fresh server's traffic to new sessions once paged a P3 "cache hit ratio" after 11
    /// messages: a new session's first message counted as a miss. Now it is no lookup at all, the
    /// snapshot carries the lookups behind the ratio, and severity.lua wants 20 of them.
    @Test func newSessionsAreNoCacheMissesAndTheRatioCarriesItsLookups() async throws {
        try await withSessionApp(["USE_PERSISTENT_SESSIONS": "true", "GRADUAL_ROLLOUT_PERCENTAGE": "100"]) { client, state in
            for _ in 0..<11 {
                let id = try await client.createSession()
                _ = try await client.post("/api/v1/sessions/\(id)/messages", #"{"content":"x"}"#)
            }
            let fresh = await state.monitoringSnapshot()
            #expect(fresh.cacheLookups == 0 && fresh.cacheHitRatio == nil, "eleven first messages missed nothing")
            #expect(await state.policies?.classifySeverity(fresh).value.severity == nil)

            let id = try await client.createSession()
            for _ in 0..<5 { _ = try await client.post("/api/v1/sessions/\(id)/messages", #"{"content":"x"}"#) }
            state.sessionCache.removeAll(reason: .manual)
            _ = try await client.post("/api/v1/sessions/\(id)/messages", #"{"content":"x"}"#)
            let later = await state.monitoringSnapshot()
            #expect(later.cacheLookups == 5, "four hits and the one miss after the eviction")
            #expect(later.cacheHitRatio == 0.8)
        }
    }

    @Test func theSeverityPolicyClassifiesTheSnapshotTheServerBuilds() async throws {
        try await withMetricsApp(provider: { UnavailableProvider.resilient(factory: $0) }, shippedPolicies: true) { client, state, _ in
            let id = try await client.createSession()
            for _ in 0..<10 { _ = try await client.post("/api/v1/sessions/\(id)/messages", #"{"content":"x"}"#) }
            let snapshot = await state.monitoringSnapshot()
            #expect(snapshot.requests == 10)
            #expect(snapshot.reachable)
            let decision = try #require(await state.policies?.classifySeverity(snapshot, record: false))
            #expect(!decision.isFallback)
            #expect(decision.value.severity == "P1")
            #expect(decision.value.reasons.contains { $0.hasPrefix("error rate 90.91% > 25%") })

            let detailed = try await client.get("/api/v1/monitoring/health/detailed").json
            #expect(detailed.value(at: ".policies.state") as? String == "ok")
            #expect((detailed.value(at: ".policies.policies") as? [Any])?.count == PolicyKind.allCases.count)
        }
    }
}
