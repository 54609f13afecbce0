import Foundation
import Operations
import OracleCore
import Storage
import Testing
import TestSupport

@Suite struct DiagnosticsCollectorTests {
    @Test func secretsAreRedactedFromEveryPartEvenWhenAServerLeaksThem() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let secrets = ["GEMINI_API_KEY": "gemini-secret-1111", "ADMIN_API_KEY": "admin-secret-2222",
                       "CHAT_API_KEYS": "chat-secret-3333-abcdef:tenant-a"]
        let config = try await TestConfig.make(secrets, in: dir)
        let store = try SQLiteStore(location: config.database)
        try await store.migrate()
        // Operational history, one row carrying a secret an operator pasted into a reason.
        try await store.recordActivation(policy: "rollout", hash: "abc123def4567890", source: "return {}", origin: "file")
        _ = try await store.setOverride(StoredOverride(name: "GRADUAL_ROLLOUT_PERCENTAGE", value: "10",
                                                       reason: "canary\nafter rotating admin-secret-2222", actor: "admin", setAt: Date()))
        try store.close()
        // A health endpoint that (wrongly) echoes a key must still not leak it.
        let collector = DiagnosticsCollector(values: config.resolved, database: config.database) { path in
            .success("{\"path\":\"\(path)\",\"oops\":\"gemini-secret-1111 chat-secret-3333-abcdef\"}")
        }
        let parts = await collector.collect()
        let archive = try await DiagnosticsArchive.write(parts, to: dir.file("out/diagnostics"))
        #expect(archive.isDirectory)
        let names = try FileManager.default.contentsOfDirectory(atPath: archive.path).sorted()
        #expect(names == ["config.txt", "db_check.txt", "health.json", "health_ai.json", "health_database.json",
                          "incident_events.txt", "incidents.txt", "metrics.txt", "notifications.txt", "override_audit.txt",
                          "overrides.txt", "policy_decisions.txt", "policy_versions.txt", "server.txt", "summary.txt", "versions.txt"])
        for name in names {
            let text = try String(contentsOfFile: archive.path + "/" + name, encoding: .utf8)
            for secret in ["gemini-secret-1111", "admin-secret-2222", "chat-secret-3333-abcdef"] {
                #expect(!text.contains(secret), "\(name) leaks \(secret)")
            }
        }
        let summary = try String(contentsOfFile: archive.path + "/summary.txt", encoding: .utf8)
        #expect(summary.contains("logs.txt: recent log lines: logs go to stderr"))
        #expect(!summary.contains("policy_versions.txt: policy versions (activations and rollbacks):"), "history listed as unavailable")
        let overrides = try String(contentsOfFile: archive.path + "/overrides.txt", encoding: .utf8)
        #expect(overrides.contains("name=GRADUAL_ROLLOUT_PERCENTAGE\tvalue=10\tactor=admin"))
        #expect(overrides.contains("reason=canary\\nafter rotating [redacted]"))
        let versions = try String(contentsOfFile: archive.path + "/policy_versions.txt", encoding: .utf8)
        #expect(versions.contains("policy=rollout\thash=abc123def4567890\torigin=file"))
        let incidents = try String(contentsOfFile: archive.path + "/incidents.txt", encoding: .utf8)
        #expect(incidents.hasPrefix("# incidents and escalations: 0 of 0 rows"))
        let check = try String(contentsOfFile: archive.path + "/db_check.txt", encoding: .utf8)
        #expect(check.contains("integrity: ok"))
    }
}
