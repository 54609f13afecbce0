import Foundation
import HTTPServer
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

@Suite struct OverrideAPITests {
    @Test func putAppliesAtOnceAndShowsInHealthAndTheList() async throws {
        try await withSessionApp(["USE_PERSISTENT_SESSIONS": "true", "GRADUAL_ROLLOUT_PERCENTAGE": "10"]) { client, _ in
            #expect(try await client.persistentSessions() == "enabled")
            let put = try await client.put("/api/v1/admin/overrides/USE_PERSISTENT_SESSIONS",
                                           #"{"value": false, "reason": "feature_rollback.sh: sessions failing"}"#)
            #expect(put.status == .ok)
            #expect((put.json["effective"] as? [String: Any])?["value"] as? Bool == false)
            #expect(try await client.persistentSessions() == "disabled")

            let health = try await client.get("/health").json
            let overrides = health["overrides"] as? [String: Any]
            #expect(overrides?["count"] as? Int == 1)
            let item = (overrides?["active"] as? [[String: Any]])?.first
            #expect(item?["name"] as? String == "USE_PERSISTENT_SESSIONS" && item?["actor"] as? String == "admin")

            let list = try await client.get("/api/v1/admin/overrides", headers: adminAuth).json
            let active = list["overrides"] as? [[String: Any]]
            #expect(active?.first?["reason"] as? String == "feature_rollback.sh: sessions failing")
            #expect(active?.first?["set_at"] as? String != nil)
            let effective = list["effective"] as? [[String: Any]] ?? []
            let rollout = effective.first { $0["name"] as? String == "GRADUAL_ROLLOUT_PERCENTAGE" }
            #expect(rollout?["value"] as? Int == 10 && rollout?["source"] as? String == "config")

            let cleared = try await client.execute(uri: "/api/v1/admin/overrides/USE_PERSISTENT_SESSIONS?reason=fixed",
                                                   method: .delete, headers: adminAuth)
            #expect(cleared.status == .ok)
            #expect(try await client.persistentSessions() == "enabled")
            let again = try await client.execute(uri: "/api/v1/admin/overrides/USE_PERSISTENT_SESSIONS", method: .delete, headers: adminAuth)
            #expect(again.status == .notFound && again.errorCode == "override_not_set")
        }
    }

    @Test func badRequestsAreRefusedWithTheRuleNamed() async throws {
        try await withSessionApp { client, _ in
            let tooBig = try await client.put("/api/v1/admin/overrides/GRADUAL_ROLLOUT_PERCENTAGE", #"{"value": 150, "reason": "x"}"#)
            #expect(tooBig.status == .badRequest && tooBig.errorCode == "invalid_value")
            #expect(tooBig.errorMessage.contains("GRADUAL_ROLLOUT_PERCENTAGE must be an integer 0–100"))
            let notBool = try await client.put("/api/v1/admin/overrides/USE_PERSISTENT_SESSIONS", #"{"value": "maybe", "reason": "x"}"#)
            #expect(notBool.status == .badRequest && notBool.errorMessage.contains("USE_PERSISTENT_SESSIONS must be true or false"))
            let unknown = try await client.put("/api/v1/admin/overrides/NO_SUCH_SETTING", #"{"value": 1, "reason": "x"}"#)
            #expect(unknown.status == .notFound && unknown.errorCode == "unknown_setting")
            let fixed = try await client.put("/api/v1/admin/overrides/ADMIN_API_KEY", #"{"value": "k", "reason": "x"}"#)
            #expect(fixed.status == .badRequest && fixed.errorCode == "not_overridable")
            let noReason = try await client.put("/api/v1/admin/overrides/CLEANUP_INTERVAL", #"{"value": 60}"#)
            #expect(noReason.status == .badRequest && noReason.errorMessage.contains("reason"))
            let emptyReason = try await client.put("/api/v1/admin/overrides/CLEANUP_INTERVAL", #"{"value": 60, "reason": " "}"#)
            #expect(emptyReason.status == .badRequest)
            let noValue = try await client.put("/api/v1/admin/overrides/CLEANUP_INTERVAL", #"{"reason": "x"}"#)
            #expect(noValue.status == .badRequest && noValue.errorMessage.contains("value"))
            let list = try await client.get("/api/v1/admin/overrides", headers: adminAuth).json
            #expect((list["overrides"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func clearingReadsTheReasonFromTheBodyAndRefusesABadOne() async throws {
        try await withSessionApp { client, _ in
            let uri = "/api/v1/admin/overrides/CLEANUP_INTERVAL"
            #expect(try await client.put(uri, #"{"value": 60, "reason": "load test"}"#).status == .ok)
            // A reason that is there but wrong is refused, not dropped for the default: the
            // override stays in force.
            let badBody = try await client.execute(uri: uri, method: .delete, headers: adminAuth, body: ByteBuffer(string: #"{"reason": {}}"#))
            #expect(badBody.status == .badRequest && (badBody.json["error"] as? [String: Any])?["field"] as? String == "reason")
            let notJSON = try await client.execute(uri: uri, method: .delete, headers: adminAuth, body: ByteBuffer(string: "reason=x"))
            #expect(notJSON.status == .badRequest && notJSON.errorCode == "invalid_json")
            let longQuery = try await client.execute(uri: uri + "?reason=" + String(repeating: "x", count: 501), method: .delete,
                                                     headers: adminAuth)
            #expect(longQuery.status == .badRequest && longQuery.errorCode == "invalid_query")
            #expect(try await client.get("/api/v1/admin/overrides", headers: adminAuth).text.contains("load test"))

            let cleared = try await client.execute(uri: uri, method: .delete, headers: adminAuth,
                                                   body: ByteBuffer(string: #"{"reason": "load test over"}"#))
            #expect(cleared.status == .ok && cleared.json["action"] as? String == "clear")
            let after = try await client.get("/api/v1/admin/overrides", headers: adminAuth).json
            #expect((after["overrides"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func overridesNeedTheAdminKey() async throws {
        try await withSessionApp { client, _ in
            let none = try await client.get("/api/v1/admin/overrides")
            #expect(none.status == .unauthorized)
            let wrong: HTTPFields = [.authorization: "Bearer wrong-key-0123456789"]
            let put = try await client.put("/api/v1/admin/overrides/CLEANUP_INTERVAL", #"{"value": 60, "reason": "x"}"#, headers: wrong)
            #expect(put.status == .unauthorized)
        }
        try await withSessionApp(["ADMIN_API_KEY": ""]) { client, _ in
            let disabled = try await client.get("/api/v1/admin/overrides", headers: adminAuth)
            #expect(disabled.status == .forbidden)
        }
    }

    @Test func overridesSurviveARestart() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let database = dir.file("oracle_sessions.db")
        try await withSessionApp(["USE_PERSISTENT_SESSIONS": "true", "GRADUAL_ROLLOUT_PERCENTAGE": "50"], database: database) { client, _ in
            let put = try await client.put("/api/v1/admin/overrides/GRADUAL_ROLLOUT_PERCENTAGE",
                                           #"{"value": 25, "reason": "partial_rollback.sh"}"#)
            #expect(put.status == .ok)
        }
        try await withSessionApp(["USE_PERSISTENT_SESSIONS": "true", "GRADUAL_ROLLOUT_PERCENTAGE": "50"], database: database) { client, state in
            #expect(state.live.sessions.rolloutPercentage == 25)
            #expect(try await client.sessionsHealth()["rollout_percentage"] as? Int == 25)
            let list = try await client.get("/api/v1/admin/overrides", headers: adminAuth).json
            #expect((list["overrides"] as? [[String: Any]])?.first?["value"] as? Int == 25)
        }
    }
}
