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
}

/// A notification waiting for (or done with) delivery.
public struct OutboxNotification: Sendable, Equatable, Codable {
    public var id: Int64
    public var incidentID: String
    public var channel: String
    public var target: String
    public var template: String
    public var text: String
    /// `pending`, `delivered` or `failed` (gave up).
    public var status: String
    public var attempts: Int
    public var nextAttemptAt: Date
    public var lastError: String?
    public var createdAt: Date
    public var deliveredAt: Date?
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
    public func saveIncident(_ incident: StoredIncident) async throws {
        try await writer.write { db in
            try db.execute(sql: """
                INSERT INTO incidents (id, severity, status, level, reasons, opened_at, acknowledged_at,
                    acknowledged_by, mitigated_at, resolved_at, resolution_note, last_notified_at, clear_since,
                    actions_taken, opening_metrics)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET severity = excluded.severity, status = excluded.status,
                    level = excluded.level, reasons = excluded.reasons, acknowledged_at = excluded.acknowledged_at,
                    acknowledged_by = excluded.acknowledged_by, mitigated_at = excluded.mitigated_at,
                    resolved_at = excluded.resolved_at, resolution_note = excluded.resolution_note,
                    last_notified_at = excluded.last_notified_at, clear_since = excluded.clear_since,
                    actions_taken = excluded.actions_taken
                """, arguments: [
                    incident.id, incident.severity, incident.status, incident.level, Self.json(incident.reasons),
                    incident.openedAt, incident.acknowledgedAt, incident.acknowledgedBy, incident.mitigatedAt,
                    incident.resolvedAt, incident.resolutionNote, incident.lastNotifiedAt, incident.clearSince,
                    Self.json(incident.actionsTaken), incident.openingMetrics,
                ])
        }
    }

    public func incident(id: String) async throws -> StoredIncident? {
        try await writer.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM incidents WHERE id = ?", arguments: [id]).map(StoredIncident.init(row:))
        }
    }

    /// The incident still open (there is at most one: one condition, one incident).
    public func openIncident() async throws -> StoredIncident? {
        try await writer.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM incidents WHERE status != 'resolved' ORDER BY opened_at DESC LIMIT 1")
                .map(StoredIncident.init(row:))
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
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map(StoredIncident.init(row:))
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
            try Row.fetchAll(db, sql: "SELECT * FROM incident_events WHERE incident_id = ? ORDER BY id",
                             arguments: [incidentID]).map(IncidentEvent.init(row:))
        }
    }

    // MARK: Outbox

    public func enqueueNotification(incidentID: String, channel: String, target: String, template: String,
                                    text: String, at: Date) async throws {
        try await writer.write { db in
            try db.execute(sql: """
                INSERT INTO notification_outbox (incident_id, channel, target, template, text, status, attempts,
                    next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?)
                """, arguments: [incidentID, channel, target, template, text, at, at])
        }
    }

    public func dueNotifications(now: Date, limit: Int) async throws -> [OutboxNotification] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM notification_outbox WHERE status = 'pending' AND next_attempt_at <= ?
                ORDER BY id LIMIT ?
                """, arguments: [now, limit]).map(OutboxNotification.init(row:))
        }
    }

    public func notifications(incidentID: String) async throws -> [OutboxNotification] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM notification_outbox WHERE incident_id = ? ORDER BY id",
                             arguments: [incidentID]).map(OutboxNotification.init(row:))
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

    static func json(_ strings: [String]) -> String {
        (try? String(decoding: JSONEncoder().encode(strings), as: UTF8.self)) ?? "[]"
    }

    static func strings(_ json: String) -> [String] {
        (try? JSONDecoder().decode([String].self, from: Data(json.utf8))) ?? []
    }
}

extension StoredIncident {
    init(row: Row) {
        self.init(id: row["id"], severity: row["severity"], status: row["status"], level: row["level"],
                  reasons: SQLiteStore.strings(row["reasons"]), openedAt: row["opened_at"],
                  openingMetrics: row["opening_metrics"])
        acknowledgedAt = row["acknowledged_at"]
        acknowledgedBy = row["acknowledged_by"]
        mitigatedAt = row["mitigated_at"]
        resolvedAt = row["resolved_at"]
        resolutionNote = row["resolution_note"]
        lastNotifiedAt = row["last_notified_at"]
        clearSince = row["clear_since"]
        actionsTaken = SQLiteStore.strings(row["actions_taken"])
    }
}

extension IncidentEvent {
    init(row: Row) {
        self.init(id: row["id"], incidentID: row["incident_id"], at: row["at"], kind: row["kind"],
                  message: row["message"], data: row["data"])
    }
}

extension OutboxNotification {
    init(row: Row) {
        self.init(id: row["id"], incidentID: row["incident_id"], channel: row["channel"], target: row["target"],
                  template: row["template"], text: row["text"], status: row["status"], attempts: row["attempts"],
                  nextAttemptAt: row["next_attempt_at"], lastError: row["last_error"], createdAt: row["created_at"],
                  deliveredAt: row["delivered_at"])
    }
}
