import Foundation
import Operations
import OracleCore
import Policies
import Sessions

/// The live readings behind `/api/v1/monitoring/*` and the incident monitor's snapshot, taken
/// together so one answer never mixes two moments.
struct MonitoringReadings: Sendable {
    /// Recoveries in the window before "all of them failed" means persistent sessions are failing.
    static let failingRecoveryMinimum = 5
    /// Cache lookups before the hit ratio means anything: one miss at startup is a 0 % ratio,
    /// which would page someone for a P2.
    static let cacheLookupMinimum = 20

    var operations: OperationStats.Snapshot
    var memory: SystemMemory
    var database: HealthRoutes.DatabaseBody
    var ai: HealthRoutes.AIBody
    var persistentSessionsEnabled: Bool
    /// Nil before the session cache's first ``cacheLookupMinimum`` hits and misses.
    var cacheHitRatio: Double?

    static func take(_ state: ServerState) async -> MonitoringReadings {
        let health = HealthRoutes(state: state)
        let cache = state.sessionCache.stats
        return MonitoringReadings(
            operations: state.operationStats.snapshot(),
            memory: SystemMemory.read(),
            database: await health.databaseBody(),
            ai: health.aiBody(),
            persistentSessionsEnabled: state.live.snapshot.sessions.isEnabled,
            cacheHitRatio: cache.hits + cache.misses < cacheLookupMinimum ? nil : cache.hitRatio)
    }

    /// `healthy`, `degraded` or `unhealthy`, by `/health`'s rule.
    var status: String { HealthRoutes.status(database: database.status, ai: ai.status) }

    /// Persistent sessions count as failing when every recovery in the window failed, and
    /// there were enough of them to say so.
    var persistentSessionsFailing: Bool {
        let recoveries = operations[.recoverSession]
        return persistentSessionsEnabled && recoveries.count >= Self.failingRecoveryMinimum
            && recoveries.failures == recoveries.count
    }

    var snapshot: MonitoringSnapshot {
        let send = operations[.sendMessage]
        let ratio = cacheHitRatio.map { ($0 * 10_000).rounded() / 10_000 }
        return MonitoringSnapshot(
            traffic: .init(requests: send.count, avgResponseMs: send.avgDurationMs, p95ResponseMs: send.p95DurationMs,
                           errorRate: operations.errorRate, errorRatePerHour: operations.errorRatePerHour,
                           tenantsAffected: operations.tenantsAffected),
            memory: memory, databaseStatus: database.status, aiStatus: ai.status,
            persistentSessions: .init(enabled: persistentSessionsEnabled, failing: persistentSessionsFailing),
            cacheHitRatio: { ratio })
    }
}

extension ServerState {
    /// The severity policy's input for this moment, for the incident monitor:
    ///
    /// ```swift
    /// IncidentMonitor(..., snapshot: { await state.monitoringSnapshot() })
    /// ```
    public func monitoringSnapshot() async -> MonitoringSnapshot {
        await MonitoringReadings.take(self).snapshot
    }
}
