import Foundation
import LLM
import OracleCore

/// A `POST /v1/chat/completions` body, checked field by field; errors name the field
/// (`messages[2].content[0].type`) and the rule.
///
/// - `model` names a model of the catalogue (`MODELS_FILE`) by name or alias (unknown:
///   `404 model_not_found`); without a models file the one configured model answers to every
///   name, so a client written for `gpt-4o` keeps working against Gemini. The response's
///   `model` names the model id that answered.
/// - `content` is a string or an array of `{"type": "text", "text": ...}` parts, joined with
///   newlines; other part types (images, audio) are rejected.
/// - Roles are `system`, `developer` (treated as `system`), `user`, `assistant` (whose `content`
///   may be null when it has `tool_calls`) and `tool` (with `tool_call_id`).
/// - `max_completion_tokens` is used when `max_tokens` is absent (newer SDKs send it); both are checked.
/// - Every other field is kept in ``body`` and reaches the provider: an OpenAI-compatible one gets
///   the body as sent, Gemini maps each field or the route refuses it by name. `n` must be 1.
/// - Bounded: at most ``maxMessages`` messages, ``maxTools`` tools, JSON nested ``maxDepth`` deep
///   (and the body itself is bounded by `MAX_BODY_BYTES`).
///
/// ```swift
/// let chat = try OpenAIChatRequest(try await JSONBody(request, limit: 1 << 20))
/// let reply = try await provider.complete(chat.completionRequest)
/// ```
struct OpenAIChatRequest {
    static let maxMessages = 4096
    static let maxTools = 128
    static let maxDepth = 64

    /// The client's body, forwarded (see the type's notes).
    var body: OpenAIRequestBody
    var model: String?
    var messages: [ChatTurn]
    var stream: Bool
    /// `stream_options.include_usage`: send a last chunk with `usage` before `[DONE]`.
    var includeUsage: Bool
    var temperature: Double?
    var maxTokens: Int?

    init(_ body: JSONBody) throws {
        let fields = body.fields
        guard let raw = OpenAIRequestBody(validJSON: Array(body.buffer.readableBytesView), fields: fields) else {
            throw APIError(.badRequest, code: "invalid_json", message: "request body must be a JSON object")
        }
        guard raw.depth <= Self.maxDepth else {
            throw APIError(.badRequest, code: "invalid_json", message: "request body nests JSON \(raw.depth) deep; at most \(Self.maxDepth) is allowed")
        }
        self.body = raw
        model = try Self.optional(fields, "model") { value -> String? in
            if case .string(let name) = value { return name } else { return nil }
        } rule: { "must be a string, not \($0.typeName)" }
        stream = try body.optionalBool("stream") ?? false
        includeUsage = try Self.includeUsage(fields["stream_options"])
        temperature = try Self.optional(fields, "temperature") { value -> Double? in
            if case .number(let number) = value, (0...2).contains(number) { return number } else { return nil }
        } rule: { if case .number = $0 { "must be from 0 to 2" } else { "must be a number from 0 to 2, not \($0.typeName)" } }
        // Both are checked whenever sent, so a bad one is never passed over because the other is there.
        let tokenLimits = try ["max_tokens", "max_completion_tokens"].map { name in
            try Self.optional(fields, name) { value -> Int? in
                if case .number(let number) = value, number >= 1, number == number.rounded(), number < 1e9 { return Int(number) } else { return nil }
            } rule: { _ in "must be a whole number of at least 1" }
        }
        maxTokens = tokenLimits[0] ?? tokenLimits[1]
        if let n = fields["n"], n != .null, n != .number(1) {
            throw APIError.invalidField("n", "must be 1: one choice per request is supported")
        }
        guard let raw = fields["messages"], raw != .null else { throw APIError.invalidField("messages", "is required") }
        guard case .array(let list) = raw else { throw APIError.invalidField("messages", "must be an array, not \(raw.typeName)") }
        guard !list.isEmpty else { throw APIError.invalidField("messages", "must not be empty") }
        guard list.count <= Self.maxMessages else {
            throw APIError.invalidField("messages", "must hold at most \(Self.maxMessages) messages (got \(list.count))")
        }
        messages = try list.enumerated().map { try Self.turn($1, at: "messages[\($0)]") }
        switch fields["tools"] {
        case nil, .null?: break
        case .array(let tools)? where tools.count <= Self.maxTools: break
        case .array(let tools)?: throw APIError.invalidField("tools", "must hold at most \(Self.maxTools) tools (got \(tools.count))")
        case let other?: throw APIError.invalidField("tools", "must be an array, not \(other.typeName)")
        }
        switch fields["stop"] {
        case nil, .null?, .string?: break
        case .array(let stops)? where stops.allSatisfy({ if case .string = $0 { true } else { false } }): break
        default: throw APIError.invalidField("stop", "must be a string or an array of strings")
        }
    }

