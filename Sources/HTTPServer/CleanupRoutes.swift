import Foundation
import Hummingbird
import Logging
import Policies
import Sessions

/// `POST /api/v1/sessions/cleanup/emergency` (admin): one cleanup pass now, as an emergency,
/// reporting what it freed. The plan comes from `cleanup.lua` for the cache as it is.
struct CleanupRoutes {
    let state: ServerState

    func register(on admin: RouterGroup<OracleRequestContext>) {
        admin.post("sessions/cleanup/emergency") { _, _ in try await emergency() }
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
        var plan: PlanBody
    }

    func emergency() async throws -> Response {
        let outcome = await state.sessionCache.runCleanup(policies: state.policies, emergency: true)
        let plan = outcome.plan
        return try JSONResponse.make(OutcomeBody(
            evicted: outcome.evicted, remaining: outcome.remaining,
            plan: PlanBody(idleTtl: plan.idleTTL, maxEvictions: plan.maxEvictions, emergency: plan.emergency,
                           reason: plan.reason, fallback: outcome.planIsFallback)))
    }
}
