import Foundation
import Logging
import Policies
import ServiceLifecycle

/// Runs a cleanup pass every `CLEANUP_INTERVAL` seconds (read live, so an override applies at the
/// next tick) and warms the cache at start unless `FORCE_CLEANUP_ON_STARTUP` is set.
///
/// ```swift
/// let cleanup = SessionCleanupService(cache: cache, policies: host, warmCandidates: { ... }, logger: logger)
/// // run it once the store is migrated and the policy host started: warming asks rollout.lua
/// // at once (OracleApplication starts it after startup)
/// ```
public struct SessionCleanupService: Service {
    /// Sessions worth warming: recently active ones, newest first (id, tenant).
    public typealias WarmCandidates = @Sendable (_ since: Date, _ limit: Int) async throws -> [(id: String, tenant: String)]

    let cache: SessionCache
    let policies: PolicyHost?
    let warmCandidates: WarmCandidates?
    let logger: Logger
    let tick: Duration

    public init(cache: SessionCache, policies: PolicyHost?, warmCandidates: WarmCandidates? = nil,
                logger: Logger, tick: Duration = .seconds(1)) {
        self.cache = cache
        self.policies = policies
        self.warmCandidates = warmCandidates
        self.logger = logger
        self.tick = tick
    }

    public func run() async throws {
        await warm()
        var lastPass = ContinuousClock.now
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await Task.sleep(for: tick)
            // Checked every tick, so a shorter CLEANUP_INTERVAL override applies within a tick.
            guard ContinuousClock.now - lastPass >= .seconds(cache.live.sessions.cleanupInterval) else { continue }
            lastPass = .now
            await cache.runCleanup(policies: policies)
        }
    }

    /// Recovers sessions active within `PERSISTENT_SESSION_TIMEOUT` (up to the capacity) that the
    /// rollout enables, so their first message after a restart is a hit. Skipped with
    /// `FORCE_CLEANUP_ON_STARTUP` (start empty) or while persistent sessions are off.
    func warm() async {
        let settings = cache.live.sessions
        guard let warmCandidates, !settings.forceCleanupOnStartup, settings.usePersistentSessions else { return }
        do {
            let since = Date().addingTimeInterval(-Double(settings.sessionTimeout))
            let candidates = try await warmCandidates(since, settings.maxSessions)
            var warmed = 0
            for candidate in candidates where !Task.isCancelled {
                if try await cache.warm(sessionID: candidate.id, tenant: candidate.tenant) { warmed += 1 }
            }
            logger.info("session cache warmed", metadata: ["session_cache.warmed": "\(warmed)", "session_cache.candidates": "\(candidates.count)"])
        } catch {
            logger.warning("session cache warming failed", metadata: ["error": "\(error)"])
        }
    }
}

// The service group logs each service's description (at debug level and below); the default
// one prints every stored property, secrets among them (webhook URLs with their credentials).
extension SessionCleanupService: CustomStringConvertible {
    public var description: String { "SessionCleanupService" }
}
