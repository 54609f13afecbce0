import Foundation
import GRDB
import OracleCore
import Storage
import Testing

/// Incidents, their timeline and the notification outbox are GRDB records: what is saved reads
/// back the same, and rows written before (by hand-written SQL) still read.
@Suite struct IncidentStorageTests {
    static let opened = Date(timeIntervalSince1970: 1_800_000_000)

    static var everyField: StoredIncident {
        var incident = StoredIncident(id: "inc-1", severity: "P1", status: "acknowledged", level: 2,
                                      reasons: ["error rate 31.0% > 25%", "memory \"96%\" / limit"],
                                      openedAt: opened, openingMetrics: #"{"error_rate":0.31}"#)
        incident.acknowledgedAt = opened.addingTimeInterval(60)
        incident.acknowledgedBy = "admin"
        incident.mitigatedAt = opened.addingTimeInterval(120)
        incident.resolvedAt = opened.addingTimeInterval(180)
        incident.resolutionNote = "rolled back"
        incident.lastNotifiedAt = opened.addingTimeInterval(30)
        incident.clearSince = opened.addingTimeInterval(150)
        incident.actionsTaken = ["disable_persistent_sessions", "emergency_cleanup"]
        return incident
    }

    @Test func anIncidentReadsBackAsSaved() async throws {
        let f = try await StoreFixture()
        defer { f.close() }
        try await f.store.saveIncident(Self.everyField)
        #expect(try await f.store.incident(id: "inc-1") == Self.everyField)
        #expect(try await f.store.incidents(status: "acknowledged", severity: "P1", limit: 10) == [Self.everyField])
        #expect(try await f.store.openIncident() == Self.everyField)

        let bare = StoredIncident(id: "inc-2", severity: "P3", reasons: [], openedAt: Self.opened, openingMetrics: "{}")
        try await f.store.saveIncident(bare)
        #expect(try await f.store.incident(id: "inc-2") == bare)
        #expect(try await f.store.incident(id: "inc-3") == nil)
    }

    /// Saving again updates the incident in place: its timeline stays (no `REPLACE` cascade), and
    /// when and with what metrics it opened do not change.
    @Test func savingAgainUpdatesButKeepsTheOpeningAndTheTimeline() async throws {
        let f = try await StoreFixture()
        defer { f.close() }
        try await f.store.saveIncident(Self.everyField)
        try await f.store.appendIncidentEvent("inc-1", kind: "opened", message: "P1 opened", data: #"{"a":1}"#, at: Self.opened)
        var changed = Self.everyField
        changed.status = "resolved"
        changed.reasons = ["gone"]
        changed.openedAt = Self.opened.addingTimeInterval(999)
        changed.openingMetrics = "{}"
        try await f.store.saveIncident(changed)

        let stored = try #require(try await f.store.incident(id: "inc-1"))
        #expect(stored.status == "resolved" && stored.reasons == ["gone"])
        #expect(stored.openedAt == Self.opened)
        #expect(stored.openingMetrics == Self.everyField.openingMetrics)
        let events = try await f.store.incidentEvents("inc-1")
        #expect(events.map(\.kind) == ["opened"])
        #expect(events.first?.incidentID == "inc-1" && events.first?.data == #"{"a":1}"# && events.first?.at == Self.opened)
    }

    @Test func outboxRowsReadBackAndRecordDelivery() async throws {
        let f = try await StoreFixture()
        defer { f.close() }
        let page = QueuedPage(incidentID: "inc-1", channel: "log", kind: "log", target: "oncall", template: "declaration",
                              text: "P1 opened", severity: "P1")
        try await f.store.enqueueNotification(page, at: Self.opened)
        let queued = try #require(try await f.store.dueNotifications(now: Self.opened, limit: 10).first)
        #expect(queued.incidentID == "inc-1" && queued.channel == "log" && queued.target == "oncall")
        #expect(queued.status == "pending" && queued.attempts == 0 && queued.lastError == nil)
        #expect(queued.nextAttemptAt == Self.opened && queued.createdAt == Self.opened && queued.deliveredAt == nil)

        let delivered = Self.opened.addingTimeInterval(5)
        try await f.store.markNotification(queued.id, delivered: true, error: nil, attempts: 1, nextAttemptAt: nil,
                                           givenUp: false, at: delivered)
        let done = try #require(try await f.store.notifications(incidentID: "inc-1").first)
        #expect(done.status == "delivered" && done.attempts == 1 && done.deliveredAt == delivered)
        #expect(try await f.store.dueNotifications(now: delivered, limit: 10).isEmpty)
    }

    /// A resolve queued while its trigger backs off waits for it: PagerDuty must see them in order.
    /// Another destination's pages do not wait.
    @Test func pagesToOneDestinationGoOutInOrder() async throws {
        let f = try await StoreFixture()
        defer { f.close() }
        func page(_ channel: String, _ template: String) -> QueuedPage {
            QueuedPage(incidentID: "inc-1", channel: channel, kind: "pagerduty", target: "oncall", template: template,
                       text: template, severity: "P1")
        }
        try await f.store.enqueueNotification(page("pagerduty", "declaration"), at: Self.opened)
        let trigger = try #require(try await f.store.dueNotifications(now: Self.opened, limit: 10).first)
        try await f.store.markNotification(trigger.id, delivered: false, error: "unreachable", attempts: 1,
                                           nextAttemptAt: Self.opened.addingTimeInterval(64), givenUp: false, at: Self.opened)
        let later = Self.opened.addingTimeInterval(10)
        try await f.store.enqueueNotification(page("pagerduty", "resolution"), at: later)
        try await f.store.enqueueNotification(page("slack", "resolution"), at: later)
        #expect(try await f.store.dueNotifications(now: later, limit: 10).map(\.channel) == ["slack"])
        let retry = Self.opened.addingTimeInterval(64)
        let due = try await f.store.dueNotifications(now: retry, limit: 10).map { "\($0.channel) \($0.template)" }
        #expect(due == ["pagerduty declaration", "slack resolution"], "the resolve still waits for its trigger")
    }

    /// A row as the server wrote it before incidents were records: JSON text arrays, dates as text.
    @Test func rowsWrittenBeforeStillRead() async throws {
        let f = try await StoreFixture()
        defer { f.close() }
        try await f.store.writer.write { db in
            try db.execute(sql: """
                INSERT INTO incidents (id, severity, status, level, reasons, opened_at, actions_taken, opening_metrics)
                VALUES ('old-1', 'P2', 'open', 0, '["latency 9s"]', '2027-01-15 08:00:00.000', '[]', '{}')
                """)
        }
        let old = try #require(try await f.store.incident(id: "old-1"))
        #expect(old.reasons == ["latency 9s"] && old.actionsTaken.isEmpty && old.acknowledgedAt == nil)
        #expect(old.openedAt == Self.opened)  // 2027-01-15 08:00:00 UTC
    }
}
