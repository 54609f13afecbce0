import Foundation
import Hummingbird
import OracleCore

/// The reply to a sent message, written by hand: it is the one body written on every message,
/// and `JSONEncoder` (with its snake_case conversion and date formatting) was a visible share of
/// the gateway's CPU per message. The bytes are what ``JSONResponse/encoder`` writes for the
/// same value (sorted keys, nil fields left out, ISO 8601 dates); ReplyBodyJSONTests holds them
/// to it, so `Encodable` stays the definition.
extension ReplyBody {
    func json() -> [UInt8] {
        var json = JSONWriter(capacity: 768 + 2 * content.utf8.count + reply.content.utf8.count + userMessage.content.utf8.count)
        json.object { json in
            json.field("content") { $0.string(content) }
            json.field("fallback") { $0.bool(fallback) }
            json.field("message_id") { $0.string(messageId) }
            json.field("model") { $0.string(model) }
            json.field("offline") { $0.bool(offline) }
            json.field("provider") { $0.string(provider) }
            json.field("reply") { reply.write(to: &$0) }
            json.field("session_id") { $0.string(sessionId) }
            if let usage { json.field("usage") { usage.write(to: &$0) } }
            json.field("user_message") { userMessage.write(to: &$0) }
            json.field("user_message_id") { $0.string(userMessageId) }
        }
        return json.bytes
    }

    func response() -> Response {
        Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(bytes: json())))
    }
}

extension MessageBody {
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.field("content") { $0.string(content) }
            json.field("created_at") { $0.string(UTCTimestamp.iso8601(createdAt)) }
            if let error { json.field("error") { $0.string(error) } }
            json.field("fallback") { $0.bool(fallback) }
            json.field("id") { $0.string(id) }
            if let model { json.field("model") { $0.string(model) } }
            if let provider { json.field("provider") { $0.string(provider) } }
            json.field("role") { $0.string(role) }
            json.field("sequence") { $0.integer(sequence) }
            json.field("session_id") { $0.string(sessionId) }
            json.field("status") { $0.string(status) }
            if let usage { json.field("usage") { usage.write(to: &$0) } }
        }
    }
}

extension TokenUsage {
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.field("cached_tokens") { $0.integer(cachedTokens) }
            json.field("completion_tokens") { $0.integer(completionTokens) }
            json.field("prompt_tokens") { $0.integer(promptTokens) }
            json.field("total_tokens") { $0.integer(totalTokens) }
        }
    }
}
