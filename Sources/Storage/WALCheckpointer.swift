import Foundation
import GRDB
import OracleCore

/// Copies the WAL into the database file from a connection of its own, so no request waits
/// for it (see ``WALCheckpointing/background(backstopPages:)``).
///
/// Checkpoints are PASSIVE: they neither wait for nor block the writer or the readers, and
/// copy as much as no open read snapshot still needs. Disk-bound work runs on GRDB's queue,
/// never on the caller's executor.
///
/// ```swift
/// let store = try SQLiteStore(location: location, checkpointing: .background())
/// let checkpointer = try WALCheckpointer(location: location)
/// let result = try await checkpointer.checkpoint()   // result.walFrames, result.checkpointedFrames
/// ```
public final class WALCheckpointer: Sendable {
    private let connection: DatabaseQueue

    public struct Result: Sendable, Equatable {
        /// Frames in the WAL.
        public var walFrames: Int
        /// Of those, frames now in the database file.
        public var checkpointedFrames: Int
    }

    public init(location: DatabaseLocation) throws {
        precondition(!location.isInMemory, "an in-memory database has no WAL")
        var configuration = Configuration()
        configuration.label = "oracle-chat.checkpointer"
        do {
            connection = try DatabaseQueue(path: location.path, configuration: configuration)
        } catch {
            throw StorageError.cannotOpen(path: location.path, reason: "\(error)")
        }
    }

    public func checkpoint() async throws -> Result {
        try await connection.writeWithoutTransaction { db in
            let (walFrames, checkpointed) = try db.checkpoint(.passive)
            return Result(walFrames: walFrames, checkpointedFrames: checkpointed)
        }
    }

    public func close() throws {
        try connection.close()
    }
}
