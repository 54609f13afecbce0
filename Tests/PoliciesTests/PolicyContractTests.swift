import Foundation
import LuaRuntime
@testable import Policies
import Testing

/// Each policy's contract is declared once, in Swift: the tables the policies receive, the results
/// the host accepts and the docs' field lists all come from that declaration.
@Suite struct PolicyContractTests {
    @Test(arguments: PolicyKind.allCases)
    func theDocsShowTheDeclaredContract(kind: PolicyKind) throws {
        let docs = try String(contentsOf: PolicyHostFixture.repositoryRoot.appendingPathComponent("docs/policies.md"), encoding: .utf8)
        #expect(docs.contains(kind.contractMarkdown), "regenerate with scripts/regen-docs.sh")
        #expect(FileManager.default.fileExists(atPath: PolicyHostFixture.repositoryRoot.appendingPathComponent(kind.contractFile).path))
    }

    // The tables below are what the policies and their tests were written against: a field
    // renamed, moved or turned from an integer into a float (`math.type`) breaks them.

    @Test func rolloutReceivesTheSessionAndItsSettings() {
        let input = RolloutInput(sessionID: "s-1", tenantID: "acme", settings: .init(usePersistentSessions: true, rolloutPercentage: 50))
        #expect(input.luaValue == [
            "session_id": "s-1", "tenant_id": "acme",
            "settings": ["use_persistent_sessions": true, "rollout_percentage": 50],
            "overrides": ["force_enabled_tenants": [], "force_disabled_tenants": []],
        ])
    }

    @Test func severityReceivesTheSnapshotWithoutTheReadingsItLacks() {
        var snapshot = PolicySamples.failingMetrics
        #expect(snapshot.luaValue == [
            "reachable": true, "requests": 100, "error_rate": 0.3, "error_rate_per_hour": 30.0,
            "avg_response_ms": 1200.0, "p95_response_ms": 3000.0, "cache_hit_ratio": 0.6,
            "memory": ["used_percent": 60.0, "process_rss_bytes": 188_743_680, "cache_bytes": 2_400_000],
            "database": ["status": "healthy"], "ai": ["status": "unavailable", "requests": 100, "failures": 30, "probe": "failed"],
            "persistent_sessions": ["enabled": true, "failing": false], "tenants_affected": 1, "cache_lookups": 400,
        ])
        snapshot.cacheHitRatio = nil
        snapshot.memory = .unknown
        #expect(snapshot.luaValue["cache_hit_ratio"] == nil, "absent, so the policy skips the criterion")
        #expect(snapshot.luaValue["memory"] == nil)
        snapshot.ai.probe = nil
        #expect(snapshot.luaValue["ai"]?["probe"] == nil, "no probe in the window: absent")
    }

    @Test func cleanupReceivesTheCacheAndTheNormalPlansSettings() {
        let input = CleanupInput(now: 1_718_093_553, active: 480, capacity: 500,
                                 memory: PolicyMemory(usedPercent: 71.5, processRSSBytes: 4096, cacheBytes: 11_520_000),
                                 emergencyRequested: true,
                                 settings: .init(timeout: 3600, batchSize: 50, emergencyThreshold: 0.95))
        #expect(input.luaValue == [
            "now": 1_718_093_553, "active": 480, "capacity": 500,
            "memory": ["used_percent": 71.5, "process_rss_bytes": 4096, "cache_bytes": 11_520_000],
            "emergency_requested": true,
            "settings": ["timeout": 3600, "batch_size": 50, "emergency_threshold": 0.95],
        ])
    }

    @Test func escalationReceivesTheIncidentItsMetricsAndWhatWasDone() {
        let input = EscalationInput(
            id: "INC-1", severity: "P1", status: "open", event: .tick, elapsedSeconds: 90, sinceNotifiedSeconds: 30,
            acknowledged: false, level: 1, reasons: ["error rate 30.0% > 25%"], metrics: PolicySamples.healthyMetrics,
            settings: .init(usePersistentSessions: true, rolloutPercentage: 80, maxPersistentSessions: 500,
                            persistentSessionTimeout: 3600, cleanupInterval: 300),
            actionsTaken: ["disable_persistent_sessions"])
        #expect(input.luaValue == [
            "id": "INC-1", "severity": "P1", "status": "open", "event": "tick", "elapsed_seconds": 90,
            "since_notified_seconds": 30, "acknowledged": false, "level": 1, "reasons": ["error rate 30.0% > 25%"],
            "metrics": PolicySamples.healthyMetrics.luaValue,
            "settings": ["use_persistent_sessions": true, "rollout_percentage": 80, "max_persistent_sessions": 500,
                         "persistent_session_timeout": 3600, "cleanup_interval": 300],
            "actions_taken": ["disable_persistent_sessions"], "source": "monitor", "resolution": "",
        ])
    }

    /// What the shipped policies return is all in the docs, and what the docs call required the
    /// host requires: without it the result breaks the contract, naming the field.
    @Test(arguments: PolicyKind.allCases)
    func theDocumentedResultFieldsAreTheOnesTheHostReads(kind: PolicyKind) async throws {
        let fixture = try await PolicyHostFixture()
        defer { fixture.remove() }
        let host = fixture.makeHost()
        await host.start()
        let documented = Set(kind.resultFields.map(\.path))
        for input in kind.sampleInputs {
            let result = await host.evaluateRaw(kind, input)
            #expect(!result.isFallback, "\(result.error ?? "")")
            let fields = try #require(result.output.tableValue)
            for (key, value) in fields {
                #expect(documented.contains(key), "\(kind.fileName) returns \(key), which docs/policies.md does not list")
                for item in value.arrayValue ?? [] where key == "notify" {
                    for nested in (item.tableValue ?? [:]).keys {
                        #expect(documented.contains("\(key)[].\(nested)"), "\(kind.fileName) returns \(key)[].\(nested)")
                    }
                }
            }
            for field in kind.resultFields where !field.path.contains("[]") && fields[field.path] != nil {
                let mayBeAbsent = ["optional", "absent", "list"].contains { field.type.contains($0) }
                let without = LuaValue.table(fields.filter { $0.key != field.path })
                if mayBeAbsent {
                    #expect(throws: Never.self, "\(kind.fileName): \(field.path)") { try kind.validate(without) }
                } else {
                    let error = #expect(throws: PolicyContractError.self) { try kind.validate(without) }
                    #expect(error?.field == field.path)
                }
            }
        }
    }
}
