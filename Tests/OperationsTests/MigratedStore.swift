import OracleCore
import Storage
import TestSupport

/// A migrated store in a temporary folder; `close()` removes both.
struct MigratedStore {
    let dir: TemporaryDirectory
    let store: SQLiteStore

    init() async throws {
        dir = try TemporaryDirectory()
        store = try SQLiteStore(location: DatabaseLocation(path: dir.file("oracle_sessions.db")))
        try await store.migrate()
    }

    func close() {
        try? store.close()
        dir.remove()
    }
}
