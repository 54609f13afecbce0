import Foundation
import LLM
import OracleCore

/// A `POST /v1/chat/completions` body, checked field by field; errors name the field
/// (`messages[2].content[0].type`) and the rule.
///
/// - `model` is accepted because every SDK sends it, but the configured model answers and the
///   response's `model` names it: a client written for `gpt-4o` keeps working against Gemini.
/// - `content` is a string or an array of `{"type": "text", "text": ...}` parts, joined with
///   newlines; other part types (images, audio) are rejected.
/// - Roles are `system`, `developer` (treated as `system`), `user` and `assistant`.
/// - `max_completion_tokens` is used when `max_tokens` is absent (newer SDKs send it); both are checked.
/// - Other OpenAI fields (`top_p`, `stop`, `user`, ...) are ignored; `n` must be 1.
///
/// ```swift
/// let chat = try OpenAIChatRequest(try await JSONBody(request, limit: 1 << 20))
/// let reply = try await provider.complete(chat.completionRequest)
/// ```
struct OpenAIChatRequest {
    var model: String?
    var messages: [ChatTurn]
    var stream: Bool
    /// `stream_options.include_usage`: send a last chunk with `usage` before `[DONE]`.
    var includeUsage: Bool
    var temperature: Double?
    var maxTokens: Int?

    init(_ body: JSONBody) throws {
        let fields = body.fields
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
        messages = try list.enumerated().map { try Self.turn($1, at: "messages[\($0)]") }
    }

    /// What the provider is asked; `model` is left to the configuration (see the type's notes).
    var completionRequest: CompletionRequest {
        CompletionRequest(messages: messages, temperature: temperature, maxOutputTokens: maxTokens)
    }

    /// The last message, which must be the user's and follow the message rules of
    /// `/api/v1`: what a request bound to a session stores.
    func lastUserContent(maxLength: Int) throws -> String {
        let field = "messages[\(messages.count - 1)]"
        guard let last = messages.last, last.role == .user else {
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
        let role: MessageRole
        switch message["role"] {
        case .string("system")?, .string("developer")?: role = .system
        case .string("user")?: role = .user
        case .string("assistant")?: role = .assistant
        case nil, .null?: throw APIError.invalidField("\(path).role", "is required")
        case let other?:
            throw APIError.invalidField("\(path).role", "must be one of system, developer, user, assistant (got \(Self.show(other)))")
        }
        return ChatTurn(role: role, content: try content(message["content"], at: "\(path).content"))
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
