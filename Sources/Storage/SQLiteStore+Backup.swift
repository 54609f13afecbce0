import Foundation
import GRDB

/// A finished, verified backup.
public struct DatabaseBackup: Sendable, Equatable {
    public var path: String
    public var bytes: Int64
    public var createdAt: Date
    public var duration: Duration
    /// Older backups removed by `keep`.
    public var pruned: [String]
}

extension SQLiteStore {
    /// Writes an online, consistent copy of the database to `directory` as
    /// `oracle_sessions_YYYYMMDD_HHMMSS.db`, verified with `PRAGMA integrity_check` before it
    /// takes that name. With `keep`, only the newest `keep` backups of that pattern remain.
    ///
    /// ```swift
    /// let backup = try await store.backup(into: "backups", keep: 5)
    /// ```
    public func backup(into directory: String, keep: Int? = nil, progress: CopyProgress? = nil) async throws -> DatabaseBackup {
        let reader: any DatabaseReader = writer
        let start = ContinuousClock.now
        let createdAt = Date()
        let path = try await DedicatedThread.run("oracle-chat.backup") { cancellation in
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let path = BackupName.database.newPath(in: directory, date: createdAt)
            try VerifiedCopy.make(from: reader, to: path, progress: progress, cancellation: cancellation)
            return path
        }
        let pruned = try keep.map { keep throws(DatabaseOperationError) in try BackupName.database.prune(in: directory, keep: keep) } ?? []
        return DatabaseBackup(path: path, bytes: DatabaseFile.size(path), createdAt: createdAt,
                              duration: ContinuousClock.now - start, pruned: pruned)
    }
}
