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
}

extension SessionCache {
    /// Asks `cleanup.lua` for a plan for the cache as it is now.
    public func planCleanup(policies: PolicyHost?, memoryPercent: Double? = nil) async -> (plan: CleanupPlan, isFallback: Bool) {
        let settings = live.sessions
        let memory = memoryPercent ?? SystemMemory.read().usagePercent
        guard let policies else {
            return (CleanupPlan(idleTTL: settings.sessionTimeout, maxEvictions: settings.cleanupBatchSize,
                                emergency: false, reason: "no policy host: normal plan from settings"), true)
        }
        let input = CleanupInput(now: Int(Date().timeIntervalSince1970), active: count, capacity: settings.maxSessions,
                                 memoryUsagePercent: memory, settings: .init(settings))
        let evaluation = await policies.planCleanup(input)
        return (evaluation.value, evaluation.isFallback)
    }

    /// Plans and carries out one pass: sessions idle longer than the plan's `idle_ttl`, idle-longest
    /// first, at most `max_evictions`. `emergency` marks an operator's emergency request, whose
    /// evictions count as `emergency` whatever the plan says.
    @discardableResult
    public func runCleanup(policies: PolicyHost?, emergency requested: Bool = false, memoryPercent: Double? = nil) async -> CleanupOutcome {
        let (plan, isFallback) = await planCleanup(policies: policies, memoryPercent: memoryPercent)
        let reason: EvictionReason = requested || plan.emergency ? .emergency : .ttl
        let evicted = evictIdle(longerThan: plan.idleTTL, limit: plan.maxEvictions, reason: reason)
        let outcome = CleanupOutcome(evicted: evicted, remaining: count, plan: plan, planIsFallback: isFallback)
        let metadata: Logger.Metadata = [
            "cleanup.evicted": "\(evicted)", "cleanup.remaining": "\(outcome.remaining)",
            "cleanup.idle_ttl": "\(plan.idleTTL)", "cleanup.max_evictions": "\(plan.maxEvictions)",
            "cleanup.emergency": "\(plan.emergency)", "cleanup.requested": "\(requested)", "cleanup.reason": "\(plan.reason)",
        ]
        if requested || plan.emergency {
            logger.notice("session cache emergency cleanup", metadata: metadata)
        } else {
            logger.debug("session cache cleanup", metadata: metadata)
        }
        return outcome
    }
}
