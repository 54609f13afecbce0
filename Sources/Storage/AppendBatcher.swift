import GRDB
import Synchronization

/// Group commit for message appends: the appends that arrive while the writer is busy (most of
/// its time is the previous commit's fsync) are written together, in one transaction with one
/// fsync, instead of one fsync each.
///
/// Each append keeps its own all-or-nothing: inside the shared transaction it runs in a
/// savepoint, so one that fails (its session was deleted, say) is rolled back alone and gets its
/// error while the others are stored. If the commit itself fails, every append of the batch gets
/// that error and none of them is stored. No caller is answered before the batch's commit has
/// returned, so an answered append is as durable as the database's `synchronous` setting makes
/// a commit (FULL for ``SQLiteStore``).
///
/// A lone append is one transaction on the writer queue (its savepoint adds no I/O);
/// under load a batch forms by itself, since the next flush runs only when the writer is free again.
final class AppendBatcher: Sendable {
    typealias Insert = @Sendable (_ messages: [NewMessage], _ sessionID: String, _ tenant: String, _ db: Database) throws -> [StoredMessage]

    private struct Pending: Sendable {
        let messages: [NewMessage]
        let sessionID: String
        let tenant: String
        let continuation: UnsafeContinuation<[StoredMessage], any Error>
    }

    private struct Queue: Sendable {
        var pending: [Pending] = []
        /// A flush is queued on the writer and has not taken the pending appends yet.
        var flushQueued = false
    }

    private let writer: any DatabaseWriter
    private let insert: Insert
    private let queue = Mutex(Queue())

    init(writer: any DatabaseWriter, insert: @escaping Insert) {
        self.writer = writer
        self.insert = insert
    }

    /// Appends `messages` to the session; returns once they are committed. Not cancellable.
    func append(_ messages: [NewMessage], sessionID: String, tenant: String) async throws -> [StoredMessage] {
        try await withUnsafeThrowingContinuation { continuation in
            let queueFlush = queue.withLock { queue in
                queue.pending.append(Pending(messages: messages, sessionID: sessionID, tenant: tenant, continuation: continuation))
                defer { queue.flushQueued = true }
                return !queue.flushQueued
            }
            if queueFlush {
                writer.asyncWriteWithoutTransaction { db in self.flush(db) }
            }
        }
    }

    /// On the writer queue: writes everything pending in one transaction, then answers each append.
    private func flush(_ db: Database) {
        let batch = queue.withLock { queue in
            // Appends arriving from now on queue the next flush, which runs after this one.
            queue.flushQueued = false
            defer { queue.pending.removeAll(keepingCapacity: true) }
            return queue.pending
        }
        guard !batch.isEmpty else { return }
        var results: [Result<[StoredMessage], any Error>] = []
        results.reserveCapacity(batch.count)
        do {
            try db.inTransaction {
                for item in batch {
                    var stored: [StoredMessage] = []
                    results.append(Result {
                        try db.inSavepoint {
                            stored = try insert(item.messages, item.sessionID, item.tenant, db)
                            return .commit
                        }
                        return stored
                    })
                }
                // Appends that failed were rolled back to their savepoints; the commit keeps the others.
                return .commit
            }
        } catch {
            // The commit failed: nothing of this batch is stored.
            results = batch.map { _ in .failure(error) }
        }
        for (item, result) in zip(batch, results) {
            item.continuation.resume(with: result)
        }
    }
}
