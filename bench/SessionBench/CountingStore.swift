import Foundation
import LLM
import Storage
import Synchronization

/// Forwards to the SQLite store, counts history reads (`contextEntries`, the reads the cache saves) and
/// adds up the time spent inside store calls, so a send's own cost can be told from its I/O.
final class CountingStore: ChatStore {
    let base: SQLiteStore
    private let count = Mutex(0)
    let clock = ElapsedMeter()

    init(_ base: SQLiteStore) { self.base = base }
    var reads: Int { count.withLock { $0 } }
    func reset() { count.withLock { $0 = 0 } }

    func contextEntries(sessionID: String, tenant: String, last: Int) async throws -> [ContextEntry]? {
        count.withLock { $0 += 1 }
        return try await clock.measure { try await base.contextEntries(sessionID: sessionID, tenant: tenant, last: last) }
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
        try await clock.measure { try await base.appendMessages(messages, sessionID: sessionID, tenant: tenant) }
    }
    func markReplyFailed(messageID: String, error: String) async throws { try await base.markReplyFailed(messageID: messageID, error: error) }
    func health() async -> DatabaseHealth { await base.health() }
}

/// The offline provider, with the time spent inside it added up.
struct TimedProvider: LLMProvider {
    let base = OfflineProvider()
    let clock: ElapsedMeter
    var descriptor: ProviderDescriptor { base.descriptor }
    func complete(_ request: CompletionRequest) async throws -> Completion {
        try await clock.measure { try await base.complete(request) }
    }
    func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, any Error> { base.stream(request) }
}

/// Adds up the durations of the calls it measures; `take()` returns the sum and starts over.
final class ElapsedMeter: Sendable {
    private let total = Mutex(Duration.zero)

    func measure<T>(_ body: () async throws -> T) async rethrows -> T {
        let start = ContinuousClock.now
        defer { let elapsed = ContinuousClock.now - start; total.withLock { $0 += elapsed } }
        return try await body()
    }

    func take() -> Duration { total.withLock { value in defer { value = .zero }; return value } }
}
