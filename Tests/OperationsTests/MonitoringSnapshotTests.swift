import Foundation
import OracleCore
@testable import Operations
import Policies
import Testing

@Suite struct MonitoringSnapshotTests {
    let traffic = MonitoringSnapshot.Traffic(requests: 412, avgResponseMs: 2350, p95ResponseMs: 8800, errorRate: 0.31,
                                             errorRatePerHour: 510, tenantsAffected: 7)

    @Test func encodesWithTheSeverityPolicysFieldNames() throws {
        let memory = SystemMemory(usedBytes: 962, limitBytes: 1000, source: .cgroup, processResidentBytes: 5000)
        let snapshot = MonitoringSnapshot(traffic: traffic, memory: memory, cacheBytes: 1234, databaseStatus: "healthy",
                                          ai: .init(status: "degraded", requests: 3, failures: 1, probe: "failed"),
                                          persistentSessions: .init(enabled: true, failing: false), cacheHitRatio: { 0.64 })
        let json = try #require(JSONSerialization.jsonObject(with: JSONEncoder().encode(snapshot)) as? [String: Any])
        #expect(Set(json.keys) == ["reachable", "requests", "error_rate", "error_rate_per_hour", "avg_response_ms",
                                   "p95_response_ms", "cache_hit_ratio", "memory", "database", "ai",
                                   "persistent_sessions", "tenants_affected", "cache_lookups"])
        // Three readings, three names: the cgroup's use (not the process's), the process's RSS, the cache's bytes.
        let memoryTable = try #require(json["memory"] as? [String: Any])
        #expect(memoryTable["used_percent"] as? Double == 96.2)
        #expect(memoryTable["process_rss_bytes"] as? Int == 5000)
        #expect(memoryTable["cache_bytes"] as? Int == 1234)
        #expect((json["database"] as? [String: Any])?["status"] as? String == "healthy")
        #expect((json["persistent_sessions"] as? [String: Any])?["enabled"] as? Bool == true)
        // The AI status travels with the counts it stands on, so severity.lua can ask for enough of them.
        let ai = try #require(json["ai"] as? [String: Any])
        #expect(ai["status"] as? String == "degraded")
        #expect(ai["requests"] as? Int == 3)
        #expect(ai["failures"] as? Int == 1)
        #expect(ai["probe"] as? String == "failed")
    }

    @Test func cacheHitRatioIsAbsentWhileSessionsAreOffOrUnread() throws {
        let off = MonitoringSnapshot(traffic: traffic, memory: nil, cacheBytes: nil, databaseStatus: "healthy", ai: .init(status: "healthy"),
                                     persistentSessions: .init(enabled: false, failing: false), cacheHitRatio: { 0.1 })
        #expect(off.cacheHitRatio == nil)
        #expect(off.memory.usedPercent == nil)
        let json = try #require(JSONSerialization.jsonObject(with: JSONEncoder().encode(off)) as? [String: Any])
        #expect(json["cache_hit_ratio"] == nil)
        #expect((json["ai"] as? [String: Any])?["probe"] == nil, "no probe in the window: absent, not a string")
        #expect(MonitoringSnapshot.unreachable.reachable == false)
    }
}
