import Foundation
@testable import HTTPServer
import Storage
import Testing

/// The reply to a sent message is written by hand; it must be the bytes `JSONEncoder` writes
/// for the same `ReplyBody`, whatever the text holds and whichever fields are missing.
@Suite struct ReplyBodyJSONTests {
    static func stored(_ fields: [String: Any]) throws -> StoredMessage {
        var all: [String: Any] = [
            "id": "m-\(UUID().uuidString.lowercased())", "sessionID": "s-1", "sequence": 7, "role": "assistant",
            "content": "hello", "status": "complete", "isFallback": false,
            "createdAt": Double.random(in: 0..<1_000_000_000),
        ]
        all.merge(fields) { $1 }
        return try JSONDecoder().decode(StoredMessage.self, from: JSONSerialization.data(withJSONObject: all))
    }

    static let texts = [
        "The answer is forty-two.", "", "quotes \" and \\ backslashes / slashes",
        "line\nbreaks\r\nand\ttabs", "control \u{01}\u{08}\u{0C}\u{1F} characters",
        "ünïcödé, 漢字, emoji 👩‍🔬, RTL עברית", String(repeating: "long ", count: 2000),
    ]

    @Test(arguments: texts)
    func handWrittenMatchesEncoder(text: String) throws {
        let user = try Self.stored(["role": "user", "content": text, "sequence": 6])
        let reply = try Self.stored([
            "content": text, "provider": "openai", "model": "gpt-4o-mini",
            "usage": ["promptTokens": 12, "completionTokens": 5, "totalTokens": 17, "cachedTokens": 3],
        ])
        let failed = try Self.stored(["role": "user", "content": text, "status": "failed", "error": "upstream \"timed\" out"])
        for (userMessage, replyMessage) in [(user, reply), (failed, try Self.stored(["isFallback": true]))] {
            let body = ReplyBody(
                sessionId: "s-1", messageId: replyMessage.id, userMessageId: userMessage.id, content: replyMessage.content,
                usage: MessageBody(replyMessage).usage, provider: replyMessage.provider ?? "offline",
                model: replyMessage.model ?? "offline-echo", offline: replyMessage.provider == nil,
                fallback: replyMessage.isFallback, userMessage: MessageBody(userMessage), reply: MessageBody(replyMessage))
            let encoded = try JSONResponse.encoder.encode(body)
            let written = Data(body.json())
            #expect(written == encoded, "\(String(decoding: written, as: UTF8.self).prefix(400))\n\(String(decoding: encoded, as: UTF8.self).prefix(400))")
            // Whatever the escaping, it reads back as the same document.
            let read = try JSONSerialization.jsonObject(with: written) as? NSDictionary
            #expect(read == (try JSONSerialization.jsonObject(with: encoded) as? NSDictionary))
        }
    }

    /// The stored token counts are the provider's `TokenUsage`; the API shows them under the
    /// same four names it always had.
    @Test func usageKeepsItsWireNames() throws {
        let reply = try Self.stored([
            "usage": ["promptTokens": 12, "completionTokens": 5, "totalTokens": 17, "cachedTokens": 3],
        ])
        let message = try JSONSerialization.jsonObject(with: JSONResponse.encoder.encode(MessageBody(reply))) as? [String: Any]
        let usage = try #require(message?["usage"] as? [String: Int])
        #expect(usage == ["prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17, "cached_tokens": 3])
    }
}
