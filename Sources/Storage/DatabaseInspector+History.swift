import Foundation
import GRDB

/// The operational history a diagnostics archive carries, read straight from the database
/// file (so it works whether or not the server runs): policy versions, the decision log,
/// runtime overrides and their audit, incidents with their events and notifications.
extension DatabaseInspector {
    /// One table's recent rows: which columns, newest first, how many.
    public struct HistoryTable: Sendable {
        public var file: String
        public var title: String
        public var table: String
        public var columns: [String]
        public var newestFirst: String
        public var limit: Int
    }

    /// What `oracle-chat diagnostics` includes. Policy sources are left out (they are in
    /// `policies/`, and `oracle-chat policy` shows any stored version); hashes identify them.
    public static let historyTables: [HistoryTable] = [
        .init(file: "policy_versions.txt", title: "policy versions (activations and rollbacks)", table: "policy_versions",
              columns: ["policy", "hash", "origin", "activated_at"], newestFirst: "id DESC", limit: 200),
        .init(file: "policy_decisions.txt", title: "policy decision log (sampled, secrets redacted)", table: "policy_decisions",
              columns: ["created_at", "policy", "version", "duration_us", "fallback", "error", "input", "output"],
              newestFirst: "id DESC", limit: 200),
        .init(file: "overrides.txt", title: "runtime overrides in force", table: "overrides",
              columns: ["name", "value", "actor", "set_at", "reason"], newestFirst: "set_at DESC", limit: 100),
        .init(file: "override_audit.txt", title: "override audit trail", table: "override_audit",
              columns: ["at", "name", "action", "old_value", "new_value", "actor", "reason"], newestFirst: "id DESC", limit: 200),
        .init(file: "incidents.txt", title: "incidents and escalations", table: "incidents",
              columns: ["id", "severity", "status", "level", "opened_at", "acknowledged_at", "acknowledged_by", "resolved_at",
                        "reasons", "actions_taken", "resolution_note"], newestFirst: "opened_at DESC", limit: 50),
        .init(file: "incident_events.txt", title: "incident timeline events", table: "incident_events",
              columns: ["at", "incident_id", "kind", "message"], newestFirst: "at DESC", limit: 300),
        .init(file: "notifications.txt", title: "incident notifications (outbox)", table: "notification_outbox",
              columns: ["created_at", "incident_id", "channel", "target", "template", "status", "attempts", "last_error", "delivered_at"],
              newestFirst: "id DESC", limit: 200),
    ]

    /// Each table's rows as text (a header line, then one line per row, newest first, tabs
    /// between `column=value` pairs), or why the table could not be read (`problem`).
    public static func history(forFileAt path: String, tables: [HistoryTable] = historyTables)
        throws(DatabaseOperationError) -> [(table: HistoryTable, text: String?, problem: String?)] {
        let queue = try openReadOnly(path)
        defer { try? queue.close() }
        return tables.map { spec in
            do {
                let text = try queue.inDatabase { db -> String in
                    guard try db.tableExists(spec.table) else { return "\(spec.table): not in this database (older schema)\n" }
                    let rows = try Row.fetchAll(db, sql: """
                        SELECT \(spec.columns.joined(separator: ", ")) FROM \(spec.table) ORDER BY \(spec.newestFirst) LIMIT \(spec.limit)
                        """)
                    let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM \(spec.table)") ?? rows.count
                    var lines = ["# \(spec.title): \(rows.count) of \(total) rows, newest first"]
                    lines += rows.map { row in
                        spec.columns.map { column in "\(column)=\(render(row[column] as DatabaseValue))" }.joined(separator: "\t")
                    }
                    return lines.joined(separator: "\n") + "\n"
                }
                return (spec, text, nil)
            } catch {
                return (spec, nil, "cannot read \(spec.table): \((error as? DatabaseError)?.message ?? "\(error)")")
            }
        }
    }

    /// One value on one line: NULL as `-`, line breaks and tabs escaped.
    static func render(_ value: DatabaseValue) -> String {
        switch value.storage {
        case .null: "-"
        case .int64(let number): String(number)
        case .double(let number): String(number)
        case .string(let text): text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
            .replacingOccurrences(of: "\t", with: "\\t")
        case .blob(let data): "<\(data.count) bytes>"
        }
    }
}
