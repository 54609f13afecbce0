import Foundation
import LLM
import Logging
import OracleCore
import Policies
import Storage

/// Sends a user's message in a session and stores the exchange.
///
/// A reply answered whole is stored with its question in one transaction once the provider has
/// answered, so nothing is acknowledged before it is durable and no question is ever left
/// without its outcome; when the provider fails, the question alone is stored with status
/// `failed` and the error. A streamed reply stores the question before the stream starts (its
/// id is the stream's first fact) and the reply when the stream ends; a stream cut short is
/// stored with status `incomplete`.
///
/// Messages to one session are handled one at a time, in arrival order (a stream holds its
/// session until it ends). Through the ``SessionCache``, sessions that `rollout.lua` enables take
/// their context from the cache; the others rebuild it from SQLite. Both send the same turns
/// (``ContextWindow``), so replies do not depend on the path.
///
/// It owns the whole session lifecycle: creating and deleting sessions (a deleted session's
/// cached context goes with it), the per-session locks, the rollout gate, the cache, and the
/// user-visible operation counts (`create_session`, `send_message`) the monitoring reads.
///
/// ```swift
/// let chat = ChatService(store: store, provider: OfflineProvider(), systemPrompt: "", live: live, policies: host)
/// let session = try await chat.createSession(tenant: "default", title: "hello")
/// let exchange = try await chat.send(sessionID: session.id, tenant: "default", content: "hello")
/// print(exchange.reply.content)
/// ```
public final class ChatService: Sendable {
    public let store: any ChatStore
    public let provider: any LLMProvider
    /// Session settings in force: configuration plus runtime overrides; read at each message.
    public let live: LiveSettings
    /// Per session, the cached or the stateless path (`rollout.lua`).
    public let rollout: RolloutGate
    /// Contexts of the sessions the rollout enables.
    public let cache: SessionCache
    /// User-visible operations over `METRICS_WINDOW_SECONDS`, for monitoring and incidents.
    public let operations: OperationStats
    /// Optional system instruction put before the history.
    let systemPrompt: String
    /// One message at a time per session; the cache's recovery and warming take them too.
    let locks = SessionLocks()
    let logger: Logger

    public init(store: any ChatStore, provider: any LLMProvider, systemPrompt: String, live: LiveSettings,
                policies: PolicyHost?,
                operations: OperationStats = OperationStats(window: .seconds(SettingsCatalog.defaults.integer(.metricsWindowSeconds))),
                logger: Logger = Logger(label: "oracle.chat"),
                clock: @escaping @Sendable () -> Double = SessionCache.uptime) {
        self.store = store
        self.provider = provider
        self.systemPrompt = systemPrompt
        self.live = live
        self.rollout = RolloutGate(policies: policies, live: live)
        self.operations = operations
        self.logger = logger
        self.cache = SessionCache(live: live, rollout: rollout, locks: locks, store: store, logger: logger, clock: clock)
    }

    /// Sessions whose lock is held now (a message or a stream in progress).
    public var busySessions: Int { locks.heldCount }

    // MARK: Sessions

    public func createSession(tenant: String, title: String) async throws -> StoredSession {
        let started = ContinuousClock.now
        do {
            let session = try await store.createSession(tenant: tenant, title: title)
            operations.record(.createSession, since: started, failed: false, tenant: tenant)
            return session
        } catch {
            operations.record(.createSession, since: started, error: error, tenant: tenant)
            throw error
        }
    }

    public func session(id: String, tenant: String) async throws -> StoredSession? {
        try await store.session(id: id, tenant: tenant)
    }

    public func listSessions(tenant: String, limit: Int, offset: Int) async throws -> SessionPage {
        try await store.listSessions(tenant: tenant, limit: limit, offset: offset)
    }

    /// The history in order, or nil when the session does not exist (for this tenant).
    public func history(sessionID: String, tenant: String) async throws -> [StoredMessage]? {
        guard try await store.session(id: sessionID, tenant: tenant) != nil else { return nil }
        return try await store.messages(sessionID: sessionID, tenant: tenant, last: nil)
    }

