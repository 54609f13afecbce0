import Foundation
import GRDB

/// An incident as stored: one row per incident, the timeline in `incident_events`.
public struct StoredIncident: Sendable, Equatable, Codable {
    public var id: String
    /// `P0`…`P3`: the worst severity seen while open.
    public var severity: String
    /// `open`, `acknowledged` or `resolved`.
    public var status: String
    public var level: Int
    public var reasons: [String]
    public var openedAt: Date
    public var acknowledgedAt: Date?
    public var acknowledgedBy: String?
    public var mitigatedAt: Date?
    public var resolvedAt: Date?
    public var resolutionNote: String?
    public var lastNotifiedAt: Date?
    /// When the condition was last seen gone (quiet period for auto-resolve); nil while it holds.
    public var clearSince: Date?
    public var actionsTaken: [String]
    /// The severity input at opening, as JSON text.
    public var openingMetrics: String
    /// `monitor` (opened by severity.lua) or `manual` (declared over the admin API; only a
    /// person resolves it).
    public var source: String = "monitor"
    /// A declared incident's title and description (the monitor's incidents have reasons).
    public var title: String?
    public var incidentDescription: String?
    /// Who declared it (manual incidents).
    public var declaredBy: String?
    /// Until then the same condition (this severity or milder) does not open a new incident:
    /// the cooldown escalation.lua returned when it resolved.
    public var quietUntil: Date?

    public init(id: String, severity: String, status: String = "open", level: Int = 0, reasons: [String],
                openedAt: Date, openingMetrics: String) {
        self.id = id
        self.severity = severity
        self.status = status
        self.level = level
        self.reasons = reasons
        self.openedAt = openedAt
        self.actionsTaken = []
        self.openingMetrics = openingMetrics
    }

    public var isOpen: Bool { status != "resolved" }
    public var isManual: Bool { source == "manual" }

    /// `incidentDescription` is the `description` column (the name is taken by CustomStringConvertible).
    enum CodingKeys: String, CodingKey {
        case id, severity, status, level, reasons, openedAt, acknowledgedAt, acknowledgedBy, mitigatedAt, resolvedAt,
             resolutionNote, lastNotifiedAt, clearSince, actionsTaken, openingMetrics, source, title,
             incidentDescription = "description", declaredBy, quietUntil
    }
}

/// A row of `incidents`; `reasons` and `actions_taken` are JSON arrays of text.
extension StoredIncident: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "incidents"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
    public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase
}

/// One entry of an incident's timeline.
public struct IncidentEvent: Sendable, Equatable, Codable {
    public var id: Int64
    public var incidentID: String
    public var at: Date
    /// `opened`, `severity_changed`, `escalated`, `notified`, `action`, `action_failed`,
    /// `acknowledged`, `note`, `condition_cleared`, `condition_returned`, `resolved`.
    public var kind: String
    public var message: String
    /// JSON text: the metrics at that step, the action's parameters, etc.
    public var data: String?

    /// The columns, spelled out: `incidentID` would not survive snake_case conversion (`incident_id`
    /// converts back to `incidentId`).
    enum CodingKeys: String, CodingKey {
        case id, incidentID = "incident_id", at, kind, message, data
    }
}

/// A row of `incident_events`.
extension IncidentEvent: FetchableRecord {
    public static let databaseTableName = "incident_events"
}

/// A notification waiting for (or done with) delivery.
public struct OutboxNotification: Sendable, Equatable, Codable {
    public var id: Int64
    public var incidentID: String
    /// The destination's name in the contacts file (`log`, `webhook` without one).
    public var channel: String
    /// `webhook`, `pagerduty` or `log`: how the destination is reached.
    public var kind: String
    /// The roles this page reaches at that destination, comma-separated.
    public var target: String
    /// `declaration`, `update`, `resolution` or `acknowledgement`.
    public var template: String
    public var text: String
    /// The incident's severity when it was queued (PagerDuty's `payload.severity`).
    public var severity: String
    /// `pending`, `delivered`, `failed` (gave up) or `silenced` (held by a silence or a
    /// maintenance window; never sent, `last_error` names it).
    public var status: String
    public var attempts: Int
    public var nextAttemptAt: Date
    public var lastError: String?
    public var createdAt: Date
    public var deliveredAt: Date?

