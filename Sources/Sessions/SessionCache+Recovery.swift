import LLM
import Storage

/// What a recovery read found.
enum Recovery: Sendable {
    /// The session's context turns (none for a session without messages that belong to it).
    case history([ChatTurn])
    /// No such session for the tenant.
    case notFound
    /// The read failed or took longer than `RECOVERY_TIMEOUT_SECONDS` (counted and logged).
    case failed
}

extension SessionCache {
    /// Reads a session's context from SQLite within `timeoutSeconds`: the same one read the
    /// stateless path makes, which also says whether the session exists and has history.
    /// Counts and logs a failure or a timeout (the caller then takes the stateless path, never
    /// an error); a success is counted by the caller (``recordRecovery(_:)``) once it knows
    /// there was history to recover.
    func recover(sessionID: String, tenant: String, limits: ContextLimits, timeoutSeconds: Int) async -> Recovery {
        let store = self.store
        do {
            let turns = try await withThrowingTaskGroup(of: [ChatTurn]??.self) { group in
                group.addTask {
                    try await ContextWindow.history(store: store, sessionID: sessionID, tenant: tenant, limits: limits)
                }
                group.addTask {
                    try await Task.sleep(for: .seconds(max(1, timeoutSeconds)))
                    return .none
                }
                defer { group.cancelAll() }
                return try await group.next() ?? .none
            }
            guard let turns else {
                recordRecovery(.timeout)
                logger.debug("session recovery timed out", metadata: ["session.id": "\(sessionID)", "recovery.timeout_s": "\(timeoutSeconds)"])
                return .failed
            }
            return turns.map(Recovery.history) ?? .notFound
        } catch {
            recordRecovery(.failure)
            logger.debug("session recovery failed", metadata: ["session.id": "\(sessionID)", "error": "\(error)"])
            return .failed
        }
    }
}

extension SessionCache {
    /// Loads one session into the cache from SQLite if the rollout enables it, it is not cached
    /// yet and the cache admits it; under the session's lock, so it never races a message.
    func warm(sessionID: String, tenant: String) async throws -> Bool {
        guard await rollout.isEnabled(sessionID: sessionID, tenant: tenant) else { return false }
        return try await locks.withLock(sessionID) {
            let limits = live.sessions.contextLimits
            guard !contains(sessionID) else { return false }
            guard let turns = try await ContextWindow.history(store: store, sessionID: sessionID, tenant: tenant, limits: limits),
                  !turns.isEmpty else { return false }
            return commit(sessionID, tenant: tenant, turns: turns, limits: limits)
        }
    }
}
