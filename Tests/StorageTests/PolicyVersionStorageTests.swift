import Foundation
import GRDB
import OracleCore
@testable import Storage
import Testing
import TestSupport

@Suite struct PolicyVersionStorageTests {
    /// A version stored before versions kept their tests reads as "not recorded", which is not
    /// the same as a version that went live without a test file.
    @Test func storedTestsTellNoTestFileFromNotRecorded() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try SQLiteStore(location: DatabaseLocation(path: dir.file("oracle.db")))
        defer { try? store.close() }
        try SQLiteStore.migrator.migrate(store.writer, upTo: "v4_incidents_and_outbox")
        try await store.writer.write { db in
            try db.execute(sql: """
                INSERT INTO policy_versions (policy, hash, source, origin, activated_at) VALUES ('rollout', 'old', 'v0', 'file', ?)
                """, arguments: [Date()])
        }
        try await store.migrate()
        try await store.recordActivation(policy: "rollout", hash: "none", source: "v1", tests: .none, origin: "reload")
        try await store.recordActivation(policy: "rollout", hash: "tested", source: "v2", tests: .file("function test_x() end"),
                                         origin: "reload")
        let versions = try await store.policyActivations(policy: "rollout")
        #expect(versions.map(\.hash) == ["tested", "none", "old"])
        #expect(versions.map(\.tests) == [.file("function test_x() end"), .none, .notRecorded])
    }
}
