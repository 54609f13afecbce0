import Foundation
import OracleCore

/// OpenAI `chat/completions` JSON, request and response (also spoken by OpenRouter and Ollama).
enum OpenAIWire {
    struct Response: Decodable, Equatable {
        struct Choice: Decodable, Equatable {
            struct Message: Decodable, Equatable {
                var content: String?
                var tool_calls: [WireToolCall]?
            }
            var message: Message?
            var delta: Message?
            var finish_reason: String?
        }
        /// Whole in a message; in a stream's delta, a piece of call `index` (id and name in its first piece).
        struct WireToolCall: Decodable, Equatable {
            struct Function: Decodable, Equatable { var name: String?; var arguments: String? }
            var index: Int?
            var id: String?
            var function: Function?
        }
        struct Usage: Decodable, Equatable {
            struct PromptDetails: Decodable, Equatable { var cached_tokens: Int? }
            var prompt_tokens: Int?
            var completion_tokens: Int?
            var total_tokens: Int?
            var prompt_tokens_details: PromptDetails?
        }
        struct ErrorBody: Decodable, Equatable { var message: String?; var code: Int? }
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

    /// Members the gateway writes itself when forwarding a client's body.
    static let replacedMembers: Set<String> = ["model", "stream", "stream_options"]

    /// The `chat/completions` body. With the client's own body (stateless `/v1`) that body is
    /// forwarded member by member, only `model` and `stream` (with `stream_options.include_usage`,
    /// which the gateway needs to count tokens) replaced. Otherwise (a session's context) it is
    /// written from `messages`, with `temperature` / `max_tokens` when set.
    static func encode(_ request: CompletionRequest, model: String, stream: Bool) -> [UInt8] {
        let capacity = request.openAIBody.map { $0.bytes.count + 128 }
            ?? 256 + request.messages.reduce(0) { $0 + $1.content.utf8.count + 32 }
        var json = JSONWriter(capacity: capacity)
        json.object { json in
            json.field("model") { $0.string(model) }
            json.field("stream") { $0.bool(stream) }
            if stream {
                json.field("stream_options") { $0.object { $0.field("include_usage") { $0.bool(true) } } }
            }
            if let body = request.openAIBody {
                body.writeMembers(into: &json, except: replacedMembers)
                return
            }
            json.field("messages") { json in
                json.array { json in
                    for message in request.messages { json.element { write(message, into: &$0) } }
                }
            }
            if let temperature = request.temperature { json.field("temperature") { $0.number(temperature) } }
            if let maxTokens = request.maxOutputTokens { json.field("max_tokens") { $0.integer(maxTokens) } }
        }
        return json.bytes
    }

    private static func write(_ message: ChatTurn, into json: inout JSONWriter) {
        json.object { json in
            json.field("role") { $0.string(message.openAIRole) }
            if let calls = message.toolCalls, !calls.isEmpty {
                json.field("content") { json in
                    if message.content.isEmpty { json.raw("null".utf8) } else { json.string(message.content) }
                }
                json.field("tool_calls") { json in
                    json.array { json in
                        for call in calls {
                            json.element { json in
                                json.object { json in
                                    json.field("id") { $0.string(call.id) }
                                    json.field("type") { $0.string("function") }
                                    json.field("function") { json in
                                        json.object { json in
                                            json.field("name") { $0.string(call.name) }
                                            json.field("arguments") { $0.string(call.arguments) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            } else {
                json.field("content") { $0.string(message.content) }
            }
            if let id = message.toolCallID { json.field("tool_call_id") { $0.string(id) } }
        }
    }

    /// Read by ``JSONReader`` when the reply is as expected (see OpenAIWire+Reader.swift), else by `JSONDecoder`.
    static func decode(_ bytes: some Collection<UInt8>) throws(UpstreamError) -> Response {
        if let value = JSONReader.read(bytes), let response = Response(reading: value) { return response }
        do {
            return try JSONDecoder().decode(Response.self, from: Data(bytes))
        } catch {
            throw UpstreamError(.invalidResponse("reply is not valid chat.completion JSON"))
        }
    }

    /// Whole tool calls of a non-streamed message; a call without a name is not understood.
    static func toolCalls(_ calls: [Response.WireToolCall]?) throws(UpstreamError) -> [ToolCall] {
        var whole: [ToolCall] = []
        for call in calls ?? [] {
            guard let id = call.id, let name = call.function?.name else {
                throw UpstreamError(.invalidResponse("a tool call has no id or function name"))
            }
            whole.append(ToolCall(id: id, name: name, arguments: call.function?.arguments ?? ""))
        }
        return whole
    }
}

/// Tool calls as a stream's pieces arrive (OpenAI's `delta.tool_calls`, Gemini's whole calls
/// given as one piece each): the whole calls for the final ``Completion``.
struct ToolCallAssembler {
    private(set) var calls: [ToolCall] = []
    private var positions: [Int: Int] = [:]

    /// Adds a piece; false when it names a call this stream has not started (no id or name yet).
    mutating func add(_ piece: ToolCallDelta) -> Bool {
        if let position = positions[piece.index] {
            calls[position].arguments += piece.arguments
            return true
        }
        guard let id = piece.id, let name = piece.name else { return false }
        positions[piece.index] = calls.count
        calls.append(ToolCall(id: id, name: name, arguments: piece.arguments))
        return true
    }
}
