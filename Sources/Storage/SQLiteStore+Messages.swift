import Foundation
import GRDB
import OracleCore

extension SQLiteStore {
    public func appendMessages(_ messages: [NewMessage], sessionID: String, tenant: String) async throws -> [StoredMessage] {
        guard !messages.isEmpty else { return [] }
        // Not GRDB's async `write`, which throws CancellationError when the task is cancelled:
        // the batcher finishes what it started, which is what the protocol promises.
        return try await appends.append(messages, sessionID: sessionID, tenant: tenant)
    }

    static func insert(_ messages: [NewMessage], sessionID: String, tenant: String, _ db: Database) throws -> [StoredMessage] {
        // Cached statements: compiling these three on every message was a visible share of a send.
        guard let count = try Int.fetchOne(db.cachedStatement(sql: """
            SELECT message_count FROM sessions WHERE id = ? AND tenant_id = ?
            """), arguments: [sessionID, tenant]) else {
            throw StorageError.notFound
        }
        let insert = try db.cachedStatement(sql: """
            INSERT INTO messages (id, session_id, tenant_id, seq, role, content, status, provider, model,
                prompt_tokens, completion_tokens, total_tokens, cached_tokens, is_fallback, error, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let now = Date()
        let updated = UTCTimestamp.sqlite(now)
        var stored: [StoredMessage] = []
        stored.reserveCapacity(messages.count)
        for (offset, message) in messages.enumerated() {
            let next = count + 1 + offset
            let row = StoredMessage(
                id: RandomIdentifier.uuid(), sessionID: sessionID, sequence: next,
                role: message.role, content: message.content, status: message.status,
                provider: message.provider, model: message.model, usage: message.usage,
                isFallback: message.isFallback, error: message.error, createdAt: message.createdAt ?? now)
            try insert.execute(arguments: [
                row.id, sessionID, tenant, next, row.role.rawValue, row.content, row.status.rawValue,
                row.provider, row.model, row.usage?.promptTokens, row.usage?.completionTokens,
                row.usage?.totalTokens, row.usage?.cachedTokens, row.isFallback, row.error,
                message.createdAt.map(UTCTimestamp.sqlite) ?? updated,
            ])
            stored.append(row)
        }
        try db.cachedStatement(sql: "UPDATE sessions SET message_count = ?, updated_at = ? WHERE id = ?")
            .execute(arguments: [count + messages.count, updated, sessionID])
        return stored
    }

    public func markReplyFailed(messageID: String, error: String) async throws {
        try await writer.write { db in
            try db.execute(
                sql: "UPDATE messages SET status = ?, error = ? WHERE id = ?",
                arguments: [MessageStatus.failed.rawValue, error, messageID])
        }
    }

    public func messages(sessionID: String, tenant: String, last: Int?) async throws -> [StoredMessage] {
        try await writer.read { db in
            let rows: [Row]
            if let last {
                rows = try Row.fetchAll(db.cachedStatement(sql: """
                    SELECT \(StoredMessage.columns) FROM (SELECT \(StoredMessage.columns) FROM messages WHERE session_id = ? AND tenant_id = ?
                                   ORDER BY seq DESC LIMIT ?) ORDER BY seq
                    """), arguments: [sessionID, tenant, last])
            } else {
                rows = try Row.fetchAll(db, sql: """
                    SELECT \(StoredMessage.columns) FROM messages WHERE session_id = ? AND tenant_id = ? ORDER BY seq
                    """, arguments: [sessionID, tenant])
            }
            return rows.map(StoredMessage.init(row:))
        }
    }
}

extension SQLiteStore {
    public func contextEntries(sessionID: String, tenant: String, last: Int) async throws -> [ContextEntry]? {
        try await writer.read { db in
            guard let count = try Int.fetchOne(db.cachedStatement(sql: """
                SELECT message_count FROM sessions WHERE id = ? AND tenant_id = ?
                """), arguments: [sessionID, tenant]) else { return nil }
            guard count > 0, last > 0 else { return [] }
            // Four columns, read by position: a context needs no ids, dates or usage.
            let rows = try Row.fetchAll(db.cachedStatement(sql: """
                SELECT role, content, status, is_fallback FROM messages WHERE session_id = ? AND tenant_id = ?
                ORDER BY seq DESC LIMIT ?
                """), arguments: [sessionID, tenant, last])
            return rows.reversed().map { row in
                ContextEntry(role: MessageRole(rawValue: row[0]) ?? .user, content: row[1],
                             status: MessageStatus(rawValue: row[2]) ?? .complete, isFallback: row[3])
            }
        }
    }
}

extension StoredMessage {
    /// The columns `init(row:)` reads, in its order: rows are decoded by position, because
    /// looking columns up by name (case-insensitively) dominated reading a long history.
    static let columns = """
        id, session_id, seq, role, content, status, provider, model, prompt_tokens, completion_tokens, \
        total_tokens, cached_tokens, is_fallback, error, created_at
        """

    init(row: Row) {
        let prompt: Int? = row[8]
        self.init(
            id: row[0], sessionID: row[1], sequence: row[2],
            role: MessageRole(rawValue: row[3]) ?? .user, content: row[4],
            status: MessageStatus(rawValue: row[5]) ?? .complete,
            provider: row[6], model: row[7],
            usage: prompt.map { prompt in
                TokenUsage(promptTokens: prompt, completionTokens: row[9] ?? 0,
                           totalTokens: row[10] ?? 0, cachedTokens: row[11] ?? 0)
            },
            isFallback: row[12], error: row[13], createdAt: row[14])
    }
}
