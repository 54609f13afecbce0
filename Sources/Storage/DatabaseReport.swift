import Foundation

/// The result of `PRAGMA integrity_check` (or `quick_check`).
public struct IntegrityResult: Sendable, Equatable, Codable {
    public var ok: Bool
    /// SQLite's own messages, at most 20.
    public var problems: [String]

    public init(ok: Bool, problems: [String]) {
        self.ok = ok
        self.problems = problems
    }
}

/// What `oracle-chat db check` prints: integrity, schema, row counts and sizes.
public struct DatabaseReport: Sendable, Codable {
    public struct TableCount: Sendable, Codable, Equatable {
        public var name: String
        public var rows: Int
    }

    public var path: String
    public var fileBytes: Int64
    public var walBytes: Int64
    public var pageSize: Int
    public var pageCount: Int
    public var freePages: Int
    public var integrity: IntegrityResult
    /// Migrations recorded in the file, in order.
    public var appliedMigrations: [String]
    /// Migrations this binary knows that the file has not had yet (the server applies them at start).
    public var pendingMigrations: [String]
    /// Migrations in the file that this binary does not know (written by a newer version).
    public var unknownMigrations: [String]
    public var tables: [TableCount]

    public var schemaVersion: String? { appliedMigrations.last }

    /// Human-readable lines, as `db check` prints them.
    public var text: String {
        var lines = [
            "database: \(path)",
            "integrity: " + (integrity.ok ? "ok" : "FAILED"),
        ]
        lines += integrity.problems.map { "  \($0)" }
        lines.append("schema version: \(schemaVersion ?? "none") (\(appliedMigrations.count) migrations applied"
                     + (pendingMigrations.isEmpty ? "" : ", \(pendingMigrations.count) pending") + ")")
        if !unknownMigrations.isEmpty {
            lines.append("unknown migrations (newer oracle-chat?): \(unknownMigrations.joined(separator: ", "))")
        }
        lines.append("tables:")
        lines += tables.map { "  \($0.name): \($0.rows) rows" }
        lines.append("file size: \(fileBytes) bytes (\(pageCount) pages of \(pageSize) bytes, \(freePages) free)")
        lines.append("wal size: \(walBytes) bytes")
        return lines.joined(separator: "\n")
    }
}
