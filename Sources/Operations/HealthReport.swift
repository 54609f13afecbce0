import Foundation
import LLM
import OracleCore
import Policies
import Sessions
import Storage

/// What the service is made of, for the health and monitoring reports: the `/health*` and
/// `/api/v1/monitoring/*` routes and the incident monitor read the same things through it.
public struct HealthSources: Sendable {
    public let store: SQLiteStore
    public let integrity: IntegrityStatus
    public let chat: ChatService

    public init(store: SQLiteStore, integrity: IntegrityStatus, chat: ChatService) {
        self.store = store
        self.integrity = integrity
        self.chat = chat
    }
}

/// The database's and the AI provider's health, and the overall status they make: one owner
/// for `/health`, `/health/ready`, `/health/database`, `/health/ai`, the monitoring detail and
/// the severity policy's input.
public enum HealthReport {
    /// `/health/database`: the quick live query plus the cached result of the last integrity check.
    public struct Database: Encodable, Sendable {
        public var status: String
        public var latencyMs: Double
        public var schemaVersion: String?
        public var error: String?
        public var integrity: IntegrityStatus.Snapshot
    }

    /// ``AIHealth`` (breaker state, redacted last error, counters) plus a note for the offline provider.
    public struct AI: Encodable, Sendable {
        /// The default model's provider: what sessions use.
        public var health: AIHealth
        public var note: String?
        /// Every catalogue provider, by name, each with its own breaker and health.
        public var providers: [AIHealth]?
        public var status: String { health.status.rawValue }

        enum ExtraKey: String, CodingKey { case note, providers }

        public func encode(to encoder: any Encoder) throws {
            try health.encode(to: encoder)
            var container = encoder.container(keyedBy: ExtraKey.self)
            try container.encodeIfPresent(note, forKey: .note)
            try container.encodeIfPresent(providers, forKey: .providers)
        }
    }

    /// Corruption found by the last integrity check makes the database unhealthy even while it answers.
    public static func database(_ sources: HealthSources) async -> Database {
        let health = await sources.store.health()
        let integrity = sources.integrity.snapshot
        let corrupted = integrity.status == "failed"
        return Database(
            status: corrupted ? "unhealthy" : health.status, latencyMs: health.latencyMs, schemaVersion: health.schemaVersion,
            error: health.error ?? (corrupted ? "integrity check failed: run oracle-chat db check" : nil),
            integrity: integrity)
    }

    /// The server runs a ``ModelRouter`` whose providers keep their health; a bare provider (tests) has none to show.
    public static func ai(_ provider: any LLMProvider) -> AI {
        let descriptor = provider.descriptor
        let router = provider as? ModelRouter
        let health = router?.health() ?? ModelRouter.health(of: provider)
        return AI(
            health: health,
            note: descriptor.isOffline
                ? "embedded offline provider: replies are not from a language model; configure LLM_PROVIDER or MODELS_FILE for real answers"
                : nil,
            providers: router?.providerHealth())
    }

    /// The overall status: a database that does not answer is unhealthy; an AI provider behind
    /// an open breaker only degrades.
    public static func status(database: String, ai: String) -> String {
        database == "healthy" ? (ai == "unavailable" ? "degraded" : "healthy") : "unhealthy"
    }
}

/// The live readings behind `/api/v1/monitoring/*` and the incident monitor's snapshot, taken
/// together so one answer never mixes two moments.
public struct MonitoringReport: Sendable {
    /// Recoveries in the window before "all of them failed" means persistent sessions are failing.
    static let failingRecoveryMinimum = 5

    public var operations: OperationStats.Snapshot
    public var memory: SystemMemory
    public var database: HealthReport.Database
    public var ai: HealthReport.AI
    public var persistentSessionsEnabled: Bool
    /// Nil before the session cache's first hit or miss.
    public var cacheHitRatio: Double?
    /// The hits and misses behind it: severity.lua decides how many are enough.
    public var cacheLookups: Int
    /// The session cache's estimate of the bytes it holds.
    public var cacheBytes: Int

    public static func take(_ sources: HealthSources) async -> MonitoringReport {
        let cache = sources.chat.cache.stats
        return MonitoringReport(
            operations: sources.chat.operations.snapshot(),
            memory: SystemMemory.read(),
            database: await HealthReport.database(sources),
            ai: HealthReport.ai(sources.chat.provider),
            persistentSessionsEnabled: sources.chat.live.snapshot.sessions.isEnabled,
            cacheHitRatio: cache.hits + cache.misses == 0 ? nil : cache.hitRatio, cacheLookups: cache.hits + cache.misses,
            cacheBytes: sources.chat.cache.estimatedBytes)
    }

    /// `healthy`, `degraded` or `unhealthy`, by `/health`'s rule.
    public var status: String { HealthReport.status(database: database.status, ai: ai.status) }

    /// Persistent sessions count as failing when every recovery in the window failed, and
    /// there were enough of them to say so.
    public var persistentSessionsFailing: Bool {
        let recoveries = operations[.recoverSession]
        return persistentSessionsEnabled && recoveries.count >= Self.failingRecoveryMinimum
            && recoveries.failures == recoveries.count
    }

    /// The severity policy's input for this moment.
    public var snapshot: MonitoringSnapshot {
        let send = operations[.sendMessage]
        let ratio = cacheHitRatio.map { ($0 * 10_000).rounded() / 10_000 }
        return MonitoringSnapshot(
            traffic: .init(requests: send.count, avgResponseMs: send.avgDurationMs, p95ResponseMs: send.p95DurationMs,
                           errorRate: operations.errorRate, errorRatePerHour: operations.errorRatePerHour,
                           tenantsAffected: operations.tenantsAffected),
            memory: memory, cacheBytes: cacheBytes, databaseStatus: database.status,
            ai: .init(status: ai.status, requests: ai.health.window.requests, failures: ai.health.window.failures,
                      probe: ai.health.window.probe),
            persistentSessions: .init(enabled: persistentSessionsEnabled, failing: persistentSessionsFailing),
            cacheHitRatio: { ratio }, cacheLookups: cacheLookups)
    }
}
