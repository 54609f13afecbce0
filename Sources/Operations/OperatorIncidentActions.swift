import OracleCore
import Policies
import Sessions

/// Carries out `escalation.lua`'s actions through the operator's own levers: runtime overrides
/// (audited with actor `escalation:<incident id>`, listed by `GET /api/v1/admin/overrides`,
/// reversible with `DELETE`), the emergency cleanup, and a reload of the policy files.
public struct OperatorIncidentActions: IncidentActionPerformer {
    let overrides: OverrideService
    let cache: SessionCache
    let policies: PolicyHost?

    public init(overrides: OverrideService, cache: SessionCache, policies: PolicyHost?) {
        self.overrides = overrides
        self.cache = cache
        self.policies = policies
    }

    public func perform(_ action: EscalationDecision.Action, incidentID: String) async throws -> String {
        let actor = "escalation:\(incidentID)"
        let reason = "incident \(incidentID): escalation.lua asked for \(action.type)"
        switch action {
        case .disablePersistentSessions:
            try await overrides.set(name: SettingName.usePersistentSessions.rawValue, value: "false", reason: reason, actor: actor)
            return "disabled persistent sessions (override USE_PERSISTENT_SESSIONS=false)"
        case .setRolloutPercentage(let value):
            let before = overrides.live.sessions.rolloutPercentage
            try await overrides.set(name: SettingName.gradualRolloutPercentage.rawValue, value: String(value), reason: reason, actor: actor)
            return "set rollout percentage \(before)% → \(value)% (override GRADUAL_ROLLOUT_PERCENTAGE)"
        case .setSessionLimits(let maxSessions, let timeout, let cleanupInterval):
            try await overrides.set(name: SettingName.maxPersistentSessions.rawValue, value: String(maxSessions), reason: reason, actor: actor)
            try await overrides.set(name: SettingName.persistentSessionTimeout.rawValue, value: String(timeout), reason: reason, actor: actor)
            try await overrides.set(name: SettingName.cleanupInterval.rawValue, value: String(cleanupInterval), reason: reason, actor: actor)
            return "set session limits: MAX_PERSISTENT_SESSIONS=\(maxSessions), PERSISTENT_SESSION_TIMEOUT=\(timeout), CLEANUP_INTERVAL=\(cleanupInterval)"
        case .emergencyCleanup:
            // The same emergency path as `POST /api/v1/sessions/cleanup/emergency`.
            let outcome = await cache.runCleanup(policies: policies, emergency: true, requestedBy: actor)
            return "emergency cleanup evicted \(outcome.evicted) cached sessions (\(outcome.remaining) remain), freed ~\(outcome.freedBytes) bytes"
        case .advise(let text):
            return "advice: \(text)"
        case .reloadLastGoodPolicies:
            guard let policies else { return "no policy host to reload" }
            let outcomes = await policies.reloadAll()
            let summary = outcomes.keys.sorted().map { "\($0.rawValue): \(Self.describe(outcomes[$0]!))" }
            return "reloaded policies from their files, keeping the last good version of any refused file (\(summary.joined(separator: ", ")))"
        }
    }

    public func currentSettings() -> EscalationInput.Settings {
        EscalationInput.Settings(overrides.live.sessions)
    }

    static func describe(_ outcome: ActivationOutcome) -> String {
        switch outcome {
        case .activated(let hash): "activated \(hash)"
        case .unchanged(let hash): "unchanged \(hash)"
        case .rejected: "file refused, last good kept"
        }
    }
}
