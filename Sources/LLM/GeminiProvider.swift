import OracleCore
/// Google Gemini through its native API: `POST {base}/v1beta/models/{model}:generateContent`,
/// and `:streamGenerateContent?alt=sse` for streams.
///
/// The key travels in the `x-goog-api-key` header, never in the URL. Failures throw
/// ``UpstreamError``; wrap the provider in ``ResilientProvider`` for retries and fallback.
///
/// ```swift
/// let gemini = GeminiProvider(apiKey: key, model: "gemini-2.5-flash", transport: HTTPTransport(logger: logger))
/// let reply = try await gemini.complete(CompletionRequest(messages: [.init(role: .user, content: "hi")]))
/// ```
public struct GeminiProvider: LLMProvider {
    public static let defaultBaseURL = SettingsCatalog.defaults.raw(.geminiBaseURL)

    public let descriptor: ProviderDescriptor
    let baseURL: String
    private let apiKey: String
    let client: UpstreamClient

    public init(
        apiKey: String,
        model: String,
        baseURL: String = GeminiProvider.defaultBaseURL,
        transport: HTTPTransport,
        timeouts: TransportTimeouts = TransportTimeouts(),
        userAgent: String = LLMConfiguration.defaultUserAgent,
        maxResponseBytes: Int = 8 << 20,
        name: String = "gemini"
    ) {
        self.descriptor = ProviderDescriptor(name: name, model: model, isOffline: false)
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.apiKey = apiKey
        self.client = UpstreamClient(transport: transport, timeouts: timeouts, userAgent: userAgent,
                                     maxResponseBytes: maxResponseBytes, redactor: Redactor(secrets: [apiKey]))
    }

    public func complete(_ request: CompletionRequest) async throws -> Completion {
        let model = request.model ?? descriptor.model
        let http = client.post(url(model: model, method: "generateContent"), headers: auth,
                                   json: GeminiWire.encode(request), stream: false)
        let reply = try GeminiWire.decode(try await client.fetch(http))
        guard reply.candidates != nil || reply.promptFeedback != nil else {
            throw UpstreamError(.invalidResponse("Gemini reply has no candidates"))
        }
        let calls = reply.toolCalls(firstIndex: 0).map { ToolCall(id: $0.id ?? "", name: $0.name ?? "", arguments: $0.arguments) }
        return Completion(text: reply.text, usage: reply.usage ?? .zero, provider: descriptor.name, model: model,
                          finishReason: GeminiWire.finishReason(reply.finishReason, hasToolCalls: !calls.isEmpty), toolCalls: calls)
    }

    public func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, any Error> {
        let model = request.model ?? descriptor.model
        return makeChunkStream { [client, descriptor] continuation in
            let http = client.post(url(model: model, method: "streamGenerateContent?alt=sse"), headers: auth,
                                       json: GeminiWire.encode(request), stream: true)
            var text = ""
            var tools = ToolCallAssembler()
            var usage = TokenUsage.zero
            var finishReason: String?
            _ = try await client.events(http) { event throws(UpstreamError) in
                let chunk = try GeminiWire.decode(Array(event.data.utf8))
                let piece = chunk.text
                if !piece.isEmpty {
                    text += piece
                    continuation.yield(.delta(piece))
                }
                // Gemini sends each call whole: one piece per call.
                for call in chunk.toolCalls(firstIndex: tools.calls.count) {
                    _ = tools.add(call)
                    continuation.yield(.toolCall(call))
                }
                usage = chunk.usage ?? usage
                finishReason = chunk.finishReason ?? finishReason
                return true
            }
            continuation.yield(.done(Completion(text: text, usage: usage, provider: descriptor.name, model: model,
                                                finishReason: GeminiWire.finishReason(finishReason, hasToolCalls: !tools.calls.isEmpty),
                                                toolCalls: tools.calls)))
        }
    }

    public func unsupportedField(in request: CompletionRequest) -> UnsupportedField? {
        GeminiWire.unsupportedField(in: request)
    }

    public func unsupportedField(in request: EmbeddingRequest) -> UnsupportedField? {
        request.inputs == nil ? UnsupportedField(name: "input", reason: "Gemini embeds text: send a string or an array of strings, not tokens") : nil
    }

    /// `batchEmbedContents` with the client's model, answered in OpenAI's shape.
    public func embed(_ request: EmbeddingRequest) async throws -> [UInt8] {
        let http = client.post(url(model: request.model, method: "batchEmbedContents"), headers: auth,
                               json: GeminiWire.encodeEmbeddings(request), stream: false)
        return try GeminiWire.openAIEmbeddings(try await client.fetch(http), for: request)
    }

    var auth: [(name: String, value: String)] { [("x-goog-api-key", apiKey)] }

    private func url(model: String, method: String) -> String {
        "\(baseURL)/v1beta/models/\(Self.pathSegment(model)):\(method)"
    }

    /// A model id as one URL path segment: every byte but RFC 3986's unreserved ones
    /// percent-encoded, so a name a client or policy passes on cannot add segments or a query.
    static func pathSegment(_ model: String) -> String {
        var segment = ""
        for byte in model.utf8 {
            if (0x41...0x5a).contains(byte) || (0x61...0x7a).contains(byte) || (0x30...0x39).contains(byte) || [0x2d, 0x2e, 0x5f, 0x7e].contains(byte) {
                segment.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                segment += String(format: "%%%02X", byte)
            }
        }
        return segment
    }
}
