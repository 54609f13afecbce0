import Foundation
import GRDB
import OracleCore
import Storage
import Testing
import TestSupport

@Suite struct MaintenanceTests {
    let longAgo = Date(timeIntervalSince1970: 946_684_800) // 2000-01-01

    /// Two sessions last updated long ago (one with messages), one recent; decisions old and new.
    func prepared() async throws -> StoreFixture {
        let fixture = try await StoreFixture()
        let ids = try await fixture.fill(sessions: 3, messages: 4)
        try await fixture.store.writer.write { [longAgo] db in
            // The policy feature's table (migration v2), created here when this build predates it.
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS policy_decisions (id INTEGER PRIMARY KEY AUTOINCREMENT, policy TEXT NOT NULL,
                    version TEXT, input TEXT NOT NULL, output TEXT NOT NULL, duration_us INTEGER NOT NULL,
                    fallback BOOLEAN NOT NULL, error TEXT, created_at DATETIME NOT NULL)
                """)
            try db.execute(sql: "UPDATE sessions SET updated_at = ? WHERE id IN (?, ?)", arguments: [longAgo, ids[0], ids[1]])
            for (i, date) in [longAgo, longAgo, Date()].enumerated() {
                try db.execute(sql: """
                    INSERT INTO policy_decisions (policy, version, input, output, duration_us, fallback, created_at)
                    VALUES ('rollout', 'v\(i)', '{}', '{}', 5, 0, ?)
                    """, arguments: [date])
            }
        }
        return fixture
    }

    func rows(_ store: SQLiteStore, _ table: String) async throws -> Int {
        try await store.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table)") ?? -1 }
    }

    @Test func retentionNeverTouchesChatHistoryByDefault() async throws {
        let fixture = try await prepared()
        defer { fixture.close() }
        let report = try await DatabaseMaintenance(olderThan: .seconds(30 * 86_400)).run(on: fixture.store)
        #expect(try await rows(fixture.store, "sessions") == 3)
        #expect(try await rows(fixture.store, "messages") == 12)
        #expect(try await rows(fixture.store, "policy_decisions") == 1, "only the recent decision is kept")
        #expect(report.tables.first { $0.table == "policy_decisions" }?.deleted == 2)
        #expect(!report.tables.contains { $0.table == "messages" || $0.table == "sessions" })
        #expect(report.tables.first { $0.table == "notification_outbox" }?.deleted == 0)
        #expect(report.vacuumed)
        #expect(try DatabaseInspector.integrity(ofFileAt: fixture.location.path).ok)
    }

    @Test func includeMessagesDeletesOnlySessionsNotUpdatedInThePeriod() async throws {
        let fixture = try await prepared()
        defer { fixture.close() }
        let report = try await DatabaseMaintenance(olderThan: .seconds(86_400), includeChatHistory: true).run(on: fixture.store)
        #expect(try await rows(fixture.store, "sessions") == 1)
        #expect(try await rows(fixture.store, "messages") == 4)
        #expect(report.tables.first { $0.table == "sessions" }?.deleted == 2)
        #expect(report.tables.first { $0.table == "messages" }?.deleted == 8)
    }

    @Test func rulesApplyTheirConditionInBatches() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.close() }
        try await fixture.store.writer.write { [longAgo] db in
            for i in 0..<25 {
                try db.execute(sql: """
                    INSERT INTO notification_outbox (incident_id, channel, target, template, text, status, attempts,
                        next_attempt_at, created_at) VALUES ('INC-1', 'log', 'oncall', 'declaration', 'x', ?, 0, ?, ?)
                    """, arguments: [i < 20 ? "delivered" : "pending", longAgo, longAgo.addingTimeInterval(Double(i))])
            }
        }
        let rule = try #require(RetentionRule.operational.first { $0.table == "notification_outbox" })
        let report = try await DatabaseMaintenance(olderThan: .seconds(60), vacuum: false, rules: [rule], batchSize: 3)
            .run(on: fixture.store)
        #expect(report.tables.map(\.table) == ["notification_outbox"])
        #expect(report.tables.map(\.deleted) == [20])
        #expect(try await rows(fixture.store, "notification_outbox") == 5, "pending notifications are kept")
    }

    /// Pages held by a silence, and silences long over, go like sent pages do: a server that
    /// silences a flapping condition for months must not keep every held page.
    @Test func heldPagesAndEndedSilencesAreKeptOnlyForThePeriod() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.close() }
        let old = Date().addingTimeInterval(-7200)
        try await fixture.store.enqueueNotification(QueuedPage(
            incidentID: "INC-1", channel: "log", kind: "log", target: "oncall", template: "declaration", text: "x",
            severity: "P3", silencedBy: "SIL-1"), at: old)
        try await fixture.store.enqueueNotification(QueuedPage(
            incidentID: "INC-1", channel: "log", kind: "log", target: "oncall", template: "update", text: "x",
            severity: "P3"), at: old)
        func silence(_ id: String, ends: Date) -> StoredSilence {
            StoredSilence(id: id, kind: .silence, severities: ["P3"], reasonContains: nil, startsAt: old, endsAt: ends,
                          author: "bob", comment: "c", createdAt: old)
        }
        try await fixture.store.saveSilence(silence("SIL-1", ends: old.addingTimeInterval(60)))
        try await fixture.store.saveSilence(silence("SIL-2", ends: Date().addingTimeInterval(3600)))
        _ = try await DatabaseMaintenance(olderThan: .seconds(60), vacuum: false).run(on: fixture.store)
        #expect(try await fixture.store.notifications(incidentID: "INC-1").map(\.status) == ["pending"])
        #expect(try await fixture.store.silence(id: "SIL-1") == nil)
        #expect(try await fixture.store.silence(id: "SIL-2") != nil, "an active silence stays")
    }
}
