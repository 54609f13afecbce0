import Foundation
import GRDB

/// Retention, then `VACUUM` and `ANALYZE` — the seeds' "Performance Severely Degraded →
/// Cleanup" and `post_deployment_cleanup.sh`, as one command (`oracle-chat db maintain`).
///
/// Chat history is deleted only with `includeChatHistory`, and then whole sessions not
/// updated since the cutoff (their messages go with them), never single messages.
///
/// ```swift
/// let report = try await DatabaseMaintenance(olderThan: .seconds(30 * 86_400)).run(on: store)
/// ```
public struct DatabaseMaintenance: Sendable {
    public var olderThan: Duration
    public var includeChatHistory: Bool
    public var vacuum: Bool
    public var rules: [RetentionRule]
    /// Rows deleted per statement, so a server sharing the database never waits long for a write.
    public var batchSize: Int

    public init(olderThan: Duration, includeChatHistory: Bool = false, vacuum: Bool = true,
                rules: [RetentionRule] = RetentionRule.operational, batchSize: Int = 2_000) {
        self.olderThan = olderThan
        self.includeChatHistory = includeChatHistory
        self.vacuum = vacuum
        self.rules = rules
        self.batchSize = batchSize
    }

    public struct TableOutcome: Sendable, Equatable {
        public var table: String
        public var deleted: Int
        /// Why nothing was done, e.g. "table does not exist yet".
        public var skipped: String?
    }

    public struct Report: Sendable {
        public var cutoff: Date
        public var tables: [TableOutcome]
        public var bytesBefore: Int64
        public var bytesAfter: Int64
        public var vacuumed: Bool
        public var bytesReclaimed: Int64 { max(0, bytesBefore - bytesAfter) }
    }

    public func run(on store: SQLiteStore, now: Date = Date()) async throws -> Report {
        let writer = store.writer
        let cutoff = now.addingTimeInterval(-Double(olderThan.components.seconds))
        let plan = self
        return try await DedicatedThread.run("oracle-chat.maintain") { cancellation in
            let before = try writer.read(Self.logicalSize)
            var outcomes = try plan.rules.map { rule in
                try plan.apply(rule, cutoff: cutoff, writer: writer, cancellation: cancellation)
            }
            if plan.includeChatHistory {
                outcomes += try plan.deleteChatHistory(cutoff: cutoff, writer: writer)
            }
            if plan.vacuum {
                try cancellation.check()
                try writer.writeWithoutTransaction { db in try db.execute(sql: "VACUUM") }
            }
            try writer.writeWithoutTransaction { db in
                try db.execute(sql: "ANALYZE")
                _ = try? Row.fetchAll(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            }
            let after = try writer.read(Self.logicalSize)
            return Report(cutoff: cutoff, tables: outcomes, bytesBefore: before, bytesAfter: after, vacuumed: plan.vacuum)
        }
    }

    func apply(_ rule: RetentionRule, cutoff: Date, writer: any DatabaseWriter,
               cancellation: CancellationFlag) throws -> TableOutcome {
        let columns = try writer.read { db -> [String]? in
            try db.tableExists(rule.table) ? try db.columns(in: rule.table).map(\.name) : nil
        }
        guard let columns else { return TableOutcome(table: rule.table, deleted: 0, skipped: "table does not exist yet") }
        guard columns.contains(rule.timestampColumn) else {
            return TableOutcome(table: rule.table, deleted: 0, skipped: "column \(rule.timestampColumn) does not exist")
        }
        let table = rule.table.quotedDatabaseIdentifier
        let filter = "\(rule.timestampColumn.quotedDatabaseIdentifier) < ?" + (rule.condition.map { " AND (\($0))" } ?? "")
        var deleted = 0
        while true {
            try cancellation.check()
            let changed = try writer.write { db in
                try db.execute(sql: "DELETE FROM \(table) WHERE rowid IN (SELECT rowid FROM \(table) WHERE \(filter) LIMIT ?)",
                               arguments: [cutoff, batchSize])
                return db.changesCount
            }
            deleted += changed
            if changed < batchSize { break }
        }
        return TableOutcome(table: rule.table, deleted: deleted, skipped: nil)
    }

    /// Sessions not updated since `cutoff`, with their messages, in one transaction.
    func deleteChatHistory(cutoff: Date, writer: any DatabaseWriter) throws -> [TableOutcome] {
        try writer.write { db in
            let messages = try Int.fetchOne(db, sql: """
                SELECT count(*) FROM messages WHERE session_id IN (SELECT id FROM sessions WHERE updated_at < ?)
                """, arguments: [cutoff]) ?? 0
            try db.execute(sql: "DELETE FROM messages WHERE session_id IN (SELECT id FROM sessions WHERE updated_at < ?)",
                           arguments: [cutoff])
            try db.execute(sql: "DELETE FROM sessions WHERE updated_at < ?", arguments: [cutoff])
            return [TableOutcome(table: "sessions", deleted: db.changesCount, skipped: nil),
                    TableOutcome(table: "messages", deleted: messages, skipped: nil)]
        }
    }

    static func logicalSize(_ db: Database) throws -> Int64 {
        let pages = try Int64.fetchOne(db, sql: "PRAGMA page_count") ?? 0
        let size = try Int64.fetchOne(db, sql: "PRAGMA page_size") ?? 0
        return pages * size
    }
}
