/// The cache's counters since start, for `GET /api/v1/monitoring/health/sessions`.
public struct SessionCacheStats: Sendable, Equatable {
    public var active: Int
    public var capacity: Int
    /// The cache's estimate of the bytes it holds (``SessionCache/estimatedBytes``), and its bound
    /// (`SESSION_CACHE_MAX_BYTES`).
    public var bytes: Int = 0
    public var capacityBytes: Int = 0
    public var hits: Int
    public var misses: Int
    public var recoveries: Int
    public var recoveryFailures: Int
    public var recoveryTimeouts: Int
    /// Messages of sessions outside the rollout, served from SQLite.
    public var statelessMessages: Int
    public var evictions: [EvictionReason: Int]
    /// Recovered sessions not cached because they were used less often lately than the session
    /// they would have displaced (their messages were answered all the same).
    public var declined: Int = 0
    /// Contexts not cached because each alone was larger than `SESSION_CACHE_MAX_BYTES`.
    public var tooLarge: Int = 0

    /// hits / (hits + misses); 0 before the first persistent-session message.
    public var hitRatio: Double {
        hits + misses == 0 ? 0 : Double(hits) / Double(hits + misses)
    }

    static let zero = SessionCacheStats(active: 0, capacity: 0, hits: 0, misses: 0, recoveries: 0, recoveryFailures: 0,
                                        recoveryTimeouts: 0, statelessMessages: 0, evictions: [:])
}
