import Foundation
import HTTPServer
import Logging
import OracleCore
import Storage
import Synchronization
import TestSupport
import Testing

/// A server killed while it streamed a reply: after the restart the question reads as failed,
/// with the reason, before the first request is served.
@Suite struct InterruptedReplyRestartTests {
    @Test func aQuestionAKillLeftWithoutItsReplyReadsAsFailedAfterTheRestartAndASecondRestartChangesNothing() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let database = dir.file("oracle_sessions.db")
        // What the killed run left, written as the chat service writes it: an exchange answered
        // whole, then a streamed question, stored before the stream started; its reply never came.
        let store = try SQLiteStore(location: DatabaseLocation(path: database))
        try await store.migrate()
        let session = try await store.createSession(tenant: "default", title: "killed mid-stream")
        _ = try await store.appendMessages([NewMessage(role: .user, content: "hello"), NewMessage(role: .assistant, content: "hi")],
                                           sessionID: session.id, tenant: "default")
        let interrupted = try await store.appendMessage(NewMessage(role: .user, content: "tell me a long story"),
                                                        sessionID: session.id, tenant: "default")
        try store.close()

        let history = "/api/v1/sessions/\(session.id)/messages"
        let log = LogCapture()
        let afterRestart = try await Self.read(history, database: database, logger: log.logger)
        let body = try JSONSerialization.jsonObject(with: Data(afterRestart.utf8)) as? [String: Any]
        let messages = try #require(body?["messages"] as? [[String: Any]])
        #expect(messages.map { $0["status"] as? String } == ["complete", "complete", "failed"])
        #expect(messages.last?["id"] as? String == interrupted.id)
        #expect(messages.last?["error"] as? String == "interrupted: the server stopped before the reply was complete")
        #expect(messages.last?["content"] as? String == "tell me a long story", "the question itself is kept")
        #expect(log.text.contains("messages=1"), "\(log.text)")

        let secondLog = LogCapture()
        let afterSecondRestart = try await Self.read(history, database: database, logger: secondLog.logger)
        #expect(afterSecondRestart == afterRestart)
        #expect(!secondLog.text.contains("without a reply"), "nothing left to mark")
    }

    /// Starts the application on `database`, answers one GET with its body, stops it.
    static func read(_ uri: String, database: String, logger: Logger) async throws -> String {
        let body = Mutex<String?>(nil)
        try await withApp(["DATABASE_URL": database], logger: logger) { client, _ in
            let response = try await client.get(uri)
            #expect(response.status == .ok)
            body.withLock { $0 = response.text }
        }
        return try #require(body.withLock { $0 })
    }
}
