import Foundation
import GRDB
import OracleCore

extension SQLiteStore {
    public func createSession(tenant: String, title: String) async throws -> StoredSession {
        let now = Date()
        let session = StoredSession(
            id: RandomIdentifier.uuid(), tenantID: tenant, title: title,
            createdAt: now, updatedAt: now, messageCount: 0)
        let created = UTCTimestamp.sqlite(now)
        try await writer.write { db in
            try db.execute(
                sql: "INSERT INTO sessions (id, tenant_id, title, created_at, updated_at, message_count) VALUES (?, ?, ?, ?, ?, 0)",
                arguments: [session.id, tenant, title, created, created])
        }
        return session
    }

    public func session(id: String, tenant: String) async throws -> StoredSession? {
        try await writer.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM sessions WHERE id = ? AND tenant_id = ?", arguments: [id, tenant])
                .map(StoredSession.init(row:))
        }
    }

    public func listSessions(tenant: String, limit: Int, offset: Int) async throws -> SessionPage {
        try await writer.read { db in
            let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM sessions WHERE tenant_id = ?", arguments: [tenant]) ?? 0
            let rows = try Row.fetchAll(db, sql: """
                SELECT * FROM sessions WHERE tenant_id = ?
                ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?
                """, arguments: [tenant, limit, offset])
            return SessionPage(sessions: rows.map(StoredSession.init(row:)), total: total)
        }
    }

    public func deleteSession(id: String, tenant: String) async throws -> Bool {
        try await writer.write { db in
            // Messages go with it (ON DELETE CASCADE), in the same transaction.
            try db.execute(sql: "DELETE FROM sessions WHERE id = ? AND tenant_id = ?", arguments: [id, tenant])
            return db.changesCount > 0
        }
    }
}

extension StoredSession {
    init(row: Row) {
        self.init(
            id: row["id"], tenantID: row["tenant_id"], title: row["title"],
            createdAt: row["created_at"], updatedAt: row["updated_at"], messageCount: row["message_count"])
    }
}
