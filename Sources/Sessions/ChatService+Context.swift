import LLM
import Storage

/// How one message's context was built, and whether the cache takes the exchange afterwards.
struct ContextPlan: Sendable {
    enum Path: Sendable { case cached, stateless }
    var sessionID: String
    var path: Path
    /// History turns up to and including the user's new message, trimmed to `limits`.
    var history: [ChatTurn]
    var limits: ContextLimits
    var request: CompletionRequest
}

extension ChatService {
    /// The context for a stored user message: from the cache (hit), rebuilt from SQLite into the
    /// cache (recovery), or rebuilt from SQLite for this message only (stateless).
    func contextPlan(for user: StoredMessage, tenant: String) async throws -> ContextPlan {
        let live = cache.live.sessions
        let limits = live.contextLimits
        guard await cache.rollout.isEnabled(sessionID: user.sessionID, tenant: tenant) else {
            // Outside the rollout (now): whatever was cached for it may go stale.
            cache.invalidate(user.sessionID)
            cache.countStateless()
            return try await statelessPlan(for: user, tenant: tenant, limits: limits)
        }
        let userTurn = ContextWindow.turn(user)
        if let cached = cache.lookup(user.sessionID, limits: limits) {
            return plan(user.sessionID, .cached, ContextWindow.trim(cached + [userTurn], to: limits), limits)
        }
        if user.sequence == 1 {
            // A new session has no history to recover.
            return plan(user.sessionID, .cached, [userTurn], limits)
        }
        if live.enableRecovery, let recovered = await cache.recover(
            sessionID: user.sessionID, tenant: tenant, limits: limits, timeoutSeconds: live.recoveryTimeoutSeconds) {
            return plan(user.sessionID, .cached, recovered, limits)
        }
        return try await statelessPlan(for: user, tenant: tenant, limits: limits)
    }

    private func statelessPlan(for user: StoredMessage, tenant: String, limits: ContextLimits) async throws -> ContextPlan {
        let history = try await ContextWindow.history(store: store, sessionID: user.sessionID, tenant: tenant, limits: limits)
        return plan(user.sessionID, .stateless, history, limits)
    }

    private func plan(_ sessionID: String, _ path: ContextPlan.Path, _ history: [ChatTurn], _ limits: ContextLimits) -> ContextPlan {
        ContextPlan(sessionID: sessionID, path: path, history: history, limits: limits,
                    request: CompletionRequest(messages: context(history)))
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
        cache.commit(plan.sessionID, turns: ContextWindow.trim(turns, to: plan.limits), limits: plan.limits)
    }
}
