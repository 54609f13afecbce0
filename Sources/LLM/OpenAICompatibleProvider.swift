import OracleCore
/// Any OpenAI-compatible chat API: OpenAI, OpenRouter (`https://openrouter.ai/api/v1`),
/// Ollama (`http://localhost:11434/v1`). `POST {base}/chat/completions`, JSON or SSE.
///
/// `Authorization: Bearer` is sent only when a key is set (Ollama needs none). Streams ask
/// for `stream_options.include_usage` and end at `data: [DONE]`. Failures throw
/// ``UpstreamError``; wrap the provider in ``ResilientProvider`` for retries and fallback.
///
/// ```swift
/// let ollama = OpenAICompatibleProvider(baseURL: "http://localhost:11434/v1", apiKey: nil,
///                                       model: "llama3.2", transport: HTTPTransport(logger: logger))
/// ```
public struct OpenAICompatibleProvider: LLMProvider {
    public let descriptor: ProviderDescriptor
    let baseURL: String
    private let apiKey: String?
    let client: UpstreamClient

    public init(
        baseURL: String,
        apiKey: String?,
        model: String,
        transport: HTTPTransport,
        timeouts: TransportTimeouts = TransportTimeouts(),
        userAgent: String = LLMConfiguration.defaultUserAgent,
        maxResponseBytes: Int = 8 << 20,
        name: String = "openai"
    ) {
        self.descriptor = ProviderDescriptor(name: name, model: model, isOffline: false)
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.apiKey = apiKey.flatMap { $0.isEmpty ? nil : $0 }
        self.client = UpstreamClient(transport: transport, timeouts: timeouts, userAgent: userAgent,
                                     maxResponseBytes: maxResponseBytes, redactor: Redactor(secrets: [apiKey]))
    }

    public func complete(_ request: CompletionRequest) async throws -> Completion {
        let model = request.model ?? descriptor.model
        let http = client.post(url, headers: auth, json: OpenAIWire.encode(request, model: model, stream: false), stream: false)
        let reply = try OpenAIWire.decode(try await client.fetch(http))
        guard let choice = reply.choices?.first, let message = choice.message else {
            throw UpstreamError(.invalidResponse("reply has no choices[0].message"))
        }
        return Completion(text: message.content ?? "", usage: reply.tokenUsage ?? .zero, provider: descriptor.name,
                          model: model, finishReason: choice.finish_reason ?? "stop",
                          toolCalls: try OpenAIWire.toolCalls(message.tool_calls))
    }

    public func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, any Error> {
        let model = request.model ?? descriptor.model
        return makeChunkStream { [client, descriptor, url, auth] continuation in
            let http = client.post(url, headers: auth, json: OpenAIWire.encode(request, model: model, stream: true), stream: true)
            var text = ""
            var tools = ToolCallAssembler()
            var usage = TokenUsage.zero
            var finishReason: String?
            let sawDone = try await client.events(http) { event throws(UpstreamError) in
                if event.data == "[DONE]" { return false }
                let chunk = try OpenAIWire.decode(Array(event.data.utf8))
                if let error = chunk.error {
                    throw UpstreamError(.http(status: error.code ?? 502, message: client.redactor.redact(error.message ?? "error event in stream")))
                }
                if let choice = chunk.choices?.first {
                    if let piece = choice.delta?.content, !piece.isEmpty {
                        text += piece
                        continuation.yield(.delta(piece))
                    }
                    for call in choice.delta?.tool_calls ?? [] {
                        let piece = ToolCallDelta(index: call.index ?? 0, id: call.id, name: call.function?.name,
                                                  arguments: call.function?.arguments ?? "")
                        guard tools.add(piece) else {
                            throw UpstreamError(.invalidResponse("a streamed tool call began without its id or name"))
                        }
                        continuation.yield(.toolCall(piece))
                    }
                    finishReason = choice.finish_reason ?? finishReason
                }
                usage = chunk.tokenUsage ?? usage
                return true
            }
            guard sawDone else { throw UpstreamError(.invalidResponse("stream ended before data: [DONE]")) }
            continuation.yield(.done(Completion(text: text, usage: usage, provider: descriptor.name, model: model,
                                                finishReason: finishReason ?? "stop", toolCalls: tools.calls)))
        }
    }

    public func unsupportedField(in request: EmbeddingRequest) -> UnsupportedField? { nil }

    /// The client's body as it is (its `model` is an embedding model's, not the chat model's),
    /// with `model` replaced when the catalogue maps the name to another id; the upstream's
    /// answer as it is.
    public func embed(_ request: EmbeddingRequest) async throws -> [UInt8] {
        var body = request.body.bytes
        if request.body.fields["model"] != .string(request.model) {
            var json = JSONWriter(capacity: body.count + 64)
            json.object { json in
                json.field("model") { $0.string(request.model) }
                request.body.writeMembers(into: &json, except: ["model"])
            }
            body = json.bytes
        }
        return try await client.fetch(client.post("\(baseURL)/embeddings", headers: auth, json: body, stream: false))
    }

    private var url: String { "\(baseURL)/chat/completions" }

    var auth: [(name: String, value: String)] {
        apiKey.map { [("authorization", "Bearer \($0)")] } ?? []
    }
}
