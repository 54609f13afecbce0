import Foundation
import GRDB
import OracleCore
@testable import Storage
import Testing
import TestSupport

/// v8 on a database a user already has: incidents and their per-role notification rows (five
/// roles on the same channel, the same instant, even exact duplicates) must migrate, not fail
/// the upgrade.
@Suite struct PagingMigrationTests {
    @Test func aV7DatabaseWithPerRoleNotificationsUpgrades() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("oracle_sessions.db")
        let queue = try DatabaseQueue(path: path)
        try SQLiteStore.migrator.migrate(queue, upTo: "v7_policy_test_passes")
        try await queue.write { db in
            try db.execute(sql: """
                INSERT INTO incidents (id, severity, status, level, reasons, opened_at, actions_taken, opening_metrics)
                VALUES ('INC-OLD', 'P1', 'open', 1, '["error rate 30.0% > 25%"]', '2027-01-15 08:00:00.000', '[]', '{}')
                """)
            // `oncall` twice: an edited escalation.lua could name a role twice, and v7 queued both.
            for role in ["oncall", "oncall", "incident-commander", "tech-lead", "ops", "engineering-manager"] {
                for channel in ["webhook", "log"] {
                    try db.execute(sql: """
                        INSERT INTO notification_outbox (incident_id, channel, target, template, text, status, attempts,
                            next_attempt_at, created_at) VALUES ('INC-OLD', ?, ?, 'declaration', 'x', 'delivered', 1, ?, ?)
                        """, arguments: [channel, role, "2027-01-15 08:00:00.000", "2027-01-15 08:00:00.000"])
                }
            }
        }
        try queue.close()

        let store = try SQLiteStore(location: DatabaseLocation(path: path))
        defer { try? store.close() }
        try await store.migrate()
        #expect(try await store.isMigrated())
        let incident = try #require(try await store.incident(id: "INC-OLD"))
        #expect(incident.source == "monitor" && incident.quietUntil == nil)
        #expect(try await store.openIncident()?.id == "INC-OLD", "the monitor resumes it")
        let rows = try await store.notifications(incidentID: "INC-OLD")
        #expect(rows.count == 12, "every row kept")
        #expect(Set(rows.map(\.kind)) == ["webhook", "log"], "the old channel names say how they were reached")
    }
}
