import Foundation
import GRDB

extension SQLiteStore {
    /// Sessions of every tenant with a message since `since`, most recently updated first:
    /// the candidates for warming the session cache at startup.
    public func recentlyActiveSessions(since: Date, limit: Int) async throws -> [(id: String, tenant: String)] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT id, tenant_id FROM sessions WHERE updated_at >= ? AND message_count > 0
                ORDER BY updated_at DESC LIMIT ?
                """, arguments: [since, limit]).map { (id: $0["id"], tenant: $0["tenant_id"]) }
        }
    }
}
