import Foundation
import Hummingbird
import HummingbirdTesting
import Storage
import Testing

@Suite struct AuthTests {
    static let keys = ["CHAT_API_KEYS": "acme-key-0123456789:acme,globex-key-0123456789:globex"]

    @Test func missingOrWrongKeyIs401() async throws {
        try await withApp(Self.keys) { client, _ in
            let none = try await client.get("/api/v1/sessions")
            #expect(none.status == .unauthorized)
            #expect(none.headers[.wwwAuthenticate] == "Bearer")
            let wrong = try await client.get("/api/v1/sessions", headers: [.authorization: "Bearer nope-nope-nope-nope"])
            #expect(wrong.status == .unauthorized)
            // Health stays open for the runbooks' probes.
            #expect(try await client.get("/health").status == .ok)
        }
    }

    @Test func tenantsNeverSeeEachOthersSessions() async throws {
        try await withApp(Self.keys) { client, _ in
            let acme: HTTPFields = [.authorization: "Bearer acme-key-0123456789"]
            let globex: HTTPFields = [.authorization: "Bearer globex-key-0123456789"]
            let id = try await client.createSession("acme secret", headers: acme)
            #expect(try await client.get("/api/v1/sessions/\(id)", headers: acme).status == .ok)
            #expect(try await client.get("/api/v1/sessions/\(id)", headers: globex).status == .notFound)
            #expect(try await client.get("/api/v1/sessions/\(id)/messages", headers: globex).status == .notFound)
            #expect(try await client.post("/api/v1/sessions/\(id)/messages", #"{"content":"x"}"#, headers: globex).status == .notFound)
            #expect(try await client.execute(uri: "/api/v1/sessions/\(id)", method: .delete, headers: globex).status == .notFound)
            let list = try await client.get("/api/v1/sessions", headers: globex)
            #expect(list.json["total"] as? Int == 0)
            #expect(try await client.get("/api/v1/sessions/\(id)", headers: acme).status == .ok)
        }
    }
}

@Suite struct HealthTests {
    @Test func healthReportsTheFieldsTheRunbooksRead() async throws {
        try await withApp { client, _ in
            let response = try await client.get("/health")
            #expect(response.status == .ok)
            let json = response.json
            #expect(json["status"] as? String == "healthy")
            #expect(json["version"] as? String != nil)
            let services = json["services"] as? [String: Any]
            #expect(services?["database"] as? String == "healthy")
            #expect(services?["ai"] as? String == "offline")
            #expect(services?["persistent_sessions"] as? String == "disabled")
            #expect((json["ai"] as? [String: Any])?["offline"] as? Bool == true)
        }
    }

    @Test func persistentSessionsShowEnabledWhenSwitchedOnWithRollout() async throws {
        try await withApp(["USE_PERSISTENT_SESSIONS": "true", "GRADUAL_ROLLOUT_PERCENTAGE": "10"]) { client, _ in
            let services = try await client.get("/health").json["services"] as? [String: Any]
            #expect(services?["persistent_sessions"] as? String == "enabled")
        }
    }

    @Test func liveReadyDatabaseAndAI() async throws {
        try await withApp { client, state in
            #expect(try await client.get("/health/live").json["status"] as? String == "alive")
            #expect(try await client.get("/health/ready").status == .ok)
            let database = try await client.get("/health/database")
            #expect(database.status == .ok)
            #expect(database.json["schema_version"] as? String == SQLiteStore.latestMigration)
            let ai = try await client.get("/health/ai")
            #expect(ai.json["provider"] as? String == "offline")
            state.readiness.set(.draining)
            let draining = try await client.get("/health/ready")
            #expect(draining.status == .serviceUnavailable)
            #expect(draining.json["status"] as? String == "draining")
        }
    }

    /// A store closed under the server (as at shutdown): unhealthy in the status codes too, the
    /// API answers 503, and the process still says it is alive.
    @Test func databaseFailureMakesHealthUnhealthy() async throws {
        try await withApp { client, state in
            try state.store.close()
            let health = try await client.get("/health")
            #expect(health.status == .serviceUnavailable)
            #expect(health.json["status"] as? String == "unhealthy")
            #expect(try await client.get("/health/database").status == .serviceUnavailable)
            let ready = try await client.get("/health/ready")
            #expect(ready.status == .serviceUnavailable)
            #expect(ready.json["status"] as? String == "unhealthy")
            let sessions = try await client.get("/api/v1/sessions")
            #expect(sessions.status == .serviceUnavailable)
            #expect(sessions.errorCode == "database_unavailable")
            #expect(sessions.errorMessage.contains("the database is closed"))
            #expect(try await client.get("/health/live").status == .ok)
        }
    }
}
