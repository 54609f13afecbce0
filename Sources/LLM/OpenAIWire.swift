import Foundation

/// OpenAI `chat/completions` JSON, request and response (also spoken by OpenRouter and Ollama).
enum OpenAIWire {
    struct Request: Encodable {
        struct Message: Encodable { var role: String; var content: String }
        struct StreamOptions: Encodable { var include_usage: Bool }
        var model: String
        var messages: [Message]
        var stream: Bool
        var stream_options: StreamOptions?
        var temperature: Double?
        var max_tokens: Int?
    }

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
                    cachedPromptTokens: $0.prompt_tokens_details?.cached_tokens ?? 0
                )
            }
        }
    }

    static func encode(_ request: CompletionRequest, model: String, stream: Bool) throws(UpstreamError) -> [UInt8] {
        let body = Request(
            model: model,
            messages: request.messages.map { .init(role: $0.role.rawValue, content: $0.content) },
            stream: stream,
            stream_options: stream ? .init(include_usage: true) : nil,
            temperature: request.temperature,
            max_tokens: request.maxOutputTokens
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
            throw UpstreamError(.invalidResponse("reply is not valid chat.completion JSON"))
        }
    }
}
