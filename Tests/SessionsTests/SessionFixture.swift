import Foundation
import GRDB
import LLM
import Logging
import OracleCore
import Policies
import Sessions
import Storage
import Synchronization
import TestSupport

/// A clock the test moves by hand, so idle times are exact.
final class ManualClock: Sendable {
    private let seconds = Mutex(1_000.0)
    var now: Double { seconds.withLock { $0 } }
    func advance(_ by: Double) { seconds.withLock { $0 += by } }
    var read: @Sendable () -> Double { { [self] in now } }
}

/// Counts SQL statements that read message history, from GRDB's statement trace.
final class HistoryReads: Sendable {
    private let count = Mutex(0)
    var value: Int { count.withLock { $0 } }
    func record(_ sql: String) {
        if sql.hasPrefix("SELECT"), sql.contains("FROM messages") { count.withLock { $0 += 1 } }
    }
}

/// Replies like the offline provider and records every request; a message containing
/// `FAIL` gets no reply, one containing `FALLBACK` gets a fallback reply.
final class ScriptedProvider: LLMProvider {
    let descriptor = ProviderDescriptor(name: "offline", model: OfflineProvider.modelName, isOffline: true)
    private let recorded = Mutex<[CompletionRequest]>([])
    private let hook = Mutex<(@Sendable () async throws -> Void)?>(nil)
    var requests: [CompletionRequest] { recorded.withLock { $0 } }

    /// Runs `action` inside every later call, before the reply (e.g. to act while a reply is pending).
    func beforeReply(_ action: @escaping @Sendable () async throws -> Void) { hook.withLock { $0 = action } }

    func complete(_ request: CompletionRequest) async throws -> Completion {
        recorded.withLock { $0.append(request) }
        if let action = hook.withLock({ $0 }) { try await action() }
        let last = request.messages.last?.content ?? ""
        if last.contains("FAIL") { throw LLMError.http(status: 503, message: "scripted failure") }
        if last.contains("FALLBACK") {
            return Completion(text: "The AI service is temporarily unavailable.", usage: .zero,
                              provider: "offline", model: "fallback", isFallback: true)
        }
        return try await OfflineProvider().complete(request)
    }

    func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, any Error> {
        recorded.withLock { $0.append(request) }
        return OfflineProvider().stream(request)
    }
}

/// A store whose history reads can be made to fail or stall, and are counted.
final class FaultyStore: ChatStore {
    let base: SQLiteStore
    private let faults = Mutex<[Fault]>([])
    private let reads = Mutex(0)
    enum Fault: Sendable { case fail, stall(Duration) }

    init(_ base: SQLiteStore) { self.base = base }
    var historyReads: Int { reads.withLock { $0 } }
    func failNextRead(_ fault: Fault) { faults.withLock { $0.append(fault) } }

    func contextEntries(sessionID: String, tenant: String, last: Int) async throws -> [ContextEntry]? {
        reads.withLock { $0 += 1 }
        let fault = faults.withLock { $0.isEmpty ? nil : $0.removeFirst() }
        switch fault {
        case .fail?: throw StorageError.cannotOpen(path: "test", reason: "scripted read failure")
        case .stall(let duration)?: try await Task.sleep(for: duration)
        case nil: break
        }
        return try await base.contextEntries(sessionID: sessionID, tenant: tenant, last: last)
    }

    func messages(sessionID: String, tenant: String, last: Int?) async throws -> [StoredMessage] {
        try await base.messages(sessionID: sessionID, tenant: tenant, last: last)
    }

    func createSession(tenant: String, title: String) async throws -> StoredSession { try await base.createSession(tenant: tenant, title: title) }
    func session(id: String, tenant: String) async throws -> StoredSession? { try await base.session(id: id, tenant: tenant) }
    func listSessions(tenant: String, limit: Int, offset: Int) async throws -> SessionPage {
        try await base.listSessions(tenant: tenant, limit: limit, offset: offset)
    }
    func deleteSession(id: String, tenant: String) async throws -> Bool { try await base.deleteSession(id: id, tenant: tenant) }
    func appendMessages(_ messages: [NewMessage], sessionID: String, tenant: String) async throws -> [StoredMessage] {
        try await base.appendMessages(messages, sessionID: sessionID, tenant: tenant)
    }
    func markReplyFailed(messageID: String, error: String) async throws { try await base.markReplyFailed(messageID: messageID, error: error) }
    func health() async -> DatabaseHealth { await base.health() }
}

/// A chat service with the session cache, the real policies, an in-memory database (one
/// connection, so the statement trace sees every read) and a manual clock.
struct SessionFixture {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    let dir: TemporaryDirectory
    let store: SQLiteStore
    let faulty: FaultyStore
    let live: LiveSettings
    let overrides: OverrideService
    let policies: PolicyHost
    let cache: SessionCache
    let chat: ChatService
    let provider: ScriptedProvider
    let reads: HistoryReads
    let clock: ManualClock

    static func make(_ settings: [String: String] = [:], systemPrompt: String = "") async throws -> SessionFixture {
        let dir = try TemporaryDirectory()
        var values = ["USE_PERSISTENT_SESSIONS": "true", "GRADUAL_ROLLOUT_PERCENTAGE": "100", "DATABASE_URL": ":memory:"]
        values.merge(settings) { $1 }
        let config = try await TestConfig.make(values, in: dir)
        let store = try SQLiteStore(location: config.database)
        try await store.migrate()
        let reads = HistoryReads()
        try await store.writer.writeWithoutTransaction { db in
            db.trace(options: .statement) { event in
                if case .statement(let statement) = event { reads.record(statement.sql) }
            }
        }
        let policies = await Self.policies()
        let live = LiveSettings(config: config)
        let clock = ManualClock()
        let faulty = FaultyStore(store)
        let provider = ScriptedProvider()
        let chat = ChatService(store: faulty, provider: provider, systemPrompt: systemPrompt, live: live, policies: policies,
                               logger: Logger(label: "test"), clock: clock.read)
        let cache = chat.cache
        return SessionFixture(
            dir: dir, store: store, faulty: faulty, live: live,
            overrides: OverrideService(store: store, live: live, logger: Logger(label: "test")), policies: policies,
            cache: cache, chat: chat, provider: provider, reads: reads, clock: clock)
    }

    /// The shipped policies, without a store (the decision log stays out of the statement count).
    static func policies() async -> PolicyHost {
        let host = PolicyHost(configuration: .init(policiesDirectory: root + "/policies", luaDirectory: root + "/lua"),
                              store: nil, logger: Logger(label: "test"))
        await host.start()
        return host
    }

    func newSession(_ title: String = "t") async throws -> String {
        try await store.createSession(tenant: "default", title: title).id
    }

    /// What the stateless path would send now for this session's next message, i.e. the context
    /// rebuilt from SQLite (history turns only, no system prompt).
    func rebuilt(_ sessionID: String) async throws -> [ChatTurn] {
        let all = try await store.messages(sessionID: sessionID, tenant: "default", last: nil)
        return ContextWindow.trim(all.filter(ContextWindow.belongs).map(ContextWindow.turn), to: live.sessions.contextLimits)
    }

    func close() {
        try? store.close()
        dir.remove()
    }
}
