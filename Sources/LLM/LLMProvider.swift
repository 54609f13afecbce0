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

    /// A reply as it is produced: zero or more `.delta` and `.toolCall` chunks, then exactly one
    /// `.done` carrying the full text, tool calls and usage. Cancelling the consuming task aborts the transfer.
    func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, any Error>

    /// The first request field this provider cannot honour (so the caller answers 400 naming it
    /// rather than drop it); nil when it can honour them all.
    func unsupportedField(in request: CompletionRequest) -> UnsupportedField?

    /// Why this provider cannot answer `request`, or nil when it can.
    func unsupportedField(in request: EmbeddingRequest) -> UnsupportedField?

    /// `POST /v1/embeddings`: the OpenAI-shaped answer's bytes. Ask ``unsupportedField(in:)-(EmbeddingRequest)`` first.
    func embed(_ request: EmbeddingRequest) async throws -> [UInt8]
}

extension LLMProvider {
    /// Providers that do not read the client's OpenAI body (the offline stand-in) ignore its fields.
    public func unsupportedField(in request: CompletionRequest) -> UnsupportedField? { nil }

    /// Providers without embeddings (the offline stand-in) say so.
    public func unsupportedField(in request: EmbeddingRequest) -> UnsupportedField? {
        UnsupportedField(name: "model", reason: "the \(descriptor.name) provider offers no embeddings")
    }

    public func embed(_ request: EmbeddingRequest) async throws -> [UInt8] {
        throw LLMError.invalidResponse("the \(descriptor.name) provider offers no embeddings")
    }
}

/// A request field a provider cannot honour, and why: answered `400` with `param` = `name`.
public struct UnsupportedField: Error, Sendable, Equatable, CustomStringConvertible {
    public var name: String
    public var reason: String

    public init(name: String, reason: String) {
        self.name = name
        self.reason = reason
    }

    public var description: String { "\(name): \(reason)" }
}

/// Names what answered a request; shown in `/health`, `/health/ai` and every reply's metadata.
public struct ProviderDescriptor: Sendable, Equatable, Codable {
    /// The provider's name in the model catalogue: `offline`, `gemini` or `openai` without a models file.
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
///
/// An assistant turn may carry `toolCalls` (its `content` then often empty). A turn with a
/// `toolCallID` is a tool's output answering that call (OpenAI's role `tool`); its `role` is
/// `.user`, the side that is not the model (as Gemini sees it), so stored roles stay three.
public struct ChatTurn: Sendable, Equatable, Codable {
    public var role: MessageRole
    public var content: String
    /// Optional so that turns stored before tools existed still decode.
    public var toolCalls: [ToolCall]?
    public var toolCallID: String?

    /// OpenAI's role name for this turn.
    public var openAIRole: String { toolCallID != nil ? "tool" : role.rawValue }

    public init(role: MessageRole, content: String, toolCalls: [ToolCall]? = nil, toolCallID: String? = nil) {
        self.role = role
        self.content = content
        self.toolCalls = toolCalls
        self.toolCallID = toolCallID
    }
}

/// A function call the model asked for: `arguments` is JSON text, as OpenAI sends it.
public struct ToolCall: Sendable, Equatable, Codable {
    public var id: String
    public var name: String
    public var arguments: String

    public init(id: String, name: String, arguments: String) {
        self.id = id
        self.name = name
        self.arguments = arguments
    }
}

/// A piece of a streamed tool call (OpenAI's `delta.tool_calls[]`): the first piece of call
/// `index` carries its `id` and `name`, every piece may carry more `arguments` text.
public struct ToolCallDelta: Sendable, Equatable {
    public var index: Int
    public var id: String?
    public var name: String?
    public var arguments: String

    public init(index: Int, id: String? = nil, name: String? = nil, arguments: String) {
        self.index = index
        self.id = id
        self.name = name
        self.arguments = arguments
    }
}

/// What to ask a provider for.
public struct CompletionRequest: Sendable, Equatable {
    /// The conversation so far, oldest first, ending with the user's new message.
    public var messages: [ChatTurn]
    /// To a ``ModelRouter``: the model the client named (a catalogue name or alias; nil: the
    /// default model). To a provider: the model id to send, overriding its configured one.
    public var model: String?
    public var temperature: Double?
    public var maxOutputTokens: Int?
    /// The client's own `chat/completions` body (stateless `/v1`): an OpenAI-compatible
    /// provider forwards it as it is, with only `model` and `stream` replaced, so fields this
    /// build does not know still reach the upstream; Gemini maps its fields or refuses them
    /// (``LLMProvider/unsupportedField(in:)``). `messages` above is the same conversation, read.
    public var openAIBody: OpenAIRequestBody?
    /// False on `/v1`, where nothing is saved: a failure is thrown (as ``UpstreamError``, with
    /// the upstream's retry hint), never answered with the fallback text.
    public var allowsFallback: Bool
    /// Who asks, for routing.lua: the caller's tenant and, for a session's message, the session
    /// (its sticky bucket). Providers do not read them.
    public var tenant: String?
    public var sessionID: String?

    public init(messages: [ChatTurn], model: String? = nil, temperature: Double? = nil, maxOutputTokens: Int? = nil,
                openAIBody: OpenAIRequestBody? = nil, allowsFallback: Bool = true, tenant: String? = nil, sessionID: String? = nil) {
        self.tenant = tenant
        self.sessionID = sessionID
        self.messages = messages
        self.model = model
        self.temperature = temperature
        self.maxOutputTokens = maxOutputTokens
        self.openAIBody = openAIBody
        self.allowsFallback = allowsFallback
    }
}

/// `POST /v1/embeddings`, read: the client's body (forwarded as it is to OpenAI-compatible
/// providers) and what Gemini's `batchEmbedContents` needs of it.
public struct EmbeddingRequest: Sendable {
    public var body: OpenAIRequestBody
    public var model: String
    /// nil when the input is token arrays, which only an OpenAI-compatible upstream reads.
    public var inputs: [String]?
    public var dimensions: Int?
    /// `encoding_format: "base64"` (the openai SDKs' default): little-endian float32s, base64.
    public var base64: Bool

    public init(body: OpenAIRequestBody, model: String, inputs: [String]?, dimensions: Int?, base64: Bool) {
        self.body = body
        self.model = model
        self.inputs = inputs
        self.dimensions = dimensions
        self.base64 = base64
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
    /// The functions the model asked to call (then `finishReason` is `tool_calls`).
    public var toolCalls: [ToolCall]

    public init(text: String, usage: TokenUsage, provider: String, model: String, finishReason: String = "stop",
                isFallback: Bool = false, toolCalls: [ToolCall] = []) {
        self.text = text
        self.toolCalls = toolCalls
        self.usage = usage
        self.provider = provider
        self.model = model
        self.finishReason = finishReason
        self.isFallback = isFallback
    }
}

/// One event of a streamed reply.
public enum CompletionChunk: Sendable, Equatable {
    /// Who answers, sent by a ``ModelRouter`` with several targets just before the first piece
    /// (a fallover or routing.lua may have chosen another than the requested model).
    case started(provider: String, model: String)
    /// The next piece of text.
    case delta(String)
    /// The next piece of a tool call.
    case toolCall(ToolCallDelta)
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
