import Foundation
import Storage
import Synchronization

/// Forwards to the SQLite store and counts history reads (`messages`), the reads the cache saves.
final class CountingStore: ChatStore {
    let base: SQLiteStore
    private let count = Mutex(0)

    init(_ base: SQLiteStore) { self.base = base }
    var reads: Int { count.withLock { $0 } }
    func reset() { count.withLock { $0 = 0 } }

    func messages(sessionID: String, tenant: String, last: Int?) async throws -> [StoredMessage] {
        count.withLock { $0 += 1 }
        return try await base.messages(sessionID: sessionID, tenant: tenant, last: last)
    }

    func createSession(tenant: String, title: String) async throws -> StoredSession { try await base.createSession(tenant: tenant, title: title) }
    func session(id: String, tenant: String) async throws -> StoredSession? { try await base.session(id: id, tenant: tenant) }
    func listSessions(tenant: String, limit: Int, offset: Int) async throws -> SessionPage {
        try await base.listSessions(tenant: tenant, limit: limit, offset: offset)
    }
    func deleteSession(id: String, tenant: String) async throws -> Bool { try await base.deleteSession(id: id, tenant: tenant) }
    func appendMessage(_ message: NewMessage, sessionID: String, tenant: String) async throws -> StoredMessage {
        try await base.appendMessage(message, sessionID: sessionID, tenant: tenant)
    }
    func markReplyFailed(messageID: String, error: String) async throws { try await base.markReplyFailed(messageID: messageID, error: error) }
    func health() async -> DatabaseHealth { await base.health() }
}
