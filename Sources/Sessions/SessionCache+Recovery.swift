import LLM
import Storage

extension SessionCache {
    /// Rebuilds a session's context from SQLite within `timeoutSeconds`; nil when the read
    /// fails or takes too long (the caller then takes the stateless path, never an error).
    func recover(sessionID: String, tenant: String, limits: ContextLimits, timeoutSeconds: Int) async -> [ChatTurn]? {
        let store = self.store
        do {
            let turns = try await withThrowingTaskGroup(of: [ChatTurn]?.self) { group in
                group.addTask {
                    // A session gone meanwhile is a failed recovery; the stateless path then says not found.
                    guard let turns = try await ContextWindow.history(store: store, sessionID: sessionID, tenant: tenant, limits: limits) else {
                        throw StorageError.notFound
                    }
                    return turns
                }
                group.addTask {
                    try await Task.sleep(for: .seconds(max(1, timeoutSeconds)))
                    return nil
                }
                defer { group.cancelAll() }
                return try await group.next() ?? nil
            }
            guard let turns else {
                recordRecovery(.timeout)
                logger.debug("session recovery timed out", metadata: ["session.id": "\(sessionID)", "recovery.timeout_s": "\(timeoutSeconds)"])
                return nil
            }
            recordRecovery(.success)
            return turns
        } catch {
            recordRecovery(.failure)
            logger.debug("session recovery failed", metadata: ["session.id": "\(sessionID)", "error": "\(error)"])
            return nil
        }
    }
}

extension SessionCache {
    /// Loads one session into the cache from SQLite if the rollout enables it and it is not
    /// cached yet; under the session's lock, so it never races a message.
    func warm(sessionID: String, tenant: String) async throws -> Bool {
        guard await rollout.isEnabled(sessionID: sessionID, tenant: tenant) else { return false }
        return try await locks.withLock(sessionID) {
            let limits = live.sessions.contextLimits
            guard !contains(sessionID) else { return false }
            guard let turns = try await ContextWindow.history(store: store, sessionID: sessionID, tenant: tenant, limits: limits),
                  !turns.isEmpty else { return false }
            commit(sessionID, tenant: tenant, turns: turns, limits: limits)
            return true
        }
    }
}
