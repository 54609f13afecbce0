import OracleCore

/// A chat-completion backend: a real model behind an HTTP API, or the embedded offline provider.
///
/// Providers are values the server holds for its whole life; they are called concurrently.
///
/// ```swift
/// let provider: any LLMProvider = OfflineProvider()
/// let reply = try await provider.complete(CompletionRequest(messages: [.init(role: .user, content: "hello")]))
/// print(reply.text, reply.provider, reply.model)
/// ```
public protocol LLMProvider: Sendable {
    /// What answers: provider name, model, and whether it is the offline stand-in.
    var descriptor: ProviderDescriptor { get }

    /// One whole reply.
    func complete(_ request: CompletionRequest) async throws -> Completion

    /// A reply as it is produced: zero or more `.delta` chunks, then exactly one `.done`
    /// carrying the full text and usage. Cancelling the consuming task aborts the transfer.
    func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, any Error>
}

/// Names what answered a request; shown in `/health`, `/health/ai` and every reply's metadata.
public struct ProviderDescriptor: Sendable, Equatable, Codable {
    /// `offline`, `gemini` or `openai`.
    public var name: String
    public var model: String
    /// True for the embedded offline provider, which is not a language model.
    public var isOffline: Bool

    public init(name: String, model: String, isOffline: Bool) {
        self.name = name
        self.model = model
        self.isOffline = isOffline
    }
}

/// One turn of a conversation as sent upstream.
public struct ChatTurn: Sendable, Equatable, Codable {
    public var role: MessageRole
    public var content: String

    public init(role: MessageRole, content: String) {
        self.role = role
        self.content = content
    }
}

/// What to ask a provider for.
public struct CompletionRequest: Sendable, Equatable {
    /// The conversation so far, oldest first, ending with the user's new message.
    public var messages: [ChatTurn]
    /// Overrides the provider's configured model when set.
    public var model: String?
    public var temperature: Double?
    public var maxOutputTokens: Int?

    public init(messages: [ChatTurn], model: String? = nil, temperature: Double? = nil, maxOutputTokens: Int? = nil) {
        self.messages = messages
        self.model = model
        self.temperature = temperature
        self.maxOutputTokens = maxOutputTokens
    }
}

/// A finished reply.
public struct Completion: Sendable, Equatable {
    public var text: String
    public var usage: TokenUsage
    /// Provider name and model that produced `text`.
    public var provider: String
    public var model: String
    /// e.g. `stop`, `length`, or `incomplete` when a stream was cut short.
    public var finishReason: String
    /// True when `text` is the configured fallback message, not a model's answer.
    public var isFallback: Bool

    public init(text: String, usage: TokenUsage, provider: String, model: String, finishReason: String = "stop", isFallback: Bool = false) {
        self.text = text
        self.usage = usage
        self.provider = provider
        self.model = model
        self.finishReason = finishReason
        self.isFallback = isFallback
    }
}

/// One event of a streamed reply.
public enum CompletionChunk: Sendable, Equatable {
    /// The next piece of text.
    case delta(String)
    /// The end of the reply: full text, usage, who answered.
    case done(Completion)
}

/// Why a provider gave no reply. `description` never contains an API key.
public enum LLMError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The upstream answered with an HTTP error status.
    case http(status: Int, message: String)
    /// Connect, first-byte, idle-gap or total timeout.
    case timeout(String)
    /// Could not connect or the connection broke.
    case transport(String)
    /// The upstream's answer could not be understood.
    case invalidResponse(String)
    /// The circuit breaker is open; the call was not attempted.
    case circuitOpen(provider: String)
    /// The caller cancelled.
    case cancelled

    public var description: String {
        switch self {
        case .http(let status, let message): "upstream answered HTTP \(status): \(message)"
        case .timeout(let what): "upstream timed out (\(what))"
        case .transport(let what): "upstream connection failed: \(what)"
        case .invalidResponse(let what): "upstream reply not understood: \(what)"
        case .circuitOpen(let provider): "provider \(provider) is unavailable (circuit open)"
        case .cancelled: "request cancelled"
        }
    }
}
