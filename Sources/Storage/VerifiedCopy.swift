import Foundation
import GRDB

/// Progress of a long copy, in database pages; called on the copying thread.
public typealias CopyProgress = @Sendable (_ completedPages: Int, _ totalPages: Int) -> Void

/// A copy of a database made with SQLite's online backup API (readers and writers of the
/// source carry on), switched to a self-contained rollback-journal file, checked with
/// `PRAGMA integrity_check` and synced to disk — all under a temporary name, so a half-made
/// or damaged copy never carries a real backup's name.
enum VerifiedCopy {
    /// Pages per backup step: small enough for steady progress, large enough to be quick.
    static let pagesPerStep: CInt = 256

    /// Writes and verifies the copy at `temporary`; the caller renames it into place.
    /// On failure nothing is left at `temporary`.
    static func write(
        from source: any DatabaseReader, to temporary: String,
        progress: CopyProgress?, cancellation: CancellationFlag
    ) throws {
        DatabaseFile.remove(temporary)
        do {
            let destination = try DatabaseQueue(path: temporary)
            do {
                try source.backup(to: destination, pagesPerStep: pagesPerStep) { step in
                    try cancellation.check()
                    progress?(step.completedPageCount, step.totalPageCount)
                }
                // The copy inherits the source's WAL flag; one file is what a backup should be.
                try destination.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = DELETE") }
                try destination.close()
            } catch {
                try? destination.close()
                throw error
            }
            let check = try DatabaseInspector.integrity(ofFileAt: temporary)
            guard check.ok else { throw DatabaseOperationError.integrityFailed(path: temporary, problems: check.problems) }
            try DatabaseFile.sync(temporary)
        } catch {
            DatabaseFile.remove(temporary)
            throw error
        }
    }

    /// A verified copy at `path`, written under a temporary name in the same folder first.
    static func make(
        from source: any DatabaseReader, to path: String,
        progress: CopyProgress?, cancellation: CancellationFlag
    ) throws {
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw DatabaseOperationError.fileOperation(path: folder, reason: DatabaseOperationError.cause(of: error))
            }
        }
        let temporary = DatabaseFile.temporary(near: path, purpose: "partial")
        try write(from: source, to: temporary, progress: progress, cancellation: cancellation)
        do {
            try DatabaseFile.replace(path, with: temporary)
        } catch {
            DatabaseFile.remove(temporary)
            throw error
        }
    }
}
