import Foundation
import GRDB

/// Read-only checks of a SQLite file: integrity, Oracle Chat schema, counts, sizes.
/// Used by `db check`, by restore for the backup it is given, and by the backup verifier.
///
/// ```swift
/// let report = try DatabaseInspector.report(forFileAt: "data/oracle_sessions.db")
/// print(report.integrity.ok)
/// ```
public enum DatabaseInspector {
    /// Opens `path` read-only; throws `.missing` or `.notADatabase` before SQLite is involved.
    /// Callers use `inDatabase` (no wrapping transaction): a damaged file can fail even a COMMIT.
    static func openReadOnly(_ path: String) throws(DatabaseOperationError) -> DatabaseQueue {
        guard DatabaseFile.exists(path) else { throw .missing(path: path) }
        guard DatabaseFile.hasSQLiteHeader(path) else { throw .notADatabase(path: path) }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.label = "oracle-chat-inspect"
        do {
            return try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            // It has SQLite's header but SQLite cannot read its schema: a damaged database.
            throw .integrityFailed(path: path, problems: ["cannot open the database: \((error as? DatabaseError)?.message ?? "\(error)")"])
        }
    }

    /// `PRAGMA integrity_check` (or the cheaper `quick_check`) of an open database.
    /// A file too damaged to be read counts as a failed check, not an error.
    public static func integrity(of db: Database, quick: Bool = false) throws -> IntegrityResult {
        do {
            let rows = try String.fetchAll(db, sql: quick ? "PRAGMA quick_check(20)" : "PRAGMA integrity_check(20)")
            return IntegrityResult(ok: rows == ["ok"], problems: rows == ["ok"] ? [] : rows)
        } catch let error as DatabaseError
                    where [.SQLITE_CORRUPT, .SQLITE_NOTADB, .SQLITE_IOERR].contains(error.resultCode) {
            return IntegrityResult(ok: false, problems: [error.message ?? "\(error.resultCode)"])
        }
    }

    /// Full integrity check of the file at `path`.
    public static func integrity(ofFileAt path: String, quick: Bool = false) throws -> IntegrityResult {
        let queue = try openReadOnly(path)
        defer { try? queue.close() }
        return try queue.inDatabase { db in try integrity(of: db, quick: quick) }
    }

    /// Integrity, schema, counts and sizes of the file at `path`.
    public static func report(forFileAt path: String, quick: Bool = false) throws -> DatabaseReport {
        let queue: DatabaseQueue
        do {
            queue = try openReadOnly(path)
        } catch .integrityFailed(_, let problems) {
            // Too damaged to open: still a report, saying so.
            return DatabaseReport(
                path: path, fileBytes: DatabaseFile.size(path), walBytes: DatabaseFile.size(path + "-wal"),
                pageSize: 0, pageCount: 0, freePages: 0, integrity: IntegrityResult(ok: false, problems: problems),
                appliedMigrations: [], pendingMigrations: SQLiteStore.migrator.migrations, unknownMigrations: [], tables: [])
        }
        defer { try? queue.close() }
        return try queue.inDatabase { db in
            let integrity = try integrity(of: db, quick: quick)
            // A damaged file may not even list its tables: report what can be read.
            let applied = (try? SQLiteStore.migrator.appliedMigrations(db)) ?? []
            let known = SQLiteStore.migrator.migrations
            let tables = (try? tableCounts(db)) ?? []
            return DatabaseReport(
                path: path, fileBytes: DatabaseFile.size(path), walBytes: DatabaseFile.size(path + "-wal"),
                pageSize: (try? Int.fetchOne(db, sql: "PRAGMA page_size")) ?? 0,
                pageCount: (try? Int.fetchOne(db, sql: "PRAGMA page_count")) ?? 0,
                freePages: (try? Int.fetchOne(db, sql: "PRAGMA freelist_count")) ?? 0,
                integrity: integrity, appliedMigrations: applied,
                pendingMigrations: known.filter { !applied.contains($0) },
                unknownMigrations: applied.filter { !known.contains($0) },
                tables: tables)
        }
    }

    /// Throws unless the database has Oracle Chat's tables and first migration, and no
    /// migration this binary does not know.
    static func requireOracleChatSchema(_ db: Database, path: String) throws {
        for table in ["sessions", "messages", "grdb_migrations"] {
            guard try db.tableExists(table) else {
                throw DatabaseOperationError.notOracleChat(path: path, reason: "table \(table) is missing")
            }
        }
        let applied = try SQLiteStore.migrator.appliedMigrations(db)
        let known = SQLiteStore.migrator.migrations
        guard let first = known.first, applied.contains(first) else {
            throw DatabaseOperationError.notOracleChat(path: path, reason: "migration \(known.first ?? "?") was never applied")
        }
        let unknown = applied.filter { !known.contains($0) }
        guard unknown.isEmpty else {
            throw DatabaseOperationError.notOracleChat(
                path: path, reason: "it was written by a newer oracle-chat (unknown migrations: \(unknown.joined(separator: ", ")))")
        }
    }

    /// The version of the SQLite library linked at run time.
    public static func sqliteVersion() throws -> String {
        let queue = try DatabaseQueue()
        defer { try? queue.close() }
        return try queue.inDatabase { db in try String.fetchOne(db, sql: "SELECT sqlite_version()") } ?? "?"
    }

    static func tableCounts(_ db: Database) throws -> [DatabaseReport.TableCount] {
        let names = try String.fetchAll(db, sql: """
            SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name
            """)
        return try names.map { name in
            DatabaseReport.TableCount(name: name, rows: try Int.fetchOne(db, sql: "SELECT count(*) FROM \(name.quotedDatabaseIdentifier)") ?? 0)
        }
    }
}
