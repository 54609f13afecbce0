import Foundation
import Hummingbird
import Sessions

/// `GET /api/v1/monitoring/health/sessions`: the session cache as the seeds' scripts read it
/// (`session_management.active_sessions`, `session_management.cache_performance.cache_hit_ratio`).
/// Open like `/health`: it shows counts, never session contents.
struct SessionMonitoringRoutes {
    let state: ServerState

    func register(on router: Router<OracleRequestContext>) {
        router.get("api/v1/monitoring/health/sessions") { _, _ in try sessions() }
    }

    struct Body: Encodable {
        var status: String
        var sessionManagement: Management
    }

    struct Management: Encodable {
        var activeSessions: Int
        var capacity: Int
        /// The cache's estimate of the bytes it holds, and its bound (`SESSION_CACHE_MAX_BYTES`).
        var cacheBytes: Int
        var capacityBytes: Int
        var persistentSessions: String
        var rolloutPercentage: Int
        var settingsVersion: Int
        var cachePerformance: Performance
        var recovery: Recovery
        var evictions: Evictions
        var statelessMessages: Int
    }

    struct Performance: Encodable {
        var cacheHitRatio: Double
        var hits: Int
        var misses: Int
        /// Recovered sessions not cached: used less often than the session they would displace.
        var declined: Int
        /// Contexts not cached: each alone larger than `SESSION_CACHE_MAX_BYTES`.
        var tooLarge: Int
    }

    struct Recovery: Encodable {
        var enabled: Bool
        var recoveries: Int
        var recoveryFailures: Int
        var recoveryTimeouts: Int
    }

    struct Evictions: Encodable {
        var ttl: Int
        var lru: Int
        var emergency: Int
        var manual: Int
        var invalidated: Int
        var total: Int
    }

    func sessions() throws -> Response {
        let snapshot = state.live.snapshot
        let stats = state.sessionCache.stats
        let evictions = stats.evictions
        let enabled = snapshot.sessions.isEnabled
        return try JSONResponse.make(Body(
            status: enabled ? "enabled" : "disabled",
            sessionManagement: Management(
                activeSessions: stats.active, capacity: stats.capacity,
                cacheBytes: stats.bytes, capacityBytes: stats.capacityBytes,
                persistentSessions: enabled ? "enabled" : "disabled",
                rolloutPercentage: snapshot.sessions.rolloutPercentage, settingsVersion: snapshot.version,
                cachePerformance: Performance(cacheHitRatio: (stats.hitRatio * 10_000).rounded() / 10_000,
                                              hits: stats.hits, misses: stats.misses,
                                              declined: stats.declined, tooLarge: stats.tooLarge),
                recovery: Recovery(enabled: snapshot.sessions.enableRecovery, recoveries: stats.recoveries,
                                   recoveryFailures: stats.recoveryFailures, recoveryTimeouts: stats.recoveryTimeouts),
                evictions: Evictions(
                    ttl: evictions[.ttl] ?? 0, lru: evictions[.lru] ?? 0, emergency: evictions[.emergency] ?? 0,
                    manual: evictions[.manual] ?? 0, invalidated: evictions[.invalidated] ?? 0,
                    total: evictions.values.reduce(0, +)),
                statelessMessages: stats.statelessMessages)))
    }
}
