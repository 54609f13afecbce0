import Foundation

/// Gemini `generateContent` JSON, request and response.
enum GeminiWire {
    struct Request: Encodable {
        struct Part: Codable { var text: String? }
        struct Content: Encodable { var role: String?; var parts: [Part] }
        struct GenerationConfig: Encodable { var temperature: Double?; var maxOutputTokens: Int? }
        var contents: [Content]
        var systemInstruction: Content?
        var generationConfig: GenerationConfig?
    }

    struct Response: Decodable {
        struct Candidate: Decodable {
            struct Content: Decodable { var parts: [Request.Part]? }
            var content: Content?
            var finishReason: String?
        }
        struct Usage: Decodable {
            var promptTokenCount: Int?
            var candidatesTokenCount: Int?
            var totalTokenCount: Int?
            var cachedContentTokenCount: Int?
        }
        struct PromptFeedback: Decodable { var blockReason: String? }
        var candidates: [Candidate]?
        var usageMetadata: Usage?
        var promptFeedback: PromptFeedback?

        var text: String {
            candidates?.first?.content?.parts?.compactMap(\.text).joined() ?? ""
        }

        var finishReason: String? {
            if let reason = candidates?.first?.finishReason { return GeminiWire.finishReason(reason) }
            return promptFeedback?.blockReason.map { _ in "content_filter" }
        }

        var usage: TokenUsage? {
            usageMetadata.map {
                TokenUsage(
                    promptTokens: $0.promptTokenCount ?? 0,
                    completionTokens: $0.candidatesTokenCount ?? 0,
                    totalTokens: $0.totalTokenCount,
                    cachedPromptTokens: $0.cachedContentTokenCount ?? 0
                )
            }
        }
    }

    /// Roles are `user` and `model`; system turns become `systemInstruction`.
    static func encode(_ request: CompletionRequest) throws(UpstreamError) -> [UInt8] {
        let system = request.messages.filter { $0.role == .system }.map(\.content)
        let body = Request(
            contents: request.messages.filter { $0.role != .system }.map {
                Request.Content(role: $0.role == .assistant ? "model" : "user", parts: [.init(text: $0.content)])
            },
            systemInstruction: system.isEmpty ? nil : Request.Content(role: nil, parts: system.map { .init(text: $0) }),
            generationConfig: request.temperature == nil && request.maxOutputTokens == nil ? nil
                : .init(temperature: request.temperature, maxOutputTokens: request.maxOutputTokens)
        )
        do {
            return Array(try JSONEncoder().encode(body))
        } catch {
            throw UpstreamError(.invalidResponse("request could not be encoded"))
        }
    }

    static func decode(_ bytes: some Collection<UInt8>) throws(UpstreamError) -> Response {
        do {
            return try JSONDecoder().decode(Response.self, from: Data(bytes))
        } catch {
            throw UpstreamError(.invalidResponse("Gemini reply is not valid generateContent JSON"))
        }
    }

    static func finishReason(_ gemini: String) -> String {
        switch gemini {
        case "STOP": "stop"
        case "MAX_TOKENS": "length"
        case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII": "content_filter"
        default: gemini.lowercased()
        }
    }
}
