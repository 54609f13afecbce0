import Foundation
import GRDB
import OracleCore
import Storage
import TestSupport

/// A migrated store in a temporary folder, with helpers to fill and compare databases.
struct StoreFixture {
    let dir: TemporaryDirectory
    let store: SQLiteStore
    var location: DatabaseLocation { store.location }

    init(_ name: String = "data/oracle_sessions.db") async throws {
        dir = try TemporaryDirectory()
        store = try SQLiteStore(location: DatabaseLocation(path: dir.file(name)))
        try await store.migrate()
    }

    func close() {
        try? store.close()
        dir.remove()
    }

    /// `sessions` sessions with `messages` messages each.
    @discardableResult
    func fill(sessions: Int, messages: Int, content: String = "hello") async throws -> [String] {
        var ids: [String] = []
        for i in 0..<sessions {
            let session = try await store.createSession(tenant: "t", title: "s\(i)")
            for _ in 0..<messages {
                _ = try await store.appendMessage(NewMessage(role: .user, content: content), sessionID: session.id, tenant: "t")
            }
            ids.append(session.id)
        }
        return ids
    }
}

/// Row counts of a database file, read with a fresh connection.
func counts(ofFileAt path: String) throws -> (sessions: Int, messages: Int, orphans: Int, mismatched: Int) {
    let queue = try DatabaseQueue(path: path)
    defer { try? queue.close() }
    return try queue.read { db in
        (try Int.fetchOne(db, sql: "SELECT count(*) FROM sessions") ?? -1,
         try Int.fetchOne(db, sql: "SELECT count(*) FROM messages") ?? -1,
         try Int.fetchOne(db, sql: "SELECT count(*) FROM messages WHERE session_id NOT IN (SELECT id FROM sessions)") ?? -1,
         try Int.fetchOne(db, sql: """
             SELECT count(*) FROM sessions s
             WHERE s.message_count != (SELECT count(*) FROM messages m WHERE m.session_id = s.id)
             """) ?? -1)
    }
}

/// Overwrites everything after the first page with garbage, as a failing disk would.
func corrupt(_ path: String) throws {
    var data = try Data(contentsOf: URL(fileURLWithPath: path))
    let pageSize = 4096
    precondition(data.count > pageSize * 2, "file too small to corrupt")
    // Damage the data pages in the second half, leaving the schema pages readable, so SQLite opens
    // the file and its integrity check finds the damage.
    let start = max(pageSize * 2, data.count / 2 / pageSize * pageSize)
    for offset in stride(from: start, to: data.count - pageSize / 2, by: 1) {
        data[offset] = UInt8(truncatingIfNeeded: offset &* 7919)
    }
    try data.write(to: URL(fileURLWithPath: path))
}
