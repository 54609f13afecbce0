import Foundation
@testable import HTTPServer
import Hummingbird
import HummingbirdTesting
import LLM
import Logging
import Policies
import Storage
import Testing
import TestSupport

/// The admin policy API through the app, on a temporary copy of the shipped policies.
@Suite struct PolicyAPITests {
    static let admin: HTTPFields = [.authorization: "Bearer policy-admin-key"]

    func withPolicyApp(_ test: @escaping @Sendable (any TestClientProtocol, TemporaryDirectory) async throws -> Void) async throws {
        let dir = try TemporaryDirectory("oracle-policy-api")
        defer { dir.remove() }
        for folder in ["policies", "lua"] {
            try FileManager.default.copyItem(atPath: IncidentFixture.repositoryRoot.appendingPathComponent(folder).path,
                                             toPath: dir.file(folder))
        }
        let config = try await TestConfig.make([
            "POLICIES_DIR": dir.file("policies"), "LUA_DIR": dir.file("lua"), "ADMIN_API_KEY": "policy-admin-key",
            "POLICY_WATCH_INTERVAL_MS": "60000",
        ], in: dir)
        let logger = Logger(label: "test")
        let store = try SQLiteStore(location: config.database)
        let policies = PolicyHost(configuration: .init(settings: config), store: store, logger: logger)
        let state = ServerState(config: config, store: store, provider: OfflineProvider(), logger: logger, policies: policies)
        try await OracleApplication.make(state: state, logger: logger).test(.router) { client in try await test(client, dir) }
        try store.close()
    }

    @Test func adminOnly() async throws {
        try await withPolicyApp { client, _ in
            let anonymous = try await client.get("/api/v1/policies")
            let wrong = try await client.get("/api/v1/policies", headers: [.authorization: "Bearer wrong"])
            let admin = try await client.get("/api/v1/policies", headers: Self.admin)
            #expect(anonymous.status == .unauthorized)
            #expect(wrong.status == .unauthorized)
            #expect(admin.status == .ok)
        }
    }

    @Test func statusEvaluateAndDecisionLog() async throws {
        try await withPolicyApp { client, _ in
            let status = try await client.get("/api/v1/policies", headers: Self.admin)
            #expect(status.json["state"] as? String == "ok")
            let list = status.json["policies"] as? [[String: Any]] ?? []
            #expect(list.compactMap { $0["name"] as? String } == PolicyKind.allCases.map(\.rawValue))
            #expect(list.allSatisfy { (($0["active"] as? [String: Any])?["hash"] as? String)?.count == 16 })

            let evaluated = try await client.post("/api/v1/policies/severity/evaluate", """
                {"reachable": true, "requests": 50, "error_rate": 0.3, "error_rate_per_hour": 360,
                 "avg_response_ms": 200, "p95_response_ms": 400, "memory": {"used_percent": 40},
                 "database": {"status": "healthy"}, "ai": {"status": "healthy"},
                 "persistent_sessions": {"enabled": false, "failing": false}, "tenants_affected": 1}
                """, headers: Self.admin)
            #expect(evaluated.status == .ok)
            #expect((evaluated.json["decision"] as? [String: Any])?["severity"] as? String == "P1")
            #expect(evaluated.json["fallback"] as? Bool == false)

            let bad = try await client.post("/api/v1/policies/severity/evaluate", "[1,2]", headers: Self.admin)
            #expect(bad.status == .badRequest)
            #expect(try await client.post("/api/v1/policies/nope/evaluate", "{}", headers: Self.admin).status == .notFound)
            // evaluate has no side effects: its input is in no recorded decision (the app's own
            // incident monitor may record severity decisions of its own meanwhile).
            let decisions = try await client.get("/api/v1/policies/decisions?policy=severity", headers: Self.admin)
            let recorded = try #require(decisions.json["decisions"] as? [[String: Any]])
            #expect(!recorded.contains { (($0["input"] as? [String: Any])?["error_rate_per_hour"] as? Double) == 360 })
        }
    }

    @Test func reloadReportsARefusalAndRollbackRestores() async throws {
        try await withPolicyApp { client, dir in
            let path = dir.file("policies/cleanup.lua")
            let original = try String(contentsOfFile: path, encoding: .utf8)
            try (original + "\n-- v2\n").write(toFile: path, atomically: true, encoding: .utf8)
            let reloaded = try await client.post("/api/v1/policies/reload", "", headers: Self.admin)
            #expect(reloaded.status == .ok)
            let v2 = PolicySource.hash(of: original + "\n-- v2\n")

            try "function plan(s) return {idle_ttl = 'soon'} end".write(toFile: path, atomically: true, encoding: .utf8)
            let refused = try await client.post("/api/v1/policies/reload", "", headers: Self.admin)
            #expect(refused.status == .unprocessableContent, "a refused version is never a silent ok")
            #expect(refused.json["ok"] as? Bool == false)
            let status = try await client.get("/api/v1/policies", headers: Self.admin)
            let cleanup = (status.json["policies"] as? [[String: Any]])?.first { $0["name"] as? String == "cleanup" }
            #expect(cleanup?["state"] as? String == "failing")
            #expect(((cleanup?["active"] as? [String: Any])?["hash"] as? String) == v2)
            #expect(((cleanup?["last_failure"] as? [String: Any])?["stage"] as? String) == "contract")

            let versions = try await client.get("/api/v1/policies/cleanup/versions", headers: Self.admin)
            #expect((versions.json["versions"] as? [[String: Any]])?.count == 2)
            #expect((versions.json["versions"] as? [[String: Any]])?.allSatisfy { $0["tests"] as? String == "recorded" } == true)
            let rolledBack = try await client.post("/api/v1/policies/cleanup/rollback", "", headers: Self.admin)
            #expect(rolledBack.status == .ok)
            #expect(rolledBack.json["active_version"] as? String == PolicySource.hash(of: original))
            #expect(rolledBack.json["tests"] as? String == "restored", "the version's tests ran and were written back")
            #expect(try String(contentsOfFile: path, encoding: .utf8) == original)
            let unknown = try await client.post("/api/v1/policies/cleanup/rollback", #"{"version": "ffffff"}"#, headers: Self.admin)
            #expect(unknown.status == .notFound)
        }
    }
}
