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
    /// Opens `path` read-only; throws `.missing`, `.notARegularFile` or `.notADatabase` before
    /// SQLite is involved.
    /// Callers use `inDatabase` (no wrapping transaction): a damaged file can fail even a COMMIT.
    static func openReadOnly(_ path: String) throws(DatabaseOperationError) -> DatabaseQueue {
        // Through a descriptor opened without blocking: a FIFO or device is refused at once
        // instead of hanging in open(2) (while a restore holds the database lock).
        try DatabaseFile.requireSQLiteFile(path)
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
            // From the table itself: GRDB's appliedMigrations would hide migrations it does not know.
            let applied = ((try? recordedMigrations(db)) ?? nil) ?? []
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
