import Foundation
import Hummingbird
import Logging
import OracleCore
import Policies
import Sessions

/// `POST /api/v1/sessions/cleanup/emergency`: one emergency cleanup pass now, reporting what it
/// freed. `cleanup.lua` is told an emergency was asked for (`emergency_requested`) and plans for
/// the cache as it is; the shipped policy then evicts regardless of recency.
///
/// It needs an admin key, unless `EMERGENCY_CLEANUP_ALLOW_UNAUTHENTICATED` lets the seed's
/// memory-crisis runbook call it without one.
struct CleanupRoutes {
    let state: ServerState
    static let path = "sessions/cleanup/emergency"

    func register(on group: RouterGroup<OracleRequestContext>) {
        group.post(RouterPath(stringLiteral: Self.path)) { _, context in try await emergency(context) }
    }

    struct PlanBody: Encodable {
        var idleTtl: Int
        var maxEvictions: Int
        var emergency: Bool
        var reason: String
        /// True when the policy failed and its safe default was used.
        var fallback: Bool
    }

    struct OutcomeBody: Encodable {
        var evicted: Int
        var remaining: Int
        /// The session cache's estimate of what it held before and after, and the difference.
        var cacheBytesBefore: Int
        var cacheBytesAfter: Int
        var freedBytes: Int
        var plan: PlanBody
    }

    func emergency(_ context: OracleRequestContext) async throws -> Response {
        let outcome = await state.sessionCache.runCleanup(policies: state.policies, emergency: true, requestedBy: context.actor)
        let plan = outcome.plan
        return try JSONResponse.make(OutcomeBody(
            evicted: outcome.evicted, remaining: outcome.remaining,
            cacheBytesBefore: outcome.cacheBytesBefore, cacheBytesAfter: outcome.cacheBytesAfter, freedBytes: outcome.freedBytes,
            plan: PlanBody(idleTtl: plan.idleTTL, maxEvictions: plan.maxEvictions, emergency: plan.emergency,
                           reason: plan.reason, fallback: outcome.planIsFallback)))
    }
}
