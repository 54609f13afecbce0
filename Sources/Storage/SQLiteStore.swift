import Foundation
import GRDB
import OracleCore
import Synchronization

/// The embedded store: one SQLite file in WAL mode through a GRDB `DatabasePool`.
///
/// Writes use `synchronous = FULL`, so a message acknowledged to a client survives a power
/// loss, not only a crash. Migrations are named and append-only (``SQLiteStore/migrator``).
///
/// By default the commit that takes the WAL past 1000 pages copies it into the database file
/// (SQLite's automatic checkpoint), which makes that one request wait for it. The server opens
/// the store with `.background`, where a ``WALCheckpointer`` does that work on its own
/// connection and commits only checkpoint past a high backstop.
///
/// ```swift
/// let store = try SQLiteStore(location: DatabaseLocation(path: "data/oracle_sessions.db"))
/// try await store.migrate()
/// ```
public final class SQLiteStore: ChatStore {
    public let writer: any DatabaseWriter
    public let location: DatabaseLocation
    public let checkpointing: WALCheckpointing
    /// Message appends, group-committed (``AppendBatcher``).
    let appends: AppendBatcher
    private let closed = Mutex(false)
    /// How long a statement waits for a lock held by another connection before it fails with `SQLITE_BUSY`.
    public static let busyTimeoutSeconds = 5

    public init(location: DatabaseLocation, checkpointing: WALCheckpointing = .automatic) throws {
        self.location = location
        self.checkpointing = checkpointing
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(TimeInterval(Self.busyTimeoutSeconds))
        configuration.label = "oracle-chat"
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            if case .background(let backstopPages) = checkpointing {
                try db.execute(sql: "PRAGMA wal_autocheckpoint = \(max(1, backstopPages))")
            }
        }
        do {
            if location.isInMemory {
                writer = try DatabaseQueue(configuration: configuration)
            } else {
                let url = URL(fileURLWithPath: location.path)
                try FileManager.default.createDirectory(
                    at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                let pool = try DatabasePool(path: location.path, configuration: configuration)
                // GRDB turns WAL on for the writer after `prepareDatabase` and sets
                // `synchronous = NORMAL` with it (no sync per commit): put FULL back on the one
                // connection that commits.
                try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
                writer = pool
            }
        } catch {
            throw StorageError.cannotOpen(path: location.path, reason: "\(error)")
        }
        appends = AppendBatcher(writer: writer) { messages, sessionID, tenant, db in
            try SQLiteStore.insert(messages, sessionID: sessionID, tenant: tenant, db)
        }
    }

    /// Applies every migration not yet recorded in `grdb_migrations`.
    public func migrate() async throws {
        let writer = self.writer
        // Migrating blocks while it writes; keep it off the caller's executor.
        try await Task.detached { try Self.migrator.migrate(writer) }.value
    }

    /// True when every known migration has been applied.
    public func isMigrated() async throws -> Bool {
        try await writer.read { db in try Self.migrator.hasCompletedMigrations(db) }
    }

    public func health() async -> DatabaseHealth {
        let start = ContinuousClock.now
        do {
            let version = try await writer.read { db -> String? in
                _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM sessions")
                return try Self.migrator.appliedIdentifiers(db).sorted().last
            }
            return DatabaseHealth(status: "healthy", latencyMs: Self.ms(since: start), schemaVersion: version)
        } catch {
            // The cause in words when it is the database failing: health is unauthenticated.
            return DatabaseHealth(status: "unhealthy", latencyMs: Self.ms(since: start),
                                  error: DatabaseUnavailable(error)?.cause ?? "\(error)")
        }
    }

    static func ms(since start: ContinuousClock.Instant) -> Double {
        (ContinuousClock.now - start).milliseconds
    }

    /// Checkpoints the WAL into the database file (so the file alone is complete, as a copy
    /// or a restore expects) and closes every connection. Safe to call twice.
    public func close() throws {
        let first = closed.withLock { closed in
            defer { closed = true }
            return !closed
        }
        guard first else { return }
        if !location.isInMemory {
            try? writer.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
        }
        try writer.close()
    }
}

/// Who copies the WAL back into the database file.
public enum WALCheckpointing: Sendable, Equatable {
    /// SQLite's default: the commit that takes the WAL past 1000 pages (about 4 MB) checkpoints.
    case automatic
    /// A ``WALCheckpointer`` checkpoints off the request path; a commit still checkpoints once
    /// the WAL passes `backstopPages`, so the WAL stays bounded if the checkpointer stops.
    case background(backstopPages: Int = 10_000)
}
