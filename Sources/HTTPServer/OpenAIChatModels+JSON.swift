import Foundation
import Hummingbird
import OracleCore

// The `/v1` answers written by hand, as ``ReplyBody/json()`` is: every chat completion writes
// one, every streamed piece a chunk, and `JSONEncoder` (its snake_case conversion of every key,
// the sorting, the boxing) cost ~240k instructions per `/v1/chat/completions` call, a fifth of
// the gateway's (callgrind, bench/profile-v1.sh). The bytes are what ``JSONResponse/encoder``
// writes for the same value (sorted keys, nil fields left out unless the type writes `null`);
// OpenAIChatJSONTests holds them to it, so the `Encodable` conformances stay the definition.

/// The members a completion and a chunk share, in the encoder's (sorted) order: `choices`
/// (each written by `write`), `created`, `id`, `model`, `object`.
private func writeCallFields<Choice>(into json: inout JSONWriter, choices: [Choice], write: (Choice, inout JSONWriter) -> Void,
                                     created: Int, id: String, model: String, object: String) {
    json.field("choices") { json in
        json.array { json in
            for choice in choices { json.element { write(choice, &$0) } }
        }
    }
    json.field("created") { $0.integer(created) }
    json.field("id") { $0.string(id) }
    json.field("model") { $0.string(model) }
    json.field("object") { $0.string(object) }
}

extension OpenAIChatCompletion {
    func json() -> [UInt8] {
        var json = JSONWriter(capacity: 512 + choices.reduce(0) { $0 + 2 * ($1.message.content?.utf8.count ?? 0) })
        json.object { json in
            writeCallFields(into: &json, choices: choices, write: { $0.write(to: &$1) }, created: created, id: id, model: model, object: object)
            json.field("oracle") { oracle.write(to: &$0) }
            json.field("usage") { usage.write(to: &$0) }
        }
        return json.bytes
    }

    func response() -> Response {
        Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(bytes: json())))
    }
}

extension OpenAIChatCompletion.Choice {
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.field("finish_reason") { $0.string(finishReason) }
            json.field("index") { $0.integer(index) }
            json.field("message") { message.write(to: &$0) }
        }
    }
}

extension OpenAIChatCompletion.Message {
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.field("content") { json in
                if let content { json.string(content) } else { json.raw("null".utf8) }
            }
            json.field("role") { $0.string(role) }
            if let toolCalls { json.field("tool_calls") { OpenAIToolCall.write(toolCalls, to: &$0) } }
        }
    }
}

extension OpenAIChatChunk {
    func json() -> [UInt8] {
        var json = JSONWriter(capacity: 384 + choices.reduce(0) { $0 + 2 * ($1.delta.content?.utf8.count ?? 0) })
        json.object { json in
            writeCallFields(into: &json, choices: choices, write: { $0.write(to: &$1) }, created: created, id: id, model: model, object: object)
            if let oracle { json.field("oracle") { oracle.write(to: &$0) } }
            if let usage { json.field("usage") { usage.write(to: &$0) } }
        }
        return json.bytes
    }
}

extension OpenAIChatChunk.Choice {
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.field("delta") { delta.write(to: &$0) }
            json.field("finish_reason") { json in
                if let finishReason { json.string(finishReason) } else { json.raw("null".utf8) }
            }
            json.field("index") { $0.integer(index) }
        }
    }
}

extension OpenAIChatChunk.Delta {
    func write(to json: inout JSONWriter) {
        json.object { json in
            if let content { json.field("content") { $0.string(content) } }
            if let role { json.field("role") { $0.string(role) } }
            if let toolCalls { json.field("tool_calls") { OpenAIToolCall.write(toolCalls, to: &$0) } }
        }
    }
}

extension OpenAIToolCall {
    static func write(_ calls: [OpenAIToolCall], to json: inout JSONWriter) {
        json.array { json in
            for call in calls { json.element { call.write(to: &$0) } }
        }
    }

    func write(to json: inout JSONWriter) {
        json.object { json in
            json.field("function") { json in
                json.object { json in
                    json.field("arguments") { $0.string(function.arguments) }
                    if let name = function.name { json.field("name") { $0.string(name) } }
                }
            }
            if let id { json.field("id") { $0.string(id) } }
            if let index { json.field("index") { $0.integer(index) } }
            if let type { json.field("type") { $0.string(type) } }
        }
    }
}

extension OpenAIUsage {
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.field("completion_tokens") { $0.integer(completionTokens) }
            json.field("prompt_tokens") { $0.integer(promptTokens) }
            json.field("prompt_tokens_details") { json in
                json.object { json in json.field("cached_tokens") { $0.integer(promptTokensDetails.cachedTokens) } }
            }
            json.field("total_tokens") { $0.integer(totalTokens) }
        }
    }
}

extension OpenAIOracleInfo {
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.field("fallback") { $0.bool(fallback) }
            if let messageId { json.field("message_id") { $0.string(messageId) } }
            json.field("offline") { $0.bool(offline) }
            json.field("provider") { $0.string(provider) }
            if let sessionId { json.field("session_id") { $0.string(sessionId) } }
            if let userMessageId { json.field("user_message_id") { $0.string(userMessageId) } }
        }
    }
}