    /// The columns, spelled out as ``IncidentEvent``'s are.
    enum CodingKeys: String, CodingKey {
        case id, incidentID = "incident_id", channel, kind, target, template, text, severity, status, attempts,
             nextAttemptAt = "next_attempt_at", lastError = "last_error", createdAt = "created_at", deliveredAt = "delivered_at"
    }
}

/// A row of `notification_outbox`.
extension OutboxNotification: FetchableRecord {
    public static let databaseTableName = "notification_outbox"
}

extension SQLiteStore {
    static func registerIncidentMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v4_incidents_and_outbox") { db in
            try db.create(table: "incidents") { t in
                t.primaryKey("id", .text)
                t.column("severity", .text).notNull()
                t.column("status", .text).notNull()
                t.column("level", .integer).notNull()
                t.column("reasons", .text).notNull()
                t.column("opened_at", .datetime).notNull()
                t.column("acknowledged_at", .datetime)
                t.column("acknowledged_by", .text)
                t.column("mitigated_at", .datetime)
                t.column("resolved_at", .datetime)
                t.column("resolution_note", .text)
                t.column("last_notified_at", .datetime)
                t.column("clear_since", .datetime)
                t.column("actions_taken", .text).notNull()
                t.column("opening_metrics", .text).notNull()
            }
            try db.create(index: "incidents_by_status", on: "incidents", columns: ["status", "opened_at"])
            try db.create(table: "incident_events") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("incident_id", .text).notNull().references("incidents", onDelete: .cascade)
                t.column("at", .datetime).notNull()
                t.column("kind", .text).notNull()
                t.column("message", .text).notNull()
                t.column("data", .text)
            }
            try db.create(index: "incident_events_by_incident", on: "incident_events", columns: ["incident_id", "id"])
            try db.create(table: "notification_outbox") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("incident_id", .text).notNull()
                t.column("channel", .text).notNull()
                t.column("target", .text).notNull()
                t.column("template", .text).notNull()
                t.column("text", .text).notNull()
                t.column("status", .text).notNull()
                t.column("attempts", .integer).notNull()
                t.column("next_attempt_at", .datetime).notNull()
                t.column("last_error", .text)
                t.column("created_at", .datetime).notNull()
                t.column("delivered_at", .datetime)
            }
            try db.create(index: "outbox_due", on: "notification_outbox", columns: ["status", "next_attempt_at"])
        }
    }

    // MARK: Incidents

    /// Inserts or updates (an upsert, never `REPLACE`, which would cascade-delete the timeline).
    /// When and with what metrics an incident opened never change.
    public func saveIncident(_ incident: StoredIncident) async throws {
        try await writer.write { db in
            _ = try incident.upsertAndFetch(db, onConflict: ["id"]) { _ in
                [Column("opened_at").noOverwrite, Column("opening_metrics").noOverwrite]
            }
        }
    }

    public func incident(id: String) async throws -> StoredIncident? {
        try await writer.read { db in try StoredIncident.fetchOne(db, key: id) }
    }

    /// The monitor's incident still open (there is at most one: one condition, one incident).
    /// Declared incidents live beside it.
    public func openIncident() async throws -> StoredIncident? {
        try await writer.read { db in
            try StoredIncident.fetchOne(db, sql: """
                SELECT * FROM incidents WHERE status != 'resolved' AND source = 'monitor' ORDER BY opened_at DESC LIMIT 1
                """)
        }
    }

    /// The monitor's most recently resolved incident whose cooldown has not run out at `now`.
    public func quietIncident(at now: Date) async throws -> StoredIncident? {
        try await writer.read { db in
            try StoredIncident.fetchOne(db, sql: """
                SELECT * FROM incidents WHERE status = 'resolved' AND source = 'monitor' AND quiet_until > ?
                ORDER BY resolved_at DESC LIMIT 1
                """, arguments: [now])
        }
    }

    /// Declared incidents still open, oldest first.
    public func openManualIncidents() async throws -> [StoredIncident] {
        try await writer.read { db in
            try StoredIncident.fetchAll(db, sql: """
                SELECT * FROM incidents WHERE status != 'resolved' AND source = 'manual' ORDER BY opened_at LIMIT 100
                """)
        }
    }

    public func incidents(status: String?, severity: String?, limit: Int) async throws -> [StoredIncident] {
        try await writer.read { db in
            var sql = "SELECT * FROM incidents WHERE 1"
            var arguments: StatementArguments = []
            if let status { sql += " AND status = ?"; arguments += [status] }
            if let severity { sql += " AND severity = ?"; arguments += [severity] }
            sql += " ORDER BY opened_at DESC LIMIT ?"
            arguments += [limit]
            return try StoredIncident.fetchAll(db, sql: sql, arguments: arguments)
        }
    }

    public func appendIncidentEvent(_ incidentID: String, kind: String, message: String, data: String? = nil, at: Date) async throws {
        try await writer.write { db in
            try db.execute(sql: """
                INSERT INTO incident_events (incident_id, at, kind, message, data) VALUES (?, ?, ?, ?, ?)
                """, arguments: [incidentID, at, kind, message, data])
        }
    }

    public func incidentEvents(_ incidentID: String) async throws -> [IncidentEvent] {
        try await writer.read { db in
            try IncidentEvent.fetchAll(db, sql: "SELECT * FROM incident_events WHERE incident_id = ? ORDER BY id",
                                       arguments: [incidentID])
        }
    }

    // MARK: Outbox

    /// Queues one page; `silencedBy` stores it as held (never sent).
    public func enqueueNotification(_ page: QueuedPage, at: Date) async throws {
        try await writer.write { db in
            try db.execute(sql: """
                INSERT INTO notification_outbox (incident_id, channel, kind, target, template, text, severity,
                    status, attempts, next_attempt_at, last_error, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)
                """, arguments: [page.incidentID, page.channel, page.kind, page.target, page.template, page.text, page.severity,
                                 page.silencedBy == nil ? "pending" : "silenced", at, page.silencedBy.map { "silenced by \($0)" }, at])
        }
    }

    /// Pages due at `now`, oldest first; a page waits while an older one of the same incident to
    /// the same destination is still pending (backing off), so PagerDuty never gets a resolve
    /// before its trigger.
    public func dueNotifications(now: Date, limit: Int) async throws -> [OutboxNotification] {
        try await writer.read { db in
            try OutboxNotification.fetchAll(db, sql: """
                SELECT * FROM notification_outbox AS page WHERE status = 'pending' AND next_attempt_at <= ?
                AND NOT EXISTS (SELECT 1 FROM notification_outbox AS earlier
                    WHERE earlier.incident_id = page.incident_id AND earlier.channel = page.channel
                    AND earlier.status = 'pending' AND earlier.id < page.id)
                ORDER BY id LIMIT ?
                """, arguments: [now, limit])
        }
    }

    public func notifications(incidentID: String) async throws -> [OutboxNotification] {
        try await writer.read { db in
            try OutboxNotification.fetchAll(db, sql: "SELECT * FROM notification_outbox WHERE incident_id = ? ORDER BY id",
                                            arguments: [incidentID])
        }
    }

    public func markNotification(_ id: Int64, delivered: Bool, error: String?, attempts: Int, nextAttemptAt: Date?,
                                 givenUp: Bool, at: Date) async throws {
        try await writer.write { db in
            let status = delivered ? "delivered" : (givenUp ? "failed" : "pending")
            try db.execute(sql: """
                UPDATE notification_outbox SET status = ?, attempts = ?, last_error = ?, next_attempt_at = ?,
                    delivered_at = ? WHERE id = ?
                """, arguments: [status, attempts, error, nextAttemptAt ?? at, delivered ? at : nil, id])
        }
    }
}