    /// What the provider is asked on the stateless route: the client's own body, forwarded;
    /// `model` is left to the configuration (see the type's notes). No fallback: nothing is saved there.
    var completionRequest: CompletionRequest {
        CompletionRequest(messages: messages, temperature: temperature, maxOutputTokens: maxTokens,
                          openAIBody: body, allowsFallback: false)
    }

    /// Fields that change the answer, which a session's exchange cannot take: it asks with the
    /// stored history and the server's settings. Refused by name rather than ignored.
    static let sessionlessFields = ["tools", "tool_choice", "response_format", "stop", "seed", "top_p", "presence_penalty",
                                    "frequency_penalty", "logit_bias", "logprobs", "top_logprobs", "parallel_tool_calls",
                                    "reasoning_effort", "functions", "function_call", "modalities", "audio", "prediction"]

    /// With `X-Session-ID`: the first field of ``sessionlessFields`` that was sent.
    var fieldRefusedInSession: String? {
        Self.sessionlessFields.first { name in body.fields[name].map { $0 != .null } ?? false }
    }

    /// The last message, which must be the user's and follow the message rules of
    /// `/api/v1`: what a request bound to a session stores.
    func lastUserContent(maxLength: Int) throws -> String {
        let field = "messages[\(messages.count - 1)]"
        guard let last = messages.last, last.role == .user, last.toolCallID == nil else {
            throw APIError.invalidField("\(field).role", "must be 'user': with X-Session-ID the last message is the one sent")
        }
        guard !last.content.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw APIError.invalidField("\(field).content", "must not be empty")
        }
        // Code points, as `/api/v1` counts (`JSONBody.string`).
        let length = last.content.unicodeScalars.count
        guard length <= maxLength else {
            throw APIError.invalidField("\(field).content", "must be at most \(maxLength) characters (got \(length))")
        }
        return last.content
    }

    private static func turn(_ value: JSONValue, at path: String) throws -> ChatTurn {
        guard case .object(let message) = value else {
            throw APIError.invalidField(path, "must be an object with 'role' and 'content', not \(value.typeName)")
        }
        switch message["role"] {
        case .string("system")?, .string("developer")?:
            return ChatTurn(role: .system, content: try content(message["content"], at: "\(path).content"))
        case .string("user")?:
            return ChatTurn(role: .user, content: try content(message["content"], at: "\(path).content"))
        case .string("assistant")?:
            let calls = try toolCalls(message["tool_calls"], at: "\(path).tool_calls")
            // An assistant turn that only calls tools has `content: null` (what every SDK sends back).
            let text = calls.isEmpty || !(message["content"] == nil || message["content"] == .null)
                ? try content(message["content"], at: "\(path).content") : ""
            return ChatTurn(role: .assistant, content: text, toolCalls: calls.isEmpty ? nil : calls)
        case .string("tool")?:
            guard case .string(let id)? = message["tool_call_id"], !id.isEmpty else {
                throw APIError.invalidField("\(path).tool_call_id", "is required: the id of the tool call this answers")
            }
            return ChatTurn(role: .user, content: try content(message["content"], at: "\(path).content"), toolCallID: id)
        case nil, .null?: throw APIError.invalidField("\(path).role", "is required")
        case let other?:
            throw APIError.invalidField("\(path).role", "must be one of system, developer, user, assistant, tool (got \(Self.show(other)))")
        }
    }

    /// `[{"id": ..., "type": "function", "function": {"name": ..., "arguments": "<JSON text>"}}]`.
    private static func toolCalls(_ value: JSONValue?, at path: String) throws -> [ToolCall] {
        switch value {
        case nil, .null?: return []
        case .array(let calls)?:
            guard calls.count <= maxTools else { throw APIError.invalidField(path, "must hold at most \(maxTools) calls") }
            return try calls.enumerated().map { index, call in
                let at = "\(path)[\(index)]"
                guard case .object(let fields) = call, case .object(let function)? = fields["function"] else {
                    throw APIError.invalidField("\(at).function", "is required: {\"name\": ..., \"arguments\": ...}")
                }
                guard case .string(let id)? = fields["id"] else { throw APIError.invalidField("\(at).id", "must be a string") }
                guard case .string(let name)? = function["name"] else { throw APIError.invalidField("\(at).function.name", "must be a string") }
                guard case .string(let arguments)? = function["arguments"] else {
                    throw APIError.invalidField("\(at).function.arguments", "must be a string of JSON")
                }
                return ToolCall(id: id, name: name, arguments: arguments)
            }
        case let other?:
            throw APIError.invalidField(path, "must be an array, not \(other.typeName)")
        }
    }

    private static func content(_ value: JSONValue?, at path: String) throws -> String {
        switch value {
        case .string(let text)?:
            return text
        case .array(let parts)?:
            return try parts.enumerated().map { (index, part) -> String in
                guard case .object(let fields) = part else {
                    throw APIError.invalidField("\(path)[\(index)]", "must be an object like {\"type\": \"text\", \"text\": ...}")
                }
                guard fields["type"] == .string("text") else {
                    throw APIError.invalidField("\(path)[\(index)].type",
                                                "must be 'text' (got \(fields["type"].map(Self.show) ?? "nothing")): only text parts are supported")
                }
                guard case .string(let text)? = fields["text"] else {
                    throw APIError.invalidField("\(path)[\(index)].text", "must be a string")
                }
                return text
            }.joined(separator: "\n")
        case nil, .null?:
            throw APIError.invalidField(path, "is required")
        case let other?:
            throw APIError.invalidField(path, "must be a string or an array of text parts, not \(other.typeName)")
        }
    }

    private static func includeUsage(_ value: JSONValue?) throws -> Bool {
        switch value {
        case nil, .null?: return false
        case .object(let options)?:
            switch options["include_usage"] {
            case nil, .null?: return false
            case .bool(let flag)?: return flag
            case let other?: throw APIError.invalidField("stream_options.include_usage", "must be a boolean, not \(other.typeName)")
            }
        case let other?:
            throw APIError.invalidField("stream_options", "must be an object, not \(other.typeName)")
        }
    }

    /// nil when the field is absent or null; otherwise `read`'s value, or a 400 with `rule`.
    private static func optional<T>(
        _ fields: [String: JSONValue], _ name: String, _ read: (JSONValue) -> T?, rule: (JSONValue) -> String
    ) throws -> T? {
        guard let value = fields[name], value != .null else { return nil }
        guard let typed = read(value) else { throw APIError.invalidField(name, rule(value)) }
        return typed
    }

    private static func show(_ value: JSONValue) -> String {
        if case .string(let text) = value { return "'\(text.prefix(40))'" }
        return value.typeName
    }
}
