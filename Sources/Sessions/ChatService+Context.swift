import LLM
import Storage

/// How one message's context was built, and whether the cache takes the exchange afterwards.
struct ContextPlan: Sendable {
    enum Path: Sendable { case cached, stateless }
    var sessionID: String
    var tenant: String
    var path: Path
    /// A new session's first exchange: the cache admits it whatever it displaces (see
    /// ``SessionCache/commit(_:tenant:turns:limits:new:)``).
    var isNewSession = false
    /// History turns up to and including the user's new message, trimmed to `limits`.
    var history: [ChatTurn]
    var limits: ContextLimits
    var request: CompletionRequest
}

extension ChatService {
    /// The context for a new user message (not stored yet): from the cache (hit), rebuilt from
    /// SQLite into the cache (recovery), or rebuilt from SQLite for this message only
    /// (stateless). Throws ``ChatError/sessionNotFound`` before anything is sent upstream when
    /// the session does not exist for this tenant; a hit proves it does, so it reads nothing.
    ///
    /// A miss makes the stateless path's one read and nothing more (that read also says whether
    /// the session exists and whether it has history), so a miss costs what not caching costs
    /// plus the cache's bookkeeping — whether the cache then keeps the session is its admission
    /// rule's call, at commit.
    func contextPlan(sessionID: String, tenant: String, content: String) async throws -> ContextPlan {
        let live = self.live.sessions
        let limits = live.contextLimits
        let question = ChatTurn(role: .user, content: content)
        let plan = { (path: ContextPlan.Path, history: [ChatTurn]) -> ContextPlan in
            let turns = ContextWindow.trim(history + [question], to: limits)
            return ContextPlan(sessionID: sessionID, tenant: tenant, path: path, history: turns, limits: limits,
                               request: CompletionRequest(messages: self.context(turns), tenant: tenant, sessionID: sessionID))
        }
        guard await rollout.isEnabled(sessionID: sessionID, tenant: tenant) else {
            // Outside the rollout (now): whatever was cached for it may go stale.
            cache.invalidate(sessionID)
            let history = try await storedHistory(sessionID: sessionID, tenant: tenant, limits: limits)
            cache.countStateless()
            return plan(.stateless, history)
        }
        if let cached = cache.lookup(sessionID, tenant: tenant, limits: limits) {
            return plan(.cached, cached)
        }
        var recovered: [ChatTurn]?
        if live.enableRecovery {
            switch await cache.recover(sessionID: sessionID, tenant: tenant, limits: limits, timeoutSeconds: live.recoveryTimeoutSeconds) {
            case .history(let turns): recovered = turns
            case .notFound: throw ChatError.sessionNotFound
            case .failed: break
            }
        }
        let history: [ChatTurn]
        if let recovered { history = recovered } else { history = try await storedHistory(sessionID: sessionID, tenant: tenant, limits: limits) }
        if history.isEmpty {
            // A new session (or one whose every question failed) has no history to recover,
            // and nothing was missed.
            var new = plan(.cached, [])
            new.isNewSession = true
            return new
        }
        cache.countMiss()
        guard recovered != nil else { return plan(.stateless, history) }
        cache.recordRecovery(.success)
        return plan(.cached, history)
    }

    /// The stored history of the session, read in one go with the check that it exists.
    private func storedHistory(sessionID: String, tenant: String, limits: ContextLimits) async throws -> [ChatTurn] {
        guard let history = try await ContextWindow.history(store: store, sessionID: sessionID, tenant: tenant, limits: limits) else {
            throw ChatError.sessionNotFound
        }
        return history
    }

    /// The turns sent upstream: the system prompt, then the history.
    func context(_ history: [ChatTurn]) -> [ChatTurn] {
        systemPrompt.isEmpty ? history : [ChatTurn(role: .system, content: systemPrompt)] + history
    }

    /// The turns the stateless path sends for a stored history (what a cache hit must equal).
    public func context(from history: [StoredMessage], limits: ContextLimits) -> [ChatTurn] {
        context(ContextWindow.trim(history.filter(ContextWindow.belongs).map(ContextWindow.turn), to: limits))
    }

    /// Hands a stored exchange to the cache (cached path only). A fallback reply is stored but,
    /// like on the stateless path, not part of the context.
    func commit(_ plan: ContextPlan, reply: StoredMessage) {
        guard plan.path == .cached else { return }
        let turns = ContextWindow.belongs(reply) ? plan.history + [ContextWindow.turn(reply)] : plan.history
        cache.commit(plan.sessionID, tenant: plan.tenant, turns: ContextWindow.trim(turns, to: plan.limits), limits: plan.limits,
                     new: plan.isNewSession)
    }
}
