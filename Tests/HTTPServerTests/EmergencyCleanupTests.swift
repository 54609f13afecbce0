import Foundation
import HTTPServer
import Operations
import Testing
import TestSupport

/// `POST /api/v1/sessions/cleanup/emergency` does what the memory-crisis runbook means: it
/// frees memory now, including sessions used a moment ago, and says how much.
@Suite struct EmergencyCleanupTests {
    static let key = "ops-key-7a1e55c09b"
    static let cached = ["ADMIN_API_KEYS": "ops:\(key)", "USE_PERSISTENT_SESSIONS": "true", "GRADUAL_ROLLOUT_PERCENTAGE": "100"]

    /// Three sessions, each with a message just answered, so each is in the cache.
    static func fill(_ server: LiveServer) async throws {
        for n in 0..<3 {
            let created = try await server.call("POST", "/api/v1/sessions/", #"{"title": "s\#(n)"}"#)
            let id = try #require(created.json(".id") as? String)
            let sent = try await server.call("POST", "/api/v1/sessions/\(id)/messages", #"{"content": "hello \#(n)"}"#)
            #expect(sent.status == 200)
        }
    }

    @Test func evictsSessionsUsedAMomentAgoAndSaysWhatItFreed() async throws {
        try await withLiveServer(Self.cached, shippedPolicies: true) { server in
            try await Self.fill(server)
            #expect(server.state.sessionCache.count == 3)
            let before = server.state.sessionCache.estimatedBytes

            let response = try await server.call("POST", "/api/v1/sessions/cleanup/emergency", key: Self.key)
            #expect(response.status == 200)
            #expect(response.json(".evicted") as? Int == 3)
            #expect(response.json(".remaining") as? Int == 0)
            #expect(response.json(".cache_bytes_before") as? Int == before)
            #expect(response.json(".cache_bytes_after") as? Int == 0)
            #expect((response.json(".freed_bytes") as? Int ?? 0) > 0)
            #expect(response.json(".plan.idle_ttl") as? Int == 0, "regardless of recency")
            #expect(response.json(".plan.emergency") as? Bool == true)
            #expect(response.json(".plan.fallback") as? Bool == false, "cleanup.lua's own plan, not its safe default")
            #expect((response.json(".plan.reason") as? String)?.hasPrefix("emergency: requested") == true)
            #expect(server.state.sessionCache.count == 0)

            // Nothing is lost: the next message recovers the history from SQLite.
            let sessions = try await server.call("GET", "/api/v1/sessions?limit=1")
            let id = try #require((sessions.json(".sessions") as? [[String: Any]])?.first?["id"] as? String)
            let again = try await server.call("POST", "/api/v1/sessions/\(id)/messages", #"{"content": "still there?"}"#)
            #expect((again.json(".content") as? String)?.contains("message #2") == true)
        }
    }

    @Test func withoutAKeyItIsRefusedByDefault() async throws {
        try await withLiveServer(Self.cached, shippedPolicies: true) { server in
            try await Self.fill(server)
            let refused = try await server.call("POST", "/api/v1/sessions/cleanup/emergency")
            #expect(refused.status == 401 && refused.errorCode == "unauthorized")
            #expect(server.state.sessionCache.count == 3, "a refused call evicts nothing")
        }
    }

    @Test func withoutAKeyItRunsWhenTheSettingAllowsIt() async throws {
        var settings = Self.cached
        settings["EMERGENCY_CLEANUP_ALLOW_UNAUTHENTICATED"] = "true"
        try await withLiveServer(settings, shippedPolicies: true) { server in
            try await Self.fill(server)
            // As the seed runbook calls it: `curl -X POST http://localhost:8000/api/v1/sessions/cleanup/emergency`.
            let allowed = try await server.call("POST", "/api/v1/sessions/cleanup/emergency")
            #expect(allowed.status == 200 && allowed.json(".evicted") as? Int == 3)
            #expect((allowed.json(".freed_bytes") as? Int ?? 0) > 0)
            let wrong = try await server.call("POST", "/api/v1/sessions/cleanup/emergency", key: "not-the-key")
            #expect(wrong.status == 401, "a key that is sent must still be right")
            let otherAdmin = try await server.call("GET", "/api/v1/admin/overrides")
            #expect(otherAdmin.status == 401, "only the emergency cleanup is opened")
        }
    }

    /// escalation.lua's `emergency_cleanup` takes the same path as the endpoint.
    @Test func theEscalationsEmergencyCleanupFreesTheSameWay() async throws {
        try await withLiveServer(Self.cached, shippedPolicies: true) { server in
            try await Self.fill(server)
            let actions = OperatorIncidentActions(overrides: server.state.overrides, cache: server.state.sessionCache,
                                                  policies: server.state.policies)
            let done = try await actions.perform(.emergencyCleanup, incidentID: "INC-20260101-000000")
            #expect(done.hasPrefix("emergency cleanup evicted 3 cached sessions (0 remain)"), "\(done)")
            #expect(server.state.sessionCache.count == 0 && server.state.sessionCache.estimatedBytes == 0)
        }
    }
}
