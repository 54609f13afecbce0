import Foundation
import LLM
import OracleCore
import Sessions

/// `chat.completion`: the non-streaming answer, in OpenAI's shape plus an `oracle` object.
struct OpenAIChatCompletion: Encodable {
    struct Choice: Encodable {
        var index = 0
        var message: Message
        var finishReason: String
    }

    /// `content` is `null` (written, as OpenAI does) when the model only called tools.
    struct Message: Encodable {
        var role = "assistant"
        var content: String?
        var toolCalls: [OpenAIToolCall]?

        enum CodingKeys: String, CodingKey { case role, content, toolCalls }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(role, forKey: .role)
            try container.encode(content, forKey: .content)
            try container.encodeIfPresent(toolCalls, forKey: .toolCalls)
        }
    }

    var id: String
    var object = "chat.completion"
    var created: Int
    var model: String
    var choices: [Choice]
    var usage: OpenAIUsage
    var oracle: OpenAIOracleInfo
}

/// `chat.completion.chunk`: one `data:` line of a streamed answer.
struct OpenAIChatChunk: Encodable {
    struct Choice: Encodable {
        var index = 0
        var delta: Delta
        /// Encoded as `null` until the last chunk, as OpenAI does.
        var finishReason: String?

        enum CodingKeys: String, CodingKey { case index, delta, finishReason }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(index, forKey: .index)
            try container.encode(delta, forKey: .delta)
            try container.encode(finishReason, forKey: .finishReason)
        }
    }

    /// `{"role": "assistant", "content": ...}` first, then `{"content": ...}` or
    /// `{"tool_calls": [...]}` pieces, `{}` at the end.
    struct Delta: Encodable {
        var role: String?
        var content: String?
        var toolCalls: [OpenAIToolCall]?
    }

    var id: String
    var object = "chat.completion.chunk"
    var created: Int
    var model: String
    /// Empty in the usage chunk (`stream_options.include_usage`).
    var choices: [Choice]
    var usage: OpenAIUsage?
    var oracle: OpenAIOracleInfo?
}

/// A tool call, whole in a message; in a chunk, a piece of call `index` (its first piece
/// carries `id`, `type` and the function's `name`, every piece more `arguments` text).
struct OpenAIToolCall: Encodable {
    struct Function: Encodable {
        var name: String?
        var arguments: String
    }

    var index: Int?
    var id: String?
    var type: String?
    var function: Function

    init(_ call: ToolCall) {
        id = call.id
        type = "function"
        function = Function(name: call.name, arguments: call.arguments)
    }

    init(_ piece: ToolCallDelta) {
        index = piece.index
        id = piece.id
        type = piece.id == nil ? nil : "function"
        function = Function(name: piece.name, arguments: piece.arguments)
    }
}

struct OpenAIUsage: Encodable {
    struct Details: Encodable {
        var cachedTokens: Int
    }

    var promptTokens: Int
    var completionTokens: Int
    var totalTokens: Int
    var promptTokensDetails: Details

    init(_ usage: TokenUsage) {
        promptTokens = usage.promptTokens
        completionTokens = usage.completionTokens
        totalTokens = usage.totalTokens
        promptTokensDetails = Details(cachedTokens: usage.cachedTokens)
    }
}

/// Non-standard: who answered, and where the exchange was stored when `X-Session-ID` was sent.
/// SDKs ignore fields they do not know.
struct OpenAIOracleInfo: Encodable {
    var provider: String
    /// True for the embedded offline provider: the reply is not from a language model.
    var offline: Bool
    /// True when the provider was unavailable and the reply is the configured fallback text.
    var fallback: Bool
    var sessionId: String?
    var messageId: String?
    var userMessageId: String?

    init(_ completion: Completion, offline: Bool, exchange: ChatExchange?) {
        provider = completion.provider
        self.offline = offline
        fallback = completion.isFallback
        sessionId = exchange?.reply.sessionID
        messageId = exchange?.reply.id
        userMessageId = exchange?.userMessage.id
    }
}

/// What every response and chunk of one call shares.
struct OpenAICallIdentity: Sendable {
    /// The UUID's hex digits: without `replacingOccurrences`, which went through NSString and
    /// cost ~50k instructions per call (callgrind).
    var id = "chatcmpl-" + String(decoding: RandomIdentifier.uuid().utf8.filter { $0 != UInt8(ascii: "-") }, as: UTF8.self)
    var created = Int(Date().timeIntervalSince1970)

    /// OpenAI's finish reasons; a fallback reply ends normally, a reply cut short by the model's limit is `length`.
    static func finishReason(_ reason: String) -> String {
        switch reason.lowercased() {
        case "tool_calls", "function_call": "tool_calls"
        case "length", "max_tokens": "length"
        case "content_filter", "safety", "recitation", "blocklist", "prohibited_content": "content_filter"
        default: "stop"
        }
    }
}
