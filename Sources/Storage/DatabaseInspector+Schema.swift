import Foundation
import GRDB

/// Whether a file has exactly the schema this build's migrations produce.
///
/// A restored file is served as it is, so anything in its schema runs inside the server: a
/// trigger `AFTER INSERT ON messages` that deletes rows fires on the next send. The only schema
/// that is safe is the one this build's own migrator writes, so that is the reference.
extension DatabaseInspector {
    /// One `sqlite_master` row, its SQL with whitespace normalised.
    struct SchemaEntry: Hashable, Comparable, CustomStringConvertible {
        var type: String
        var name: String
        var table: String
        var sql: String?

        static func < (lhs: Self, rhs: Self) -> Bool { (lhs.type, lhs.name) < (rhs.type, rhs.name) }

        var description: String { type + " " + name + (name == table ? "" : " on \(table)") }
    }

    /// The identifiers in `grdb_migrations`, read from the table itself: GRDB's
    /// `appliedMigrations` only lists the migrations this build knows, so it hides a future one.
    /// Nil when the table does not exist.
    static func recordedMigrations(_ db: Database) throws -> [String]? {
        guard try db.tableExists("grdb_migrations") else { return nil }
        return try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid")
    }

    /// The schema objects of `db`. SQLite's statistics tables (written by `ANALYZE`, which
    /// `db maintain` runs) are left out: they hold numbers, not code.
    static func schemaEntries(_ db: Database) throws -> Set<SchemaEntry> {
        let rows = try Row.fetchAll(db, sql: """
            SELECT type, name, tbl_name, sql FROM sqlite_master
            WHERE NOT (type = 'table' AND name LIKE 'sqlite\\_stat%' ESCAPE '\\')
            """)
        return Set(rows.map { row in
            SchemaEntry(type: row["type"], name: row["name"], table: row["tbl_name"],
                        sql: (row["sql"] as String?).map(normalised))
        })
    }

    /// `sql` with runs of whitespace made one space and none next to brackets and commas, so a
    /// statement that only differs in layout compares equal.
    static func normalised(_ sql: String) -> String {
        var result = ""
        var pendingSpace = false
        for character in sql {
            if character.isWhitespace {
                pendingSpace = !result.isEmpty
                continue
            }
            if pendingSpace, !"(),".contains(character), let last = result.last, !"(,".contains(last) {
                result.append(" ")
            }
            pendingSpace = false
            result.append(character)
        }
        return result
    }

    /// The schema this build's migrator writes into an empty database, up to `migration`.
    static func referenceSchema(upTo migration: String) throws -> Set<SchemaEntry> {
        let reference = try DatabaseQueue()
        defer { try? reference.close() }
        try SQLiteStore.migrator.migrate(reference, upTo: migration)
        return try reference.inDatabase { db in try schemaEntries(db) }
    }

    /// Throws unless `db` is an Oracle Chat database with exactly the schema this build writes.
    ///
    /// Its recorded migrations must be this build's first N, in full (an older backup is fine:
    /// the server applies the rest when it starts), and its tables, indexes, triggers and views
    /// must be exactly those the migrator writes up to the N-th, with the same SQL.
    static func requireOracleChatSchema(_ db: Database, path: String) throws {
        for table in ["sessions", "messages", "grdb_migrations"] {
            guard try db.tableExists(table) else {
                throw DatabaseOperationError.notOracleChat(path: path, reason: "table \(table) is missing")
            }
        }
        let known = SQLiteStore.migrator.migrations
        let recorded = try recordedMigrations(db) ?? []
        let unknown = recorded.filter { !known.contains($0) }
        guard unknown.isEmpty else {
            throw DatabaseOperationError.foreignSchema(path: path, problems: [
                "it records migrations this build does not know: \(unknown.joined(separator: ", "))"
                    + " (written by a newer oracle-chat, or altered)"])
        }
        guard let last = known.lastIndex(where: recorded.contains) else {
            throw DatabaseOperationError.notOracleChat(path: path, reason: "no migration is recorded in grdb_migrations")
        }
        let missing = known[...last].filter { !recorded.contains($0) }
        guard missing.isEmpty else {
            throw DatabaseOperationError.foreignSchema(path: path, problems: [
                "migrations missing from grdb_migrations although \(known[last]) is recorded: "
                    + missing.joined(separator: ", ")])
        }

        let expected = try referenceSchema(upTo: known[last])
        let actual = try schemaEntries(db)
        let expectedByKey = Dictionary(uniqueKeysWithValues: expected.map { ("\($0.type) \($0.name)", $0) })
        let actualByKey = Dictionary(uniqueKeysWithValues: actual.map { ("\($0.type) \($0.name)", $0) })
        var problems: [String] = []
        for entry in actual.sorted() {
            guard let reference = expectedByKey["\(entry.type) \(entry.name)"] else {
                problems.append("unexpected \(entry)")
                continue
            }
            if reference != entry { problems.append("\(entry) differs from this build's definition") }
        }
        for entry in expected.sorted() where actualByKey["\(entry.type) \(entry.name)"] == nil {
            problems.append("\(entry) is missing")
        }
        guard problems.isEmpty else {
            throw DatabaseOperationError.foreignSchema(path: path, problems: problems)
        }
    }
}
