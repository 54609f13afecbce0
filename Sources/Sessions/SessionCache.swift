import Foundation
import LLM
import Logging
import OracleCore
import Storage
import Synchronization

/// The persistent-session cache: per session, the conversation context ready to send upstream,
/// so a message to a cached session reads nothing from the database.
///
/// Which sessions use it is `rollout.lua`'s call (``RolloutGate``). A miss for such a session
/// recovers its context from SQLite (``recover(sessionID:tenant:limits:)``); a cached context is
/// only updated after the exchange is stored, so eviction never loses anything. Bounded by
/// `MAX_PERSISTENT_SESSIONS` and `SESSION_CACHE_MAX_BYTES` at once (least recently used go first,
/// whichever bound is crossed), admitting a recovered session only when it is used more often
/// than the one it would displace (``SessionCacheCore``), and cleaned by ``SessionCleanupService``.
///
/// ```swift
/// let chat = ChatService(store: store, provider: provider, systemPrompt: "", live: live, policies: host)
/// chat.cache.count
/// print(cache.stats.hitRatio)
/// ```
public final class SessionCache: Sendable {
    public let live: LiveSettings
    public let rollout: RolloutGate
    /// Serialises the messages of each session (both paths, streams until they end).
    /// The chat service's per-session locks: recovery and warming take them too, so they never
    /// race a message.
    let locks: SessionLocks
    let store: any ChatStore
    let logger: Logger
    /// Monotonic seconds; injectable so tests can age entries.
    let clock: @Sendable () -> Double
    let metrics = SessionCacheMetrics()
    private let state = Mutex(State())

    private struct State {
        var core = SessionCacheCore()
        var stats = SessionCacheStats.zero
    }

    /// Built by ``ChatService``, which owns the settings, the rollout gate and the locks it shares.
    init(live: LiveSettings, rollout: RolloutGate, locks: SessionLocks, store: any ChatStore,
         logger: Logger = Logger(label: "oracle.sessions"), clock: @escaping @Sendable () -> Double = SessionCache.uptime) {
        self.live = live
        self.rollout = rollout
        self.locks = locks
        self.store = store
        self.logger = logger
        self.clock = clock
        live.onChange { [weak self] snapshot in self?.settingsChanged(snapshot.sessions) }
    }

    /// Seconds on the monotonic clock.
    public static let uptime: @Sendable () -> Double = {
        (ContinuousClock.now - origin).seconds
    }
    private static let origin = ContinuousClock.now

    public var count: Int { state.withLock { $0.core.count } }

    /// An estimate of the bytes the cached contexts hold (their text plus a fixed allowance per
    /// turn and session); kept as a running total, so reading it is as cheap as ``count``.
    public var estimatedBytes: Int { state.withLock { $0.core.estimatedBytes } }

    public func contains(_ sessionID: String) -> Bool { state.withLock { $0.core.contains(sessionID) } }

    /// The cached history turns of a session, without counting or touching it (tests, diagnostics).
    public func cachedTurns(_ sessionID: String) -> [ChatTurn]? {
        state.withLock { $0.core.peek(sessionID) }
    }

    public var stats: SessionCacheStats {
        let settings = live.sessions
        return state.withLock { state in
            var stats = state.stats
            stats.active = state.core.count
            stats.capacity = settings.maxSessions
            stats.bytes = state.core.estimatedBytes
            stats.capacityBytes = settings.maxCacheBytes
            return stats
        }
    }

    /// The admission sketch's estimate of a session's lookups lately (tests, diagnostics).
    public func frequency(_ sessionID: String) -> Int { state.withLock { $0.core.frequency(sessionID) } }

    /// The cached history turns (counted as a hit), or nil (not counted yet: the caller counts a
    /// miss with ``countMiss()`` once it knows the session had history to miss — a new session's
    /// first message is no miss, and counting it would page for a low hit ratio at low traffic).
    /// A hit also proves the session exists for `tenant` (entries go when sessions are deleted).
    func lookup(_ sessionID: String, tenant: String, limits: ContextLimits) -> [ChatTurn]? {
        let now = clock()
        let capacity = live.sessions.maxSessions
        let turns = state.withLock { state -> [ChatTurn]? in
            let turns = state.core.lookup(sessionID, tenant: tenant, limits: limits, now: now, capacity: capacity)
            if turns != nil { state.stats.hits += 1 }
            return turns
        }
        if turns != nil { metrics.hits.increment() }
        return turns
    }

