import Foundation
import Logging
import OracleCore
import Operations
import ServiceLifecycle
import Storage
import Testing
import TestSupport

/// The service group logs each service it starts and stops, with the service's description, at
/// debug level and below: a webhook URL (its token in the path, its password in the user part)
/// must not reach the log at any level.
@Suite struct ServiceDescriptionTests {
    @Test func aServiceGroupAtTraceLevelLogsNoWebhookCredential() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try SQLiteStore(location: DatabaseLocation(path: dir.file("oracle_sessions.db")))
        defer { try? store.close() }
        let secret = "hook-secret-3f9a"
        let logs = LogCapture()
        let notifier = Notifier(store: store,
                                settings: NotifierSettings(),
                                contacts: .fallback(webhookURLs: ["https://ops:\(secret)@hooks.example.test/T000/\(secret)"]),
                                transport: nil, logger: logs.logger)
        let group = ServiceGroup(configuration: .init(services: [notifier], logger: logs.logger))
        let running = Task { try await group.run() }
        _ = try await logs.line(containing: "Notifier")  // the group has started it, and said so
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(logs.text.contains("Notifier"))
        #expect(!logs.text.contains(secret))
        #expect(!"\(notifier)".contains(secret))
    }
}
