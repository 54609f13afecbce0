import OracleCore

/// The embedded provider used when no API key is configured.
///
/// It is not a language model and never claims to be one: every reply says so, its
/// descriptor is labelled `offline`, and its token counts are word-count estimates.
/// Replies are deterministic, so tests and demos are repeatable.
///
/// ```swift
/// let reply = try await OfflineProvider().complete(.init(messages: [.init(role: .user, content: "hi")]))
/// // reply.text starts with "[offline provider — no LLM configured]"
/// ```
public struct OfflineProvider: LLMProvider {
    public static let modelName = "offline-echo-1"
    public static let label = "[offline provider — no LLM configured]"

    public let descriptor: ProviderDescriptor

    /// - Parameter name: its name in the model catalogue.
    public init(name: String = "offline") {
        descriptor = ProviderDescriptor(name: name, model: OfflineProvider.modelName, isOffline: true)
    }

    public func complete(_ request: CompletionRequest) async throws -> Completion {
        try Task.checkCancellation()
        let text = Self.reply(to: request)
        return Completion(
            text: text,
            usage: Self.estimateUsage(request: request, reply: text),
            provider: descriptor.name,
            model: descriptor.model
        )
    }

    public func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, any Error> {
        AsyncThrowingStream { continuation in
            let text = Self.reply(to: request)
            // Word-sized deltas, so clients see the same shape of stream as from a model.
            var piece = ""
            for character in text {
                piece.append(character)
                if character == " " {
                    continuation.yield(.delta(piece))
                    piece = ""
                }
            }
            if !piece.isEmpty { continuation.yield(.delta(piece)) }
            continuation.yield(.done(Completion(
                text: text,
                usage: Self.estimateUsage(request: request, reply: text),
                provider: descriptor.name,
                model: descriptor.model
            )))
            continuation.finish()
        }
    }

    static func reply(to request: CompletionRequest) -> String {
        let last = request.messages.last(where: { $0.role == .user })?.content ?? ""
        let turns = request.messages.filter { $0.role == .user }.count
        let excerpt = last.count > 200 ? String(last.prefix(200)) + "…" : last
        return "\(label) Received your message #\(turns) in this conversation (\(last.count) characters): \"\(excerpt)\". "
            + "Set LLM_PROVIDER with GEMINI_API_KEY or OPENAI_API_KEY to get answers from a model."
    }

    /// Words (runs of bytes between spaces and line feeds) as the token estimate. Counted on
    /// UTF-8 bytes: splitting the whole context into `Character`s took most of this provider's time.
    static func estimateUsage(request: CompletionRequest, reply: String) -> TokenUsage {
        let prompt = request.messages.reduce(0) { $0 + words($1.content) }
        return TokenUsage(promptTokens: prompt, completionTokens: words(reply))
    }

    static func words(_ text: String) -> Int {
        var count = 0
        var inWord = false
        for byte in text.utf8 {
            let separator = byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n")
            if !separator, !inWord { count += 1 }
            inWord = !separator
        }
        return count
    }
}
