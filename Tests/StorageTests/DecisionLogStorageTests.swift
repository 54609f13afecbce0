import Foundation
import GRDB
import OracleCore
@testable import Storage
import Testing
import TestSupport

@Suite struct DecisionLogStorageTests {
    func decision(_ n: Int, bytes: Int) -> StoredDecision {
        // input + output + error = `bytes`
        StoredDecision(policy: "severity", version: "v", input: "{\"n\":\(String(format: "%04d", n))}",
                       output: String(repeating: "o", count: bytes - 10 - 5), durationMicros: 1, fallback: false,
                       error: "error", createdAt: Date())
    }

    /// Past the byte budget the oldest rows go, until the newest fit.
    @Test func theOldestDecisionsGoUntilTheRecordedBytesFit() async throws {
        let fixture = try await StoreFixture()
        defer { fixture.close() }
        let store = fixture.store
        try await store.appendDecisions((1...10).map { decision($0, bytes: 1000) }, keepAtMost: 100, keepBytesAtMost: 4500)
        var kept = try await store.decisions(policy: nil, since: nil, limit: 100)
        #expect(kept.map(\.input) == (7...10).reversed().map { "{\"n\":\(String(format: "%04d", $0))}" })
        #expect(kept.allSatisfy { $0.recordedBytes == 1000 })

        try await store.appendDecisions([decision(11, bytes: 3000)], keepAtMost: 100, keepBytesAtMost: 4500)
        kept = try await store.decisions(policy: nil, since: nil, limit: 100)
        #expect(kept.count == 2, "11 (3000) and 10 (1000) fit, 9 would not")
        #expect(kept.reduce(0) { $0 + $1.recordedBytes } == 4000)

        try await store.appendDecisions([decision(12, bytes: 1000)], keepAtMost: 100, keepBytesAtMost: 0)
        #expect(try await store.decisions(policy: nil, since: nil, limit: 100).isEmpty, "0 keeps none, like the row limit")
    }

    /// Rows recorded before the byte column existed are counted by the migration, so an
    /// oversized old log shrinks at the first write after the upgrade.
    @Test func rowsFromBeforeTheMigrationAreCounted() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try SQLiteStore(location: DatabaseLocation(path: dir.file("oracle.db")))
        defer { try? store.close() }
        try SQLiteStore.migrator.migrate(store.writer, upTo: "v5_policy_version_tests")
        try await store.writer.write { db in
            for n in 1...3 {
                try db.execute(sql: """
                    INSERT INTO policy_decisions (policy, version, input, output, duration_us, fallback, error, created_at)
                    VALUES ('rollout', 'v', ?, 'é', 1, 1, NULL, ?)
                    """, arguments: [String(repeating: "i", count: 2000 + n), Date()])
            }
        }
        try await store.migrate()
        let bytes = try await store.writer.read { db in try Int.fetchAll(db, sql: "SELECT bytes FROM policy_decisions ORDER BY id") }
        #expect(bytes == [2003, 2004, 2005], "input bytes + 2 bytes of 'é'")
        try await store.appendDecisions([decision(4, bytes: 100)], keepAtMost: 100, keepBytesAtMost: 2200)
        let kept = try await store.decisions(policy: nil, since: nil, limit: 100)
        #expect(kept.count == 2 && kept.last?.input.count == 2003)
    }
}
