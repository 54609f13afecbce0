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
/// ```swift
/// let chat = ChatService(store: store, provider: OfflineProvider(), settings: .init())
/// let exchange = try await chat.send(sessionID: id, tenant: "default", content: "hello")
/// print(exchange.reply.content)
/// ```
public final class ChatService: Sendable {
    public struct Settings: Sendable {
        /// Most history messages sent upstream as context.
        public var maxHistoryMessages: Int
        /// Optional system instruction put before the history.
        public var systemPrompt: String

        public init(maxHistoryMessages: Int = 50, systemPrompt: String = "") {
            self.maxHistoryMessages = maxHistoryMessages
            self.systemPrompt = systemPrompt
        }
    }

    public let store: any ChatStore
    public let provider: any LLMProvider
    let settings: Settings
    let logger: Logger

    public init(store: any ChatStore, provider: any LLMProvider, settings: Settings, logger: Logger = Logger(label: "oracle.chat")) {
        self.store = store
        self.provider = provider
        self.settings = settings
        self.logger = logger
    }

    /// Stores the user's message, asks the provider, stores and returns the reply.
    public func send(sessionID: String, tenant: String, content: String) async throws -> ChatExchange {
        let (userMessage, request) = try await prepare(sessionID: sessionID, tenant: tenant, content: content)
        let completion: Completion
        do {
            completion = try await provider.complete(request)
        } catch {
            throw await recordFailure(of: userMessage, error: error)
        }
        let reply = try await store.appendMessage(
            Self.assistantMessage(completion, status: .complete), sessionID: sessionID, tenant: tenant)
        return ChatExchange(userMessage: userMessage, reply: reply, completion: completion)
    }

    /// Stores the user's message and returns the reply as a stream of events. The full reply
    /// is stored when the stream completes; if the consumer goes away first, the transfer is
    /// cancelled and the partial reply is stored as `incomplete`.
    public func stream(sessionID: String, tenant: String, content: String) async throws -> ChatStream {
        let (userMessage, request) = try await prepare(sessionID: sessionID, tenant: tenant, content: content)
        let events = AsyncThrowingStream<ChatStreamEvent, any Error> { continuation in
            let producer = Task {
                await self.produce(request: request, userMessage: userMessage, tenant: tenant, into: continuation)
            }
            continuation.onTermination = { _ in producer.cancel() }
        }
        return ChatStream(userMessage: userMessage, events: events)
    }

    private func produce(
        request: CompletionRequest, userMessage: StoredMessage, tenant: String,
        into continuation: AsyncThrowingStream<ChatStreamEvent, any Error>.Continuation
    ) async {
        var text = ""
        do {
            for try await chunk in provider.stream(request) {
                switch chunk {
                case .delta(let piece):
                    text += piece
                    continuation.yield(.delta(piece))
                case .done(let completion):
                    let reply = try await store.appendMessage(
                        Self.assistantMessage(completion, status: .complete),
                        sessionID: userMessage.sessionID, tenant: tenant)
                    continuation.yield(.done(ChatExchange(userMessage: userMessage, reply: reply, completion: completion)))
                    continuation.finish()
                    return
                }
            }
            throw LLMError.invalidResponse("stream ended without a final event")
        } catch {
            // Store what arrived even when this task is cancelled: run the write unstructured.
            let partial = text
            let store = self.store
            let descriptor = provider.descriptor
            let saved = await Task.detached { () -> StoredMessage? in
                if partial.isEmpty {
                    try? await store.markReplyFailed(messageID: userMessage.id, error: "\(error)")
                    return nil
                }
                return try? await store.appendMessage(
                    NewMessage(role: .assistant, content: partial, status: .incomplete,
                               provider: descriptor.name, model: descriptor.model),
                    sessionID: userMessage.sessionID, tenant: tenant)
            }.value
            logger.debug("chat stream ended early", metadata: [
                "session.id": "\(userMessage.sessionID)", "stored.partial": "\(saved != nil)",
                "error": "\(error)",
            ])
            continuation.finish(throwing: ChatError.streamFailed(
                userMessageID: userMessage.id, partialMessageID: saved?.id, reason: "\(error)"))
        }
    }

    private func prepare(sessionID: String, tenant: String, content: String) async throws -> (StoredMessage, CompletionRequest) {
        let userMessage: StoredMessage
        do {
            userMessage = try await store.appendMessage(
                NewMessage(role: .user, content: content), sessionID: sessionID, tenant: tenant)
        } catch StorageError.notFound {
            throw ChatError.sessionNotFound
        }
        let history = try await store.messages(sessionID: sessionID, tenant: tenant, last: settings.maxHistoryMessages)
        return (userMessage, CompletionRequest(messages: context(from: history)))
    }

    /// The turns sent upstream: the system prompt, then the history without failed turns.
    func context(from history: [StoredMessage]) -> [ChatTurn] {
        var turns: [ChatTurn] = settings.systemPrompt.isEmpty ? [] : [ChatTurn(role: .system, content: settings.systemPrompt)]
        for message in history where message.status != .failed {
            turns.append(ChatTurn(role: ChatTurn.Role(rawValue: message.role.rawValue) ?? .user, content: message.content))
        }
        return turns
    }

    private func recordFailure(of userMessage: StoredMessage, error: any Error) async -> ChatError {
        let reason = "\(error)"
        let store = self.store
        await Task.detached { try? await store.markReplyFailed(messageID: userMessage.id, error: reason) }.value
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
