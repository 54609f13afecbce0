import Foundation
import OracleCore

/// Gemini `generateContent` JSON, request and response.
enum GeminiWire {
    struct Part: Decodable { var text: String? }

    struct Response: Decodable {
        struct Candidate: Decodable {
            struct Content: Decodable { var parts: [Part]? }
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
                    cachedTokens: $0.cachedContentTokenCount ?? 0
                )
            }
        }
    }

    /// Roles are `user` and `model`; system turns become `systemInstruction`.
    /// The `generateContent` body: `contents` (user / model turns), `systemInstruction` from the
    /// system turns, and `generationConfig` when a temperature or token limit is set.
    static func encode(_ request: CompletionRequest) -> [UInt8] {
        let system = request.messages.filter { $0.role == .system }.map(\.content)
        var json = JSONWriter(capacity: 256 + request.messages.reduce(0) { $0 + $1.content.utf8.count + 48 })
        func parts(_ texts: [String], into json: inout JSONWriter) {
            json.field("parts") { json in
                json.array { json in
                    for text in texts { json.element { $0.object { $0.field("text") { $0.string(text) } } } }
                }
            }
        }
        json.object { json in
            json.field("contents") { json in
                json.array { json in
                    for turn in request.messages where turn.role != .system {
                        json.element { json in
                            json.object { json in
                                json.field("role") { $0.string(turn.role == .assistant ? "model" : "user") }
                                parts([turn.content], into: &json)
                            }
                        }
                    }
                }
            }
            if !system.isEmpty {
                json.field("systemInstruction") { json in json.object { parts(system, into: &$0) } }
            }
            if request.temperature != nil || request.maxOutputTokens != nil {
                json.field("generationConfig") { json in
                    json.object { json in
                        if let temperature = request.temperature { json.field("temperature") { $0.number(temperature) } }
                        if let maxTokens = request.maxOutputTokens { json.field("maxOutputTokens") { $0.integer(maxTokens) } }
                    }
                }
            }
        }
        return json.bytes
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
