import OracleCore
import Policies

/// The severity policy's input (declared with its contract in Policies) as a running server
/// fills it: from its operation statistics, the memory reading and the component statuses.
///
/// ```swift
/// let m = MonitoringSnapshot(traffic: traffic, memory: SystemMemory.read(), cacheBytes: cache.estimatedBytes,
///                            databaseStatus: "healthy", ai: .init(status: "healthy", requests: 12, failures: 0),
///                            persistentSessions: .init(enabled: true, failing: false))
/// let decision = await policies.classifySeverity(m)
/// ```
extension MonitoringSnapshot {
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

    /// The snapshot of a running server.
    /// - Parameters:
    ///   - cacheBytes: the session cache's estimate (``SessionCache/estimatedBytes``).
    ///   - cacheHitRatio: read only while persistent sessions are enabled.
    ///   - cacheLookups: the hits and misses behind the ratio.
    public init(traffic: Traffic, memory: SystemMemory?, cacheBytes: Int?, databaseStatus: String, ai: AI,
                persistentSessions: PersistentSessions, cacheHitRatio: (@Sendable () -> Double?)? = nil, cacheLookups: Int = 0) {
        self.init(
            reachable: true, requests: traffic.requests, errorRate: traffic.errorRate,
            errorRatePerHour: traffic.errorRatePerHour, avgResponseMs: traffic.avgResponseMs,
            p95ResponseMs: traffic.p95ResponseMs,
            cacheHitRatio: persistentSessions.enabled ? cacheHitRatio?() : nil,
            memory: PolicyMemory(memory, cacheBytes: cacheBytes),
            database: Component(status: databaseStatus), ai: ai,
            persistentSessions: persistentSessions, tenantsAffected: traffic.tenantsAffected,
            cacheLookups: persistentSessions.enabled ? cacheLookups : 0)
    }
}
