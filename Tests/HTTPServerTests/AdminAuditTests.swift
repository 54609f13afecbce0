import Foundation
import HTTPServer
import OracleCore
import Storage
import Testing
import TestSupport

/// Named admin keys and the audit trail they leave: every admin action records the name of the
/// key that made it, and the override history is readable, typed, newest first.
@Suite struct AdminAuditTests {
    static let aliceKey = "alice-key-5b0d1f7e2c"
    static let bobKey = "bob-key-81c3e9a0d4"
    static let legacyKey = "legacy-admin-key-00"
    static let settings = [
        "ADMIN_API_KEYS": "alice:\(aliceKey), ops.bob:\(bobKey)", "ADMIN_API_KEY": legacyKey,
        "USE_PERSISTENT_SESSIONS": "true", "GRADUAL_ROLLOUT_PERCENTAGE": "10",
        // No incident-monitor tick may touch the incident under test.
        "HEALTH_CHECK_INTERVAL": "3600", "INCIDENT_RESOLVE_AFTER": "86400",
    ]

    @Test func eachOverrideChangeRecordsTheKeysNameAndTheAuditListsThem() async throws {
        try await withLiveServer(Self.settings) { server in
            let set = try await server.call("PUT", "/api/v1/admin/overrides/GRADUAL_ROLLOUT_PERCENTAGE", key: Self.aliceKey,
                                            #"{"value": 25, "reason": "partial rollback"}"#)
            #expect(set.status == 200)
            #expect(set.json(".current.actor") as? String == "alice")
            let flag = try await server.call("PUT", "/api/v1/admin/overrides/USE_PERSISTENT_SESSIONS", key: Self.legacyKey,
                                             #"{"value": false, "reason": "feature rollback"}"#)
            #expect(flag.json(".current.actor") as? String == "admin", "ADMIN_API_KEY is named admin")
            let cleared = try await server.call("DELETE", "/api/v1/admin/overrides/GRADUAL_ROLLOUT_PERCENTAGE?reason=recovered",
                                                key: Self.bobKey)
            #expect(cleared.status == 200)

            let audit = try await server.call("GET", "/api/v1/admin/overrides/audit", key: Self.bobKey)
            #expect(audit.status == 200)
            let entries = try #require(audit.json(".entries") as? [[String: Any]])
            #expect(entries.map { $0["action"] as? String } == ["clear", "set", "set"], "newest first")
            #expect(entries.map { $0["actor"] as? String } == ["ops.bob", "admin", "alice"])
            #expect(entries.map { $0["reason"] as? String } == ["recovered", "feature rollback", "partial rollback"])
            #expect(entries[0]["old_value"] as? Int == 25 && entries[0]["new_value"] is NSNull)
            #expect(entries[2]["old_value"] is NSNull && entries[2]["new_value"] as? Int == 25)

            let one = try await server.call("GET", "/api/v1/admin/overrides/audit?name=USE_PERSISTENT_SESSIONS&limit=5",
                                            key: Self.aliceKey)
            let only = try #require(one.json(".entries") as? [[String: Any]])
            #expect(only.count == 1 && only.first?["name"] as? String == "USE_PERSISTENT_SESSIONS")
            #expect(only.first?["new_value"] as? Bool == false)
            let newest = try await server.call("GET", "/api/v1/admin/overrides/audit?limit=1", key: Self.aliceKey)
            #expect((newest.json(".entries") as? [Any])?.count == 1)
        }
    }

    @Test func theAuditRefusesBadQueriesAndStrangers() async throws {
        try await withLiveServer(Self.settings) { server in
            let tooMany = try await server.call("GET", "/api/v1/admin/overrides/audit?limit=501", key: Self.aliceKey)
            #expect(tooMany.status == 400 && tooMany.errorCode == "invalid_query")
            #expect(tooMany.body.contains("'limit'"))
            let unknown = try await server.call("GET", "/api/v1/admin/overrides/audit?name=NO_SUCH", key: Self.aliceKey)
            #expect(unknown.status == 400 && unknown.body.contains("'name'"))
            let stranger = try await server.call("GET", "/api/v1/admin/overrides/audit", key: "not-a-key")
            #expect(stranger.status == 401 && stranger.errorCode == "unauthorized")
            #expect(!stranger.body.contains(Self.aliceKey) && !stranger.body.contains(Self.bobKey))
            // `audit` is no setting name: the router never takes it for `{name}`, and `Allow` says so.
            let put = try await server.call("PUT", "/api/v1/admin/overrides/audit", key: Self.aliceKey, #"{"value": 1, "reason": "x"}"#)
            #expect(put.status == 405 && put.headers["allow"] == "GET, HEAD")
        }
    }

    /// A boolean setting reads back as JSON true/false and an integer as a number, in the list,
    /// the set and clear answers, and `/health`.
    @Test func overrideValuesKeepTheirSettingsType() async throws {
        try await withLiveServer(Self.settings) { server in
            let set = try await server.call("PUT", "/api/v1/admin/overrides/ENABLE_SESSION_RECOVERY", key: Self.aliceKey,
                                            #"{"value": "off", "reason": "recovery storms"}"#)
            #expect(set.json(".current.value") as? Bool == false)
            #expect(set.json(".effective.value") as? Bool == false)
            let number = try await server.call("PUT", "/api/v1/admin/overrides/CLEANUP_BATCH_SIZE", key: Self.aliceKey,
                                               #"{"value": "75", "reason": "bigger batches"}"#)
            #expect(number.json(".current.value") as? Int == 75)

            let list = try await server.call("GET", "/api/v1/admin/overrides", key: Self.aliceKey)
            let overrides = try #require(list.json(".overrides") as? [[String: Any]])
            #expect(overrides.first { $0["name"] as? String == "CLEANUP_BATCH_SIZE" }?["value"] as? Int == 75)
            let effective = try #require(list.json(".effective") as? [[String: Any]])
            let rollout = effective.first { $0["name"] as? String == "GRADUAL_ROLLOUT_PERCENTAGE" }
            #expect(rollout?["value"] as? Int == 10 && rollout?["source"] as? String == "config")
            let sessions = effective.first { $0["name"] as? String == "USE_PERSISTENT_SESSIONS" }
            #expect(sessions?["value"] as? Bool == true)
            let health = try await server.call("GET", "/health")
            let active = try #require(health.json(".overrides.active") as? [[String: Any]])
            #expect(active.first { $0["name"] as? String == "ENABLE_SESSION_RECOVERY" }?["value"] as? Bool == false)

            let cleared = try await server.call("DELETE", "/api/v1/admin/overrides/CLEANUP_BATCH_SIZE", key: Self.bobKey)
            #expect(cleared.json(".previous.value") as? Int == 75)
            #expect(cleared.json(".effective.value") as? Int == 50)
            #expect(cleared.json(".previous.actor") as? String == "alice")
        }
    }

    @Test func incidentActionsRecordTheKeysName() async throws {
        try await withLiveServer(Self.settings, shippedPolicies: true) { server in
            let id = "INC-20260101-000000"
            try await server.state.store.saveIncident(StoredIncident(
                id: id, severity: "P2", reasons: ["avg response 4200 ms >= 3000 ms"], openedAt: Date(), openingMetrics: "{}"))

            let ack = try await server.call("POST", "/api/v1/incidents/\(id)/ack", key: Self.aliceKey)
            #expect(ack.status == 200 && ack.json(".acknowledged_by") as? String == "alice")
            let note = try await server.call("POST", "/api/v1/incidents/\(id)/notes", key: Self.bobKey,
                                             #"{"note": "rolled the canary back", "by": "carol"}"#)
            #expect(note.status == 201)
            let resolved = try await server.call("POST", "/api/v1/incidents/\(id)/resolve", key: Self.legacyKey,
                                                 #"{"note": "latency back to normal"}"#)
            #expect(resolved.status == 200 && resolved.json(".status") as? String == "resolved")

            let shown = try await server.call("GET", "/api/v1/incidents/\(id)", key: Self.aliceKey)
            let messages = (shown.json(".timeline") as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
            #expect(messages.contains("acknowledged by alice"))
            #expect(messages.contains("ops.bob on behalf of carol: rolled the canary back"),
                    "a body's `by` goes next to the key's name, never instead of it")
            #expect(messages.contains("resolved by admin: latency back to normal"))
        }
    }
}

extension LiveServer {
    /// One request with an optional JSON body and admin key.
    func call(_ method: String, _ path: String, key: String? = nil, _ json: String? = nil) async throws -> RawHTTPResponse {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        if let key { head += "Authorization: Bearer \(key)\r\n" }
        let body = json ?? ""
        if json != nil { head += "Content-Type: application/json\r\n" }
        head += "Content-Length: \(body.utf8.count)\r\n\r\n"
        return try await exchange(head + body)
    }
}

extension RawHTTPResponse {
    /// The value at a `.a.b` path of the JSON body.
    func json(_ path: String) -> Any? {
        let root = try? JSONSerialization.jsonObject(with: Data(body.utf8))
        return path.split(separator: ".").reduce(root) { ($0 as? [String: Any])?[String($1)] }
    }
}
