import Foundation
import GRDB

/// A runtime override in force: the value an operator (or an escalation) set for a setting.
public struct StoredOverride: Sendable, Equatable, Codable {
    public var name: String
    public var value: String
    public var reason: String
    /// Who set it: `admin`, or `escalation:INC-…` for an incident action.
    public var actor: String
    public var setAt: Date

    public init(name: String, value: String, reason: String, actor: String, setAt: Date) {
        self.name = name
        self.value = value
        self.reason = reason
        self.actor = actor
        self.setAt = setAt
    }
}

/// One line of the append-only override history.
public struct OverrideAuditEntry: Sendable, Equatable, Codable {
    public var id: Int64
    public var name: String
    /// `set` or `clear`.
    public var action: String
    public var oldValue: String?
    public var newValue: String?
    public var reason: String
    public var actor: String
    public var at: Date
}

/// The result of a set or clear: what was in force before, and every override in force now.
public struct OverrideChange: Sendable, Equatable {
    public var previous: StoredOverride?
    public var active: [StoredOverride]
    /// Grows with every change (the audit row id), so a late writer never applies stale state.
    public var revision: Int64
}

extension SQLiteStore {
    /// Every override in force, by name, and the revision they were read at.
    public func activeOverrides() async throws -> (active: [StoredOverride], revision: Int64) {
        try await writer.read { db in (try Self.fetchOverrides(db), try Self.overrideRevision(db)) }
    }

    /// Sets (or replaces) an override and appends the audit line, in one transaction.
    public func setOverride(_ override: StoredOverride) async throws -> OverrideChange {
        try await writer.write { db in
            let previous = try Self.fetchOverrides(db, name: override.name).first
            try db.execute(sql: """
                INSERT INTO overrides (name, value, reason, actor, set_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(name) DO UPDATE SET value = excluded.value, reason = excluded.reason,
                    actor = excluded.actor, set_at = excluded.set_at
                """, arguments: [override.name, override.value, override.reason, override.actor, override.setAt])
            try Self.audit(db, name: override.name, action: "set", old: previous?.value, new: override.value,
                           reason: override.reason, actor: override.actor, at: override.setAt)
            return OverrideChange(previous: previous, active: try Self.fetchOverrides(db), revision: try Self.overrideRevision(db))
        }
    }

    /// Clears an override and appends the audit line; nil when none was set (nothing written).
    public func clearOverride(name: String, reason: String, actor: String, at: Date) async throws -> OverrideChange? {
        try await writer.write { db in
            guard let previous = try Self.fetchOverrides(db, name: name).first else { return nil }
            try db.execute(sql: "DELETE FROM overrides WHERE name = ?", arguments: [name])
            try Self.audit(db, name: name, action: "clear", old: previous.value, new: nil, reason: reason, actor: actor, at: at)
            return OverrideChange(previous: previous, active: try Self.fetchOverrides(db), revision: try Self.overrideRevision(db))
        }
    }

    /// The newest audit lines first, optionally for one setting.
    public func overrideAudit(name: String? = nil, limit: Int = 100) async throws -> [OverrideAuditEntry] {
        try await writer.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT * FROM override_audit WHERE (?1 IS NULL OR name = ?1) ORDER BY id DESC LIMIT ?2
                """, arguments: [name, limit])
            return rows.map { row in
                OverrideAuditEntry(id: row["id"], name: row["name"], action: row["action"], oldValue: row["old_value"],
                                   newValue: row["new_value"], reason: row["reason"], actor: row["actor"], at: row["at"])
            }
        }
    }

    private static func fetchOverrides(_ db: Database, name: String? = nil) throws -> [StoredOverride] {
        try Row.fetchAll(db, sql: "SELECT * FROM overrides WHERE (?1 IS NULL OR name = ?1) ORDER BY name",
                         arguments: [name]).map { row in
            StoredOverride(name: row["name"], value: row["value"], reason: row["reason"], actor: row["actor"], setAt: row["set_at"])
        }
    }

    private static func overrideRevision(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT coalesce(max(id), 0) FROM override_audit") ?? 0
    }

    private static func audit(_ db: Database, name: String, action: String, old: String?, new: String?,
                              reason: String, actor: String, at: Date) throws {
        try db.execute(sql: """
            INSERT INTO override_audit (name, action, old_value, new_value, reason, actor, at) VALUES (?, ?, ?, ?, ?, ?, ?)
            """, arguments: [name, action, old, new, reason, actor, at])
    }
}
