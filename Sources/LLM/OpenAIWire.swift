import Foundation
import OracleCore

/// OpenAI `chat/completions` JSON, request and response (also spoken by OpenRouter and Ollama).
enum OpenAIWire {
    struct Response: Decodable {
        struct Choice: Decodable {
            struct Message: Decodable { var content: String? }
            var message: Message?
            var delta: Message?
            var finish_reason: String?
        }
        struct Usage: Decodable {
            struct PromptDetails: Decodable { var cached_tokens: Int? }
            var prompt_tokens: Int?
            var completion_tokens: Int?
            var total_tokens: Int?
            var prompt_tokens_details: PromptDetails?
        }
        struct ErrorBody: Decodable { var message: String?; var code: Int? }
        var choices: [Choice]?
        var usage: Usage?
        var error: ErrorBody?

        var tokenUsage: TokenUsage? {
            usage.map {
                TokenUsage(
                    promptTokens: $0.prompt_tokens ?? 0,
                    completionTokens: $0.completion_tokens ?? 0,
                    totalTokens: $0.total_tokens,
                    cachedTokens: $0.prompt_tokens_details?.cached_tokens ?? 0
                )
            }
        }
    }

    /// The `chat/completions` body: model, messages, stream (with `stream_options.include_usage`),
    /// and `temperature` / `max_tokens` when set.
    static func encode(_ request: CompletionRequest, model: String, stream: Bool) -> [UInt8] {
        var json = JSONWriter(capacity: 256 + request.messages.reduce(0) { $0 + $1.content.utf8.count + 32 })
        json.object { json in
            json.field("model") { $0.string(model) }
            json.field("messages") { json in
                json.array { json in
                    for message in request.messages {
                        json.element { json in
                            json.object { json in
                                json.field("role") { $0.string(message.role.rawValue) }
                                json.field("content") { $0.string(message.content) }
                            }
                        }
                    }
                }
            }
            json.field("stream") { $0.bool(stream) }
            if stream {
                json.field("stream_options") { $0.object { $0.field("include_usage") { $0.bool(true) } } }
            }
            if let temperature = request.temperature { json.field("temperature") { $0.number(temperature) } }
            if let maxTokens = request.maxOutputTokens { json.field("max_tokens") { $0.integer(maxTokens) } }
        }
        return json.bytes
    }

    static func decode(_ bytes: some Collection<UInt8>) throws(UpstreamError) -> Response {
        do {
            return try JSONDecoder().decode(Response.self, from: Data(bytes))
        } catch {
            throw UpstreamError(.invalidResponse("reply is not valid chat.completion JSON"))
        }
    }
}
