import Metrics

/// Why a session left the cache.
public enum EvictionReason: String, Sendable, CaseIterable, Codable {
    /// Idle longer than the cleanup plan's `idle_ttl`.
    case ttl
    /// Beyond `MAX_PERSISTENT_SESSIONS` or `SESSION_CACHE_MAX_BYTES`, least recently used first.
    case lru
    /// An emergency cleanup pass (plan `emergency`, or `POST /api/v1/sessions/cleanup/emergency`).
    case emergency
    /// An operator action: persistent sessions switched off, `FORCE_CLEANUP_ON_STARTUP`.
    case manual
    /// Its cached context could no longer be trusted: a write failed, a stream was cut short,
    /// or the session left the rollout.
    case invalidated
}

/// How a recovery from SQLite ended.
public enum RecoveryOutcome: String, Sendable, CaseIterable {
    case success, failure, timeout
}

/// Why a context was not cached.
public enum NotAdmittedReason: String, Sendable, CaseIterable {
    /// Its session was used less often lately than the one it would have displaced.
    case frequency
    /// It alone was larger than `SESSION_CACHE_MAX_BYTES`.
    case tooLarge = "too_large"
}

/// The cache's swift-metrics objects, created once with bounded dimensions.
struct SessionCacheMetrics: Sendable {
    let hits = Counter(label: "session_cache_hits_total")
    let misses = Counter(label: "session_cache_misses_total")
    let recoveries: [RecoveryOutcome: Counter] = Dictionary(uniqueKeysWithValues: RecoveryOutcome.allCases.map {
        ($0, Counter(label: "session_cache_recoveries_total", dimensions: [("outcome", $0.rawValue)]))
    })
    let evictions: [EvictionReason: Counter] = Dictionary(uniqueKeysWithValues: EvictionReason.allCases.map {
        ($0, Counter(label: "session_cache_evictions_total", dimensions: [("reason", $0.rawValue)]))
    })
    let notAdmitted: [NotAdmittedReason: Counter] = Dictionary(uniqueKeysWithValues: NotAdmittedReason.allCases.map {
        ($0, Counter(label: "session_cache_not_admitted_total", dimensions: [("reason", $0.rawValue)]))
    })
    let active = Gauge(label: "session_cache_active")
}
