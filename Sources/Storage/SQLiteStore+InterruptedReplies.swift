import GRDB
import Logging
import OracleCore

extension SQLiteStore {
    /// The `error` of a question whose reply a stop of the server cut off.
    public static let interruptedReplyReason = "interrupted: the server stopped before the reply was complete"

    /// Marks `failed`, with ``interruptedReplyReason``, every question the server stopped
    /// answering (a crash or `kill -9` during a streamed reply, which stores the question first
    /// and its reply once the stream ends), in one transaction, and logs how many. Returns that
    /// number; a second call finds nothing left to mark.
    ///
    /// A question without its reply is a user message still `complete` whose next message in
    /// the session is not an assistant reply: an answered question is followed by its reply
    /// (whole, `incomplete` or a fallback, written in the same transaction or at the end of the
    /// stream while the session's lock keeps other messages out), and a question whose reply
    /// failed is already `failed`. Replies themselves have no in-progress state to clear: they are
    /// stored only once whole or cut short. Marked `failed`, the question leaves the context like
    /// any other failed one and the history shows `status` and `error`.
    ///
    /// Run it at startup, before the first request: the server holds the database's
    /// ``DatabaseLock`` for its whole life, so no other live process can be answering one of
    /// these questions, and until requests are served this one answers none. It reads the
    /// messages once, questions anywhere in a history included (those left by runs before
    /// this check existed): about half a second per million messages with the file cached.
    @discardableResult
    public func markInterruptedReplies(logger: Logger) async throws -> Int {
        let marked = try await writer.write { db in
            try db.execute(sql: """
                UPDATE messages SET status = ?, error = ?
                WHERE role = ? AND status = ?
                  AND NOT EXISTS (SELECT 1 FROM messages AS reply
                                  WHERE reply.session_id = messages.session_id AND reply.seq = messages.seq + 1
                                    AND reply.role = ?)
                """, arguments: [MessageStatus.failed.rawValue, Self.interruptedReplyReason, MessageRole.user.rawValue,
                                 MessageStatus.complete.rawValue, MessageRole.assistant.rawValue])
            return db.changesCount
        }
        if marked > 0 {
            logger.warning("questions left without a reply by a stop marked failed", metadata: ["messages": "\(marked)"])
        }
        return marked
    }
}
