import Foundation
import GRDB
import Storage
import Testing

/// Which failures of real SQLite count as the database being unavailable (the API's 503) and
/// which stay what they are.
@Suite struct DatabaseUnavailableTests {
    @Test func aCorruptFileIsUnavailableAndAMistakeInAQueryIsNot() async throws {
        let f = try await StoreFixture()
        defer { f.close() }
        let ids = try await f.fill(sessions: 40, messages: 10, content: String(repeating: "words ", count: 80))
        try f.store.close()
        try corrupt(f.location.path)
        let reopened = try SQLiteStore(location: f.location)
        defer { try? reopened.close() }

        var failure: (any Error)?
        do {
            for id in ids { _ = try await reopened.messages(sessionID: id, tenant: "t", last: nil) }
        } catch {
            failure = error
        }
        let unavailable = try #require(failure.flatMap(DatabaseUnavailable.init), "\(String(describing: failure))")
        #expect(unavailable.cause == "the database file is corrupt (SQLITE_CORRUPT)")

        // The database answering "no" is not the database failing: these stay a 404 or a 500.
        let mistake = await #expect(throws: DatabaseError.self) {
            try await reopened.writer.read { db in try Int.fetchOne(db, sql: "SELEC 1") }
        }
        #expect(mistake.flatMap(DatabaseUnavailable.init) == nil)
        #expect(DatabaseUnavailable(StorageError.notFound) == nil)
    }
}