    /// Deletes the session and its messages; false when there was none. Its cached context must
    /// not outlive it.
    public func deleteSession(id: String, tenant: String) async throws -> Bool {
        guard try await store.deleteSession(id: id, tenant: tenant) else { return false }
        _ = cache.invalidate(id, reason: .manual)
        return true
    }

    // MARK: Messages

    /// Asks the provider, then stores the user's message and the reply together and returns them.
    /// Counted as `send_message`, failed when the reply is a fallback or none came.
    public func send(sessionID: String, tenant: String, content: String) async throws -> ChatExchange {
        let started = ContinuousClock.now
        do {
            let exchange = try await exchange(sessionID: sessionID, tenant: tenant, content: content)
            operations.record(.sendMessage, since: started, failed: exchange.completion.isFallback, tenant: tenant)
            return exchange
        } catch {
            operations.record(.sendMessage, since: started, error: error, tenant: tenant)
            throw error
        }
    }

    private func exchange(sessionID: String, tenant: String, content: String) async throws -> ChatExchange {
        let arrived = Date()
        return try await locks.withLock(sessionID) {
            let plan = try await contextPlan(sessionID: sessionID, tenant: tenant, content: content)
            let question = NewMessage(role: .user, content: content, createdAt: arrived)
            let completion: Completion
            do {
                completion = try await provider.complete(plan.request)
            } catch {
                throw await recordFailure(of: question, plan: plan, error: error)
            }
            let stored = try await append([question, Self.assistantMessage(completion, status: .complete)], plan)
            commit(plan, reply: stored[1])
            return ChatExchange(userMessage: stored[0], reply: stored[1], completion: completion)
        }
    }

    /// Appends to the plan's session; a session gone meanwhile (deleted while the provider
    /// answered) is `sessionNotFound`, and its cache entry goes with it.
    func append(_ messages: [NewMessage], _ plan: ContextPlan) async throws -> [StoredMessage] {
        do {
            return try await store.appendMessages(messages, sessionID: plan.sessionID, tenant: plan.tenant)
        } catch StorageError.notFound {
            cache.invalidate(plan.sessionID)
            throw ChatError.sessionNotFound
        }
    }

    /// After a failed call: the question is stored marked failed, so it stays out of the
    /// context and the cached turns stay right as they were. Returns the error to throw: the
    /// provider's, or the store's when even that write failed (then nothing was stored).
    func recordFailure(of question: NewMessage, plan: ContextPlan, error: any Error) async -> any Error {
        let reason = "\(error)"
        logger.debug("chat reply failed", metadata: ["session.id": "\(plan.sessionID)", "error": "\(reason)"])
        var failed = question
        failed.status = .failed
        failed.error = reason
        do {
            let stored = try await append([failed], plan)
            return ChatError.upstreamFailed(userMessageID: stored[0].id, reason: reason)
        } catch {
            return error
        }
    }

    static func assistantMessage(_ completion: Completion, status: MessageStatus) -> NewMessage {
        NewMessage(
            role: .assistant, content: completion.text, status: status,
            provider: completion.provider, model: completion.model,
            usage: completion.usage,
            isFallback: completion.isFallback)
    }
}

/// A user message and the reply it got, both as stored.
public struct ChatExchange: Sendable {
    public var userMessage: StoredMessage
    public var reply: StoredMessage
    public var completion: Completion
}

/// A reply being streamed.
public struct ChatStream: Sendable {
    public var userMessage: StoredMessage
    public var events: AsyncThrowingStream<ChatStreamEvent, any Error>
}

public enum ChatStreamEvent: Sendable {
    case delta(String)
    case done(ChatExchange)
}

public enum ChatError: Error, CustomStringConvertible {
    case sessionNotFound
    /// The provider gave no reply; the user's message is stored with status `failed`.
    case upstreamFailed(userMessageID: String, reason: String)
    /// A stream ended early; a partial reply, if any, is stored as `incomplete`.
    case streamFailed(userMessageID: String, partialMessageID: String?, reason: String)

    public var description: String {
        switch self {
        case .sessionNotFound: "session not found"
        case .upstreamFailed(_, let reason): "the AI provider gave no reply: \(reason)"
        case .streamFailed(_, _, let reason): "the reply stream ended early: \(reason)"
        }
    }
}
