import OracleCore
import Policies
import Synchronization

/// Asks `rollout.lua` whether a session uses the persistent-session cache, once per session
/// per settings version and policy version: the answer is kept until an override changes the
/// settings or a new rollout.lua goes live. The policy's bucket is sticky, so raising the
/// percentage only adds sessions.
///
/// Without a policy host (some tests) every session is stateless, like the policy's safe default.
///
/// ```swift
/// let gate = RolloutGate(policies: host, live: live)
/// if await gate.isEnabled(sessionID: id, tenant: "default") { ... }
/// ```
public final class RolloutGate: Sendable {
    let policies: PolicyHost?
    let live: LiveSettings
    /// Bounds the memo; past it the memo starts over (decisions are cheap to remake).
    let memoLimit: Int
    private let memo = Mutex(Memo())

    private struct Memo {
        var version = -1
        /// The rollout.lua version the decisions came from.
        var policy: String?
        var decisions: [String: Bool] = [:]
    }

    public init(policies: PolicyHost?, live: LiveSettings, memoLimit: Int = 100_000) {
        self.policies = policies
        self.live = live
        self.memoLimit = memoLimit
    }

    public func isEnabled(sessionID: String, tenant: String) async -> Bool {
        let snapshot = live.snapshot
        let policy = policies?.activeVersion(.rollout)
        if let known = memo.withLock({ $0.version == snapshot.version && $0.policy == policy ? $0.decisions[sessionID] : nil }) {
            return known
        }
        let enabled = await decide(sessionID: sessionID, tenant: tenant, settings: snapshot.sessions)
        memo.withLock { memo in
            if memo.version != snapshot.version || memo.policy != policy {
                guard memo.version <= snapshot.version else { return }
                memo = Memo(version: snapshot.version, policy: policy)
            }
            if memo.decisions.count >= memoLimit { memo.decisions.removeAll(keepingCapacity: true) }
            memo.decisions[sessionID] = enabled
        }
        return enabled
    }

    /// The policy's answer, without the memo.
    public func decide(sessionID: String, tenant: String, settings: OracleConfig.SessionSettings) async -> Bool {
        guard let policies else { return false }
        let input = RolloutInput(sessionID: sessionID, tenantID: tenant, settings: .init(settings))
        return await policies.decideRollout(input).value.enabled
    }
}
