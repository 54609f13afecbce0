import Foundation
import Hummingbird
import Operations
import OracleCore
import Policies
import Sessions

/// `GET /api/v1/monitoring/health/detailed` and `GET /api/v1/monitoring/sessions/analytics`,
/// with the fields seed 000's `incident_detection.sh` reads (`errors.error_rate_per_hour`,
/// `system.memory_usage_percent` (= `system.memory.used_percent`), `database.status`,
/// `operation_performance.send_message.avg_duration_ms`). Numbers are never null: no traffic
/// reads as zeros. Open like `/health`: counts and states only.
struct MonitoringRoutes {
    let state: ServerState

    func register(on router: Router<OracleRequestContext>) {
        router.get("api/v1/monitoring/health/detailed") { _, _ in try await detailed() }
        router.get("api/v1/monitoring/sessions/analytics") { _, _ in try analytics() }
    }

    struct DetailedBody: Encodable {
        var status: String
        var timestamp: Date
        var version: String
        var windowSeconds: Int
        var errors: Errors
        var system: System
        var database: HealthReport.Database
        var ai: HealthReport.AI
        var policies: PolicyStates
        var persistentSessions: String
        var connections: Connections
        /// Exactly what `severity.lua` classifies (docs/policies.md).
        var severityInput: MonitoringSnapshot
    }

    /// Client connections: open now, idle among them, and the limit (`MAX_CONNECTIONS` as applied).
    struct Connections: Encodable {
        var open: Int
        var idle: Int
        var limit: Int
    }

    struct Errors: Encodable {
        var errorRatePerHour: Double
        /// Failed over all operations in the window, 0–1.
        var errorRate: Double
        var failedOperations: Int
        var totalOperations: Int
        var tenantsAffected: Int
    }

    struct System: Encodable {
        var memory: Memory
        /// `memory.used_percent` again (0 when unreadable), under the name the seed's
        /// incident-detection script reads.
        var memoryUsagePercent: Double
        var cpuCount: Int
        var uptimeSeconds: Int
    }

    /// The policies' `memory` table (``PolicyMemory``: the same names, the same readings) and
    /// the bytes behind `used_percent`.
    struct Memory: Encodable {
        var usedPercent: Double?
        var processRssBytes: Int?
        var cacheBytes: Int?
        var usedBytes: UInt64
        var limitBytes: UInt64
        /// `cgroup`, `host` or `unknown`: what `used_percent` is measured against.
        var source: String

        init(_ memory: PolicyMemory, reading: SystemMemory) {
            usedPercent = memory.usedPercent
            processRssBytes = memory.processRSSBytes
            cacheBytes = memory.cacheBytes
            usedBytes = reading.usedBytes
            limitBytes = reading.limitBytes
            source = reading.source.rawValue
        }
    }

    struct PolicyStates: Encodable {
        /// `ok`, `degraded`, or `disabled` when the server runs without policies.
        var state: String
        var policies: [PolicyStatus]
    }

    struct AnalyticsBody: Encodable {
        var timestamp: Date
        var windowSeconds: Int
        var totalOperations: Int
        var failedOperations: Int
        var errorRate: Double
        var operationPerformance: [String: OperationStats.Snapshot.Summary]
    }

    func detailed() async throws -> Response {
        let readings = await MonitoringReport.take(state.health)
        let operations = readings.operations
        let memory = readings.memory
        let snapshot = readings.snapshot
        return try JSONResponse.make(DetailedBody(
            status: readings.status, timestamp: Date(), version: OracleVersion.current,
            windowSeconds: operations.windowSeconds,
            errors: Errors(errorRatePerHour: operations.errorRatePerHour, errorRate: Self.rounded(operations.errorRate),
                           failedOperations: operations.failedOperations, totalOperations: operations.totalOperations,
                           tenantsAffected: operations.tenantsAffected),
            system: System(memory: Memory(snapshot.memory, reading: memory), memoryUsagePercent: memory.usagePercent,
                           cpuCount: ProcessInfo.processInfo.activeProcessorCount,
                           uptimeSeconds: Int(Date().timeIntervalSince(state.startedAt))),
            database: readings.database, ai: readings.ai,
            policies: PolicyStates(state: state.policies?.overallState ?? "disabled", policies: state.policies?.status() ?? []),
            persistentSessions: readings.persistentSessionsEnabled ? "enabled" : "disabled",
            connections: Connections(open: state.connections.openConnections, idle: state.connections.idleConnections,
                                     limit: state.connections.limit),
            severityInput: snapshot))
    }

    func analytics() throws -> Response {
        let operations = state.operationStats.snapshot()
        var performance: [String: OperationStats.Snapshot.Summary] = [:]
        for operation in OperationStats.Operation.allCases { performance[operation.rawValue] = operations[operation] }
        return try JSONResponse.make(AnalyticsBody(
            timestamp: Date(), windowSeconds: operations.windowSeconds, totalOperations: operations.totalOperations,
            failedOperations: operations.failedOperations, errorRate: Self.rounded(operations.errorRate),
            operationPerformance: performance))
    }

    static func rounded(_ fraction: Double) -> Double {
        (fraction * 10_000).rounded() / 10_000
    }
}
