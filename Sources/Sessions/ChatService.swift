import Foundation
import LLM
import Logging
import Storage

/// Sends a user's message in a session and stores the exchange.
///
/// The user's message is stored (durably) before the provider is called, so it is never lost.
/// When the provider fails, the message stays recorded with status `failed` and the error,
/// and no assistant message is written. A reply is stored in one transaction once complete;
/// a stream cut short is stored with status `incomplete`.
///
/// Messages to one session are handled one at a time, in arrival order (a stream holds its
/// session until it ends). Through the ``SessionCache``, sessions that `rollout.lua` enables take
/// their context from the cache; the others rebuild it from SQLite. Both send the same turns
/// (``ContextWindow``), so replies do not depend on the path.
///
/// ```swift
/// let chat = ChatService(store: store, provider: OfflineProvider(), systemPrompt: "", cache: cache)
/// let exchange = try await chat.send(sessionID: id, tenant: "default", content: "hello")
/// print(exchange.reply.content)
/// ```
public final class ChatService: Sendable {
    public let store: any ChatStore
    public let provider: any LLMProvider
    /// Decides, per session, between the cached and the stateless path; its live settings give
    /// the context limits at each message.
    public let cache: SessionCache
    /// Optional system instruction put before the history.
    let systemPrompt: String
    let locks: SessionLocks
    let logger: Logger

    public init(store: any ChatStore, provider: any LLMProvider, systemPrompt: String, cache: SessionCache,
                logger: Logger = Logger(label: "oracle.chat")) {
        self.store = store
        self.provider = provider
        self.systemPrompt = systemPrompt
        self.cache = cache
        self.locks = cache.locks
        self.logger = logger
    }

    /// Stores the user's message, asks the provider, stores and returns the reply.
    public func send(sessionID: String, tenant: String, content: String) async throws -> ChatExchange {
        try await locks.withLock(sessionID) {
            let (userMessage, plan) = try await prepare(sessionID: sessionID, tenant: tenant, content: content)
            let completion: Completion
            do {
                completion = try await provider.complete(plan.request)
            } catch {
                throw await recordFailure(of: userMessage, plan: plan, error: error)
            }
            let reply: StoredMessage
            do {
                reply = try await store.appendMessage(
                    Self.assistantMessage(completion, status: .complete), sessionID: sessionID, tenant: tenant)
            } catch {
                // The user message is stored without its reply: only a rebuild knows the context now.
                cache.invalidate(sessionID)
                throw error
            }
            commit(plan, reply: reply)
            return ChatExchange(userMessage: userMessage, reply: reply, completion: completion)
        }
    }

    func prepare(sessionID: String, tenant: String, content: String) async throws -> (StoredMessage, ContextPlan) {
        let userMessage: StoredMessage
        do {
            userMessage = try await store.appendMessage(
                NewMessage(role: .user, content: content), sessionID: sessionID, tenant: tenant)
        } catch StorageError.notFound {
            throw ChatError.sessionNotFound
        }
        return (userMessage, try await contextPlan(for: userMessage, tenant: tenant))
    }

    /// After a failed call: the user message is marked failed, so it leaves the context and the
    /// cached turns stay right as they were. If even that write fails, the entry is dropped.
    func recordFailure(of userMessage: StoredMessage, plan: ContextPlan, error: any Error) async -> ChatError {
        let reason = "\(error)"
        let store = self.store
        let marked = await Task.detached { (try? await store.markReplyFailed(messageID: userMessage.id, error: reason)) != nil }.value
        if !marked { cache.invalidate(userMessage.sessionID) }
        logger.debug("chat reply failed", metadata: ["session.id": "\(userMessage.sessionID)", "error": "\(reason)"])
        return ChatError.upstreamFailed(userMessageID: userMessage.id, reason: reason)
    }

    static func assistantMessage(_ completion: Completion, status: MessageStatus) -> NewMessage {
        NewMessage(
            role: .assistant, content: completion.text, status: status,
            provider: completion.provider, model: completion.model,
            usage: StoredUsage(
                promptTokens: completion.usage.promptTokens, completionTokens: completion.usage.completionTokens,
                totalTokens: completion.usage.totalTokens, cachedTokens: completion.usage.cachedPromptTokens),
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
