import Foundation
import Logging
import OracleCore
import Policies

/// What a cleanup pass did.
public struct CleanupOutcome: Sendable, Equatable {
    public var evicted: Int
    public var remaining: Int
    public var plan: CleanupPlan
    /// True when the plan is the policy's safe default (the policy failed or is missing).
    public var planIsFallback: Bool
    /// The cache's estimate of the bytes it held before and after the pass (``SessionCache/estimatedBytes``).
    public var cacheBytesBefore: Int
    public var cacheBytesAfter: Int

    /// What the pass freed, by the cache's estimate; never negative (a message stored while the
    /// pass ran may grow the cache meanwhile).
    public var freedBytes: Int { max(0, cacheBytesBefore - cacheBytesAfter) }
}

extension SessionCache {
    /// Asks `cleanup.lua` for a plan for the cache as it is now.
    /// - Parameters:
    ///   - emergencyRequested: an operator or an escalation asks for an emergency pass now
    ///     (the input's `emergency_requested`).
    ///   - memoryPercent: replaces the `memory.used_percent` reading (tests).
    public func planCleanup(policies: PolicyHost?, emergencyRequested: Bool = false,
                            memoryPercent: Double? = nil) async -> (plan: CleanupPlan, isFallback: Bool) {
        let settings = live.sessions
        guard let policies else {
            let plan = emergencyRequested
                ? CleanupPlan(idleTTL: 0, maxEvictions: settings.cleanupBatchSize, emergency: true,
                              reason: "no policy host: a batch regardless of recency, as requested")
                : CleanupPlan(idleTTL: settings.sessionTimeout, maxEvictions: settings.cleanupBatchSize,
                              emergency: false, reason: "no policy host: normal plan from settings")
            return (plan, true)
        }
        var memory = PolicyMemory(SystemMemory.read(), cacheBytes: estimatedBytes)
        if let memoryPercent { memory.usedPercent = memoryPercent }
        let input = CleanupInput(now: Int(Date().timeIntervalSince1970), active: count, capacity: settings.maxSessions,
                                 memory: memory, emergencyRequested: emergencyRequested, settings: .init(settings))
        let evaluation = await policies.planCleanup(input)
        return (evaluation.value, evaluation.isFallback)
    }

    /// Plans and carries out one pass: sessions idle longer than the plan's `idle_ttl` (any
    /// session when it is 0), idle-longest first, at most `max_evictions`. `emergency` marks an
    /// operator's or an escalation's request: cleanup.lua is told (`emergency_requested`), and
    /// the evictions count as `emergency` whatever the plan says. `requestedBy` (the admin key's
    /// name, `escalation:<incident id>`) goes into the log line.
    @discardableResult
    public func runCleanup(policies: PolicyHost?, emergency requested: Bool = false, requestedBy: String? = nil,
                           memoryPercent: Double? = nil) async -> CleanupOutcome {
        let (plan, isFallback) = await planCleanup(policies: policies, emergencyRequested: requested, memoryPercent: memoryPercent)
        let reason: EvictionReason = requested || plan.emergency ? .emergency : .ttl
        let before = estimatedBytes
        let evicted = evictIdle(longerThan: plan.idleTTL, limit: plan.maxEvictions, reason: reason)
        let outcome = CleanupOutcome(evicted: evicted, remaining: count, plan: plan, planIsFallback: isFallback,
                                     cacheBytesBefore: before, cacheBytesAfter: estimatedBytes)
        let metadata: Logger.Metadata = [
            "cleanup.evicted": "\(evicted)", "cleanup.remaining": "\(outcome.remaining)",
            "cleanup.freed_bytes": "\(outcome.freedBytes)", "cleanup.cache_bytes": "\(outcome.cacheBytesAfter)",
            "cleanup.idle_ttl": "\(plan.idleTTL)", "cleanup.max_evictions": "\(plan.maxEvictions)",
            "cleanup.emergency": "\(plan.emergency)", "cleanup.requested": "\(requested)", "cleanup.requested_by": "\(requestedBy ?? "-")", "cleanup.reason": "\(plan.reason)",
        ]
        if requested || plan.emergency {
            logger.notice("session cache emergency cleanup", metadata: metadata)
        } else {
            logger.debug("session cache cleanup", metadata: metadata)
        }
        return outcome
    }
}
