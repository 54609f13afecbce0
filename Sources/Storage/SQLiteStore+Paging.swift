import Foundation
import GRDB

/// One page to queue: an incident's event for one destination of the contacts file.
public struct QueuedPage: Sendable, Equatable {
    public var incidentID: String
    /// The destination's name.
    public var channel: String
    /// `webhook`, `pagerduty` or `log`.
    public var kind: String
    /// The roles reached there, comma-separated.
    public var target: String
    public var template: String
    public var text: String
    public var severity: String
    /// The silence or maintenance window holding it; nil = deliver.
    public var silencedBy: String?

    public init(incidentID: String, channel: String, kind: String, target: String, template: String, text: String,
                severity: String, silencedBy: String? = nil) {
        self.incidentID = incidentID
        self.channel = channel
        self.kind = kind
        self.target = target
        self.template = template
        self.text = text
        self.severity = severity
        self.silencedBy = silencedBy
    }
}

/// A silence (matches some incidents) or a maintenance window (matches every incident): while
/// active, pages are recorded as `silenced` instead of sent; incidents still open and act.
public struct StoredSilence: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable { case silence, maintenance }

    public var id: String
    public var kind: Kind
    /// Severities it matches; empty = any.
    public var severities: [String]
    /// Matches an incident whose reasons or title contain this text (case-insensitive); nil = any.
    public var reasonContains: String?
    public var startsAt: Date
    public var endsAt: Date
    public var author: String
    public var comment: String
    public var createdAt: Date
    /// Who ended it early (DELETE), if anyone.
    public var removedBy: String?

    public init(id: String, kind: Kind, severities: [String], reasonContains: String?, startsAt: Date, endsAt: Date,
                author: String, comment: String, createdAt: Date, removedBy: String? = nil) {
        self.id = id
        self.kind = kind
        self.severities = severities
        self.reasonContains = reasonContains
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.author = author
        self.comment = comment
        self.createdAt = createdAt
        self.removedBy = removedBy
    }

    public func isActive(at now: Date) -> Bool { startsAt <= now && now < endsAt }

    /// Whether it holds pages for an incident of `severity` with these reasons (and title).
    public func matches(severity: String, reasons: [String]) -> Bool {
        guard kind == .silence else { return true }
        if !severities.isEmpty && !severities.contains(severity) { return false }
        guard let needle = reasonContains?.lowercased(), !needle.isEmpty else { return true }
        return reasons.contains { $0.lowercased().contains(needle) }
    }
}

extension StoredSilence: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "silences"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
    public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase
}

extension SQLiteStore {
    static func registerPagingMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v8_paging_silences_declared_incidents") { db in
            // Declared incidents beside the monitor's; the cooldown that keeps a resolution sticky.
            try db.alter(table: "incidents") { t in
                t.add(column: "source", .text).notNull().defaults(to: "monitor")
                t.add(column: "title", .text)
                t.add(column: "description", .text)
                t.add(column: "declared_by", .text)
                t.add(column: "quiet_until", .datetime)
            }
            // One row per destination of the contacts file (not per role): `kind` says how it is
            // reached; `severity` is PagerDuty's. One event is queued once because the incident
            // monitor makes its changes one at a time (no unique index: rows written before this
            // held one row per role, duplicates included, and must not fail the upgrade).
            try db.alter(table: "notification_outbox") { t in
                t.add(column: "kind", .text).notNull().defaults(to: "webhook")
                t.add(column: "severity", .text).notNull().defaults(to: "")
            }
            try db.execute(sql: "UPDATE notification_outbox SET kind = channel WHERE channel IN ('log', 'webhook')")
            // Per incident and destination, pages go out in order (a resolve never before its trigger).
            try db.create(index: "outbox_by_destination", on: "notification_outbox", columns: ["incident_id", "channel", "id"])
            try db.create(table: "silences") { t in
                t.primaryKey("id", .text)
                t.column("kind", .text).notNull()
                t.column("severities", .text).notNull()
                t.column("reason_contains", .text)
                t.column("starts_at", .datetime).notNull()
                t.column("ends_at", .datetime).notNull()
                t.column("author", .text).notNull()
                t.column("comment", .text).notNull()
                t.column("created_at", .datetime).notNull()
                t.column("removed_by", .text)
            }
            try db.create(index: "silences_by_end", on: "silences", columns: ["ends_at"])
        }
    }

    // MARK: Silences and maintenance windows

    public func saveSilence(_ silence: StoredSilence) async throws {
        try await writer.write { db in try silence.upsert(db) }
    }

    /// Adds a new silence unless `maxPending` are already active or scheduled at `now`, in one
    /// transaction (two requests cannot both take the last place); false when full.
    public func insertSilence(_ silence: StoredSilence, maxPending: Int, now: Date) async throws -> Bool {
        try await writer.write { db in
            let pending = try Int.fetchOne(db, sql: "SELECT count(*) FROM silences WHERE ends_at > ?", arguments: [now]) ?? 0
            guard pending < maxPending else { return false }
            try silence.insert(db)
            return true
        }
    }

    public func silence(id: String) async throws -> StoredSilence? {
        try await writer.read { db in try StoredSilence.fetchOne(db, key: id) }
    }

    /// Silences of `kind` not yet over at `now` (active or scheduled), soonest end first; with
    /// `includeEnded`, the most recent `limit` of all.
    public func silences(kind: StoredSilence.Kind, now: Date, includeEnded: Bool, limit: Int) async throws -> [StoredSilence] {
        try await writer.read { db in
            if includeEnded {
                return try StoredSilence.fetchAll(db, sql: "SELECT * FROM silences WHERE kind = ? ORDER BY created_at DESC LIMIT ?",
                                                  arguments: [kind.rawValue, limit])
            }
            return try StoredSilence.fetchAll(db, sql: "SELECT * FROM silences WHERE kind = ? AND ends_at > ? ORDER BY ends_at LIMIT ?",
                                              arguments: [kind.rawValue, now, limit])
        }
    }

    /// Every silence and window in force at `now` (both kinds).
    public func activeSilences(at now: Date) async throws -> [StoredSilence] {
        try await writer.read { db in
            try StoredSilence.fetchAll(db, sql: "SELECT * FROM silences WHERE starts_at <= ? AND ends_at > ? ORDER BY created_at",
                                       arguments: [now, now])
        }
    }

    /// Destinations that were paged (queued or delivered, not silenced) for `incidentID`, with
    /// their kind: an acknowledgement or resolution goes only where a page went.
    public func pagedDestinations(incidentID: String) async throws -> [String] {
        try await writer.read { db in
            try String.fetchAll(db, sql: """
                SELECT DISTINCT channel FROM notification_outbox
                WHERE incident_id = ? AND template IN ('declaration', 'update') AND status != 'silenced' ORDER BY channel
                """, arguments: [incidentID])
        }
    }
}
