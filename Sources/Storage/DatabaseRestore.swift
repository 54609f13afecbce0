import Foundation
import GRDB
import OracleCore

/// Replaces the database with a backup, losing nothing on any failure.
///
/// Order: check the backup (a regular file, SQLite header, `integrity_check`, exactly this
/// build's schema) → take the database lock (refused while a server holds it, unless `force`)
/// → remove temporary files of restores killed part-way → save a verified emergency copy of
/// the current database → write the backup to a temporary file next to the database, verify
/// it (schema again: the copy is what gets served) and fsync it → checkpoint the old database
/// and remove its `-wal`/`-shm` (a stale WAL would be replayed onto the new file) → rename over
/// the database → verify the result.
///
/// ```swift
/// let outcome = try await DatabaseRestore(source: "backups/oracle_sessions_20250101_120000.db",
///                                         target: config.database, backupsDirectory: "backups").run()
/// ```
public struct DatabaseRestore: Sendable {
    public var source: String
    public var target: DatabaseLocation
    public var backupsDirectory: String
    /// Proceed although a server holds the lock (the operator knows better).
    public var force: Bool

    public init(source: String, target: DatabaseLocation, backupsDirectory: String, force: Bool = false) {
        self.source = source
        self.target = target
        self.backupsDirectory = backupsDirectory
        self.force = force
    }

    public struct Outcome: Sendable, Equatable {
        /// Where the database as it was before is saved; nil when there was none.
        public var emergencyCopy: String?
        /// False when the old database could not be read and was copied byte for byte.
        public var emergencyCopyVerified: Bool
        public var sessions: Int
        public var messages: Int
        /// The lock as found before the restore: `.held` when overridden with `force`,
        /// `.stale` when a crashed server left its lock file.
        public var priorLock: DatabaseLock.State
        /// Temporary files of earlier restores that were killed part-way, removed by this one.
        public var removedLeftovers: [String] = []
    }

    public func run(progress: CopyProgress? = nil) async throws -> Outcome {
        let request = self
        return try await DedicatedThread.run("oracle-chat.restore") { cancellation in
            try request.restore(progress: progress, cancellation: cancellation)
        }
    }

    func restore(progress: CopyProgress?, cancellation: CancellationFlag) throws -> Outcome {
        let targetPath = target.path
        guard !target.isInMemory else { throw DatabaseOperationError.notOracleChat(path: targetPath, reason: "in-memory database") }
        func resolved(_ path: String) -> String { URL(fileURLWithPath: path).resolvingSymlinksInPath().path }
        guard resolved(source) != resolved(targetPath) else { throw DatabaseOperationError.sameFile(path: source) }

        // The backup is checked before the lock is taken: a file that is refused (or a FIFO
        // that would never deliver) must not keep a server from starting meanwhile.
        let backup = try DatabaseInspector.openReadOnly(source)
        defer { try? backup.close() }
        try Self.requireRestorable(backup, path: source)
        try cancellation.check()

        let priorLock = DatabaseLock.probe(target)
        var lock: DatabaseLock?
        do {
            lock = try DatabaseLock(acquiring: target)
        } catch .inUse(let database, let lockPath, let pid) {
            guard force else { throw DatabaseOperationError.inUse(database: database, lockPath: lockPath, pid: pid) }
        }
        defer { lock?.release() }
        // Under the lock, so no other restore of this database is running unless forced, and
        // then its PID is alive and its file is kept.
        let leftovers = DatabaseFile.removeLeftovers(near: targetPath, purpose: "restore")

        let emergency = try saveEmergencyCopy(cancellation: cancellation)
        func failed(_ step: String, _ error: any Error) -> DatabaseOperationError {
            .restoreFailed(step: step, reason: DatabaseOperationError.cause(of: error), emergencyCopy: emergency?.path)
        }

        let temporary = DatabaseFile.temporary(near: targetPath, purpose: "restore")
        do {
            try VerifiedCopy.write(from: backup, to: temporary, progress: progress, cancellation: cancellation)
        } catch {
            throw failed("copying the backup next to the database", error)
        }
        do {
            // The backup may have changed since it was checked; what is served is this copy.
            let copy = try DatabaseInspector.openReadOnly(temporary)
            defer { try? copy.close() }
            try copy.inDatabase { db in try DatabaseInspector.requireOracleChatSchema(db, path: source) }
        } catch {
            DatabaseFile.remove(temporary)
            throw failed("checking the copied backup", error)
        }
        do {
            Self.checkpoint(targetPath)
            for file in DatabaseFile.companions(of: targetPath) + [targetPath + "-journal"] { unlink(file) }
            try DatabaseFile.replace(targetPath, with: temporary)
        } catch {
            DatabaseFile.remove(temporary)
            throw failed("moving the restored file into place", error)
        }

        do {
            let restored = try DatabaseInspector.openReadOnly(targetPath)
            defer { try? restored.close() }
            return try restored.inDatabase { db in
                let check = try DatabaseInspector.integrity(of: db)
                guard check.ok else { throw DatabaseOperationError.integrityFailed(path: targetPath, problems: check.problems) }
                return Outcome(
                    emergencyCopy: emergency?.path, emergencyCopyVerified: emergency?.verified ?? true,
                    sessions: try Int.fetchOne(db, sql: "SELECT count(*) FROM sessions") ?? 0,
                    messages: try Int.fetchOne(db, sql: "SELECT count(*) FROM messages") ?? 0,
                    priorLock: priorLock, removedLeftovers: leftovers)
            }
        } catch {
            throw failed("verifying the restored database", error)
        }
    }

    /// Integrity and schema of the opened backup; throws the refusal.
    static func requireRestorable(_ backup: DatabaseQueue, path: String) throws {
        try backup.inDatabase { db in
            let check = try DatabaseInspector.integrity(of: db)
            guard check.ok else { throw DatabaseOperationError.integrityFailed(path: path, problems: check.problems) }
            try DatabaseInspector.requireOracleChatSchema(db, path: path)
        }
    }

    /// Copies the current database into the backups folder: through the backup API and
    /// verified when SQLite can read it, byte for byte (with its WAL) when it cannot.
    func saveEmergencyCopy(cancellation: CancellationFlag) throws -> (path: String, verified: Bool)? {
        let targetPath = target.path
        guard DatabaseFile.exists(targetPath) else { return nil }
        do {
            try FileManager.default.createDirectory(atPath: backupsDirectory, withIntermediateDirectories: true)
        } catch {
            throw DatabaseOperationError.fileOperation(path: backupsDirectory, reason: DatabaseOperationError.cause(of: error))
        }
        let path = BackupName.emergencyDatabase.newPath(in: backupsDirectory)
        do {
            let current = try DatabaseInspector.openReadOnly(targetPath)
            defer { try? current.close() }
            try VerifiedCopy.make(from: current, to: path, progress: nil, cancellation: cancellation)
            return (path, true)
        } catch DatabaseOperationError.cancelled {
            throw DatabaseOperationError.cancelled
        } catch {
            try DatabaseFile.rawCopy(targetPath, to: path)
            return (path, false)
        }
    }

    /// Folds the old database's WAL into it before its companions are removed (best effort:
    /// a damaged database may refuse, and the emergency copy already holds everything).
    static func checkpoint(_ path: String) {
        guard DatabaseFile.exists(path + "-wal"), let queue = try? DatabaseQueue(path: path) else { return }
        _ = try? queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        try? queue.close()
    }
}
