import GRDB

extension SQLiteStore {
    /// Named, append-only migrations. Never edit one that has shipped: add a new one.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1_sessions_and_messages") { db in
            try db.create(table: "sessions") { t in
                t.primaryKey("id", .text)
                t.column("tenant_id", .text).notNull()
                t.column("title", .text).notNull()
                t.column("created_at", .datetime).notNull()
                t.column("updated_at", .datetime).notNull()
                t.column("message_count", .integer).notNull().defaults(to: 0)
            }
            try db.create(index: "sessions_by_tenant_created", on: "sessions", columns: ["tenant_id", "created_at"])
            try db.create(table: "messages") { t in
                t.primaryKey("id", .text)
                t.column("session_id", .text).notNull().references("sessions", onDelete: .cascade)
                t.column("tenant_id", .text).notNull()
                t.column("seq", .integer).notNull()
                t.column("role", .text).notNull()
                t.column("content", .text).notNull()
                t.column("status", .text).notNull()
                t.column("provider", .text)
                t.column("model", .text)
                t.column("prompt_tokens", .integer)
                t.column("completion_tokens", .integer)
                t.column("total_tokens", .integer)
                t.column("cached_tokens", .integer)
                t.column("is_fallback", .boolean).notNull().defaults(to: false)
                t.column("error", .text)
                t.column("created_at", .datetime).notNull()
                t.uniqueKey(["session_id", "seq"])
            }
        }
        return migrator
    }
}
