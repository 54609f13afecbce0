import OracleCore

/// One monitoring window as the severity policy reads it: the input table `m` of
/// `policies/severity.lua`'s `classify(m)` (see docs/policies.md, "severity.lua").
///
/// Built from live readings by the monitoring endpoints and the incident monitor alike, so
/// both judge the same numbers. Encodes with the policy's snake_case field names.
///
/// ```swift
/// let m = MonitoringSnapshot(traffic: traffic, memory: SystemMemory.read(), databaseStatus: "healthy",
///                            aiStatus: "healthy", persistentSessions: .init(enabled: true, failing: false))
/// let decision = await policies.classifySeverity(m.luaValue)
/// ```
public struct MonitoringSnapshot: Sendable, Equatable, Codable {
    /// What the operations in the window did; the host fills it from its operation statistics.
    public struct Traffic: Sendable, Equatable {
        /// `send_message` operations in the window.
        public var requests: Int
        public var avgResponseMs: Double
        public var p95ResponseMs: Double
        /// Failed over all operations in the window, 0–1.
        public var errorRate: Double
        public var errorRatePerHour: Double
        public var tenantsAffected: Int

        public init(requests: Int = 0, avgResponseMs: Double = 0, p95ResponseMs: Double = 0, errorRate: Double = 0,
                    errorRatePerHour: Double = 0, tenantsAffected: Int = 0) {
            self.requests = requests
            self.avgResponseMs = avgResponseMs
            self.p95ResponseMs = p95ResponseMs
            self.errorRate = errorRate
            self.errorRatePerHour = errorRatePerHour
            self.tenantsAffected = tenantsAffected
        }
    }

    public struct Component: Sendable, Equatable, Codable {
        /// `healthy`, `degraded`, `unhealthy` (database); `healthy`, `degraded`, `unavailable`, `offline` (AI).
        public var status: String
        public init(status: String) { self.status = status }
    }

    public struct PersistentSessions: Sendable, Equatable, Codable {
        public var enabled: Bool
        public var failing: Bool
        public init(enabled: Bool, failing: Bool) {
            self.enabled = enabled
            self.failing = failing
        }
    }

    public var reachable: Bool
    public var requests: Int
    public var errorRate: Double
    public var errorRatePerHour: Double
    public var avgResponseMs: Double
    public var p95ResponseMs: Double
    /// Nil when the session cache saw no traffic; the policy then skips its criteria.
    public var cacheHitRatio: Double?
    /// Nil when memory could not be read.
    public var memoryUsagePercent: Double?
    public var database: Component
    public var ai: Component
    public var persistentSessions: PersistentSessions
    public var tenantsAffected: Int

    enum CodingKeys: String, CodingKey {
        case reachable, requests, database, ai
        case errorRate = "error_rate"
        case errorRatePerHour = "error_rate_per_hour"
        case avgResponseMs = "avg_response_ms"
        case p95ResponseMs = "p95_response_ms"
        case cacheHitRatio = "cache_hit_ratio"
        case memoryUsagePercent = "memory_usage_percent"
        case persistentSessions = "persistent_sessions"
        case tenantsAffected = "tenants_affected"
    }

    /// The snapshot of a running server.
    /// - Parameter cacheHitRatio: read only while persistent sessions are enabled.
    public init(traffic: Traffic, memory: SystemMemory?, databaseStatus: String, aiStatus: String,
                persistentSessions: PersistentSessions, cacheHitRatio: (@Sendable () -> Double?)? = nil) {
        reachable = true
        requests = traffic.requests
        errorRate = traffic.errorRate
        errorRatePerHour = traffic.errorRatePerHour
        avgResponseMs = traffic.avgResponseMs
        p95ResponseMs = traffic.p95ResponseMs
        self.cacheHitRatio = persistentSessions.enabled ? cacheHitRatio?() : nil
        memoryUsagePercent = memory.flatMap { $0.source == .unknown ? nil : $0.usagePercent }
        database = Component(status: databaseStatus)
        ai = Component(status: aiStatus)
        self.persistentSessions = persistentSessions
        tenantsAffected = traffic.tenantsAffected
    }

    /// What the monitor records when the server did not answer: only `reachable = false` holds.
    public static let unreachable = MonitoringSnapshot(
        reachable: false, requests: 0, errorRate: 0, errorRatePerHour: 0, avgResponseMs: 0, p95ResponseMs: 0,
        cacheHitRatio: nil, memoryUsagePercent: nil, database: Component(status: "unknown"),
        ai: Component(status: "unknown"), persistentSessions: PersistentSessions(enabled: false, failing: false),
        tenantsAffected: 0)

    init(reachable: Bool, requests: Int, errorRate: Double, errorRatePerHour: Double, avgResponseMs: Double,
         p95ResponseMs: Double, cacheHitRatio: Double?, memoryUsagePercent: Double?, database: Component, ai: Component,
         persistentSessions: PersistentSessions, tenantsAffected: Int) {
        self.reachable = reachable
        self.requests = requests
        self.errorRate = errorRate
        self.errorRatePerHour = errorRatePerHour
        self.avgResponseMs = avgResponseMs
        self.p95ResponseMs = p95ResponseMs
        self.cacheHitRatio = cacheHitRatio
        self.memoryUsagePercent = memoryUsagePercent
        self.database = database
        self.ai = ai
        self.persistentSessions = persistentSessions
        self.tenantsAffected = tenantsAffected
    }
}