    /// A lookup that found nothing for a session with history.
    func countMiss() {
        state.withLock { $0.stats.misses += 1 }
        metrics.misses.increment()
    }

    /// Stores a session's turns after its exchange was stored; beyond either bound the least
    /// recently used sessions are evicted. A session not cached yet gets in only while there is
    /// room or when it is used more often than the session it would displace, unless it is
    /// `new` (a new session's first exchange, always admitted); a context larger than
    /// `SESSION_CACHE_MAX_BYTES` alone is never cached. Returns whether the turns are cached now.
    @discardableResult
    public func commit(_ sessionID: String, tenant: String, turns: [ChatTurn], limits: ContextLimits, new: Bool = false) -> Bool {
        let now = clock()
        let settings = live.sessions
        // Switched off while this exchange ran: keep nothing.
        guard settings.usePersistentSessions else { return false }
        let bounds = SessionCacheCore.Bounds(entries: settings.maxSessions, bytes: settings.maxCacheBytes)
        let outcome = state.withLock { state -> SessionCacheCore.StoreOutcome in
            let outcome = state.core.store(sessionID, tenant: tenant, turns: turns, limits: limits, now: now,
                                           insertion: new ? .always : .ifMoreFrequent, bounds: bounds)
            switch outcome.result {
            case .stored: break
            case .declined: state.stats.declined += 1
            case .tooLarge: state.stats.tooLarge += 1
            }
            return outcome
        }
        switch outcome.result {
        case .stored: break
        case .declined: metrics.notAdmitted[.frequency]?.increment()
        case .tooLarge: metrics.notAdmitted[.tooLarge]?.increment()
        }
        recordEvictions(outcome.evicted, .lru)
        return outcome.result == .stored
    }

    func countStateless() {
        state.withLock { $0.stats.statelessMessages += 1 }
    }

    /// Drops one session's entry; true when it was cached.
    @discardableResult
    public func invalidate(_ sessionID: String, reason: EvictionReason = .invalidated) -> Bool {
        let removed = state.withLock { $0.core.remove(sessionID) }
        if removed { recordEvictions(1, reason) }
        return removed
    }

    /// Empties the cache; returns how many sessions were evicted.
    @discardableResult
    public func removeAll(reason: EvictionReason) -> Int {
        let evicted = state.withLock { $0.core.removeAll() }
        recordEvictions(evicted, reason)
        return evicted
    }

    /// Evicts sessions idle longer than `ttl` seconds, idle-longest first, at most `limit`.
    func evictIdle(longerThan ttl: Int, limit: Int, reason: EvictionReason) -> Int {
        let now = clock()
        let evicted = state.withLock { $0.core.evictIdle(longerThan: Double(ttl), now: now, limit: max(0, limit)) }
        recordEvictions(evicted, reason)
        return evicted
    }

    func recordEvictions(_ count: Int, _ reason: EvictionReason) {
        let active = state.withLock { state -> Int in
            if count > 0 { state.stats.evictions[reason, default: 0] += count }
            return state.core.count
        }
        if count > 0 { metrics.evictions[reason]?.increment(by: count) }
        metrics.active.record(active)
    }

    func recordRecovery(_ outcome: RecoveryOutcome) {
        state.withLock { state in
            switch outcome {
            case .success: state.stats.recoveries += 1
            case .failure: state.stats.recoveryFailures += 1
            case .timeout: state.stats.recoveryFailures += 1; state.stats.recoveryTimeouts += 1
            }
        }
        metrics.recoveries[outcome]?.increment()
    }

    /// Switched off → the cache is emptied at once; a lower capacity or byte bound applies at once.
    private func settingsChanged(_ settings: OracleConfig.SessionSettings) {
        // The master switch beats every rollout rule, so nothing cached can be used any more.
        if !settings.usePersistentSessions {
            let evicted = removeAll(reason: .manual)
            if evicted > 0 {
                logger.notice("session cache emptied: persistent sessions off", metadata: ["session_cache.evicted": "\(evicted)"])
            }
            return
        }
        let bounds = SessionCacheCore.Bounds(entries: settings.maxSessions, bytes: settings.maxCacheBytes)
        let evicted = state.withLock { $0.core.evict(toFit: bounds, sparingNewest: false) }
        recordEvictions(evicted, .lru)
    }
}
