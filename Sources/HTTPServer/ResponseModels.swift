import Foundation
import Hummingbird
import LLM
import OracleCore
import Storage

/// JSON bodies the API returns; keys are snake_case on the wire.
struct SessionBody: Encodable {
    var id: String
    var title: String
    var tenantId: String
    var createdAt: Date
    var updatedAt: Date
    var messageCount: Int

    init(_ session: StoredSession) {
        id = session.id
        title = session.title
        tenantId = session.tenantID
        createdAt = session.createdAt
        updatedAt = session.updatedAt
        messageCount = session.messageCount
    }
}

struct SessionListBody: Encodable {
    var sessions: [SessionBody]
    var total: Int
    var limit: Int
    var offset: Int
    var hasMore: Bool
}

struct MessageBody: Encodable {
    var id: String
    var sessionId: String
    var sequence: Int
    var role: String
    var content: String
    var status: String
    var provider: String?
    var model: String?
    var usage: TokenUsage?
    var fallback: Bool
    var error: String?
    var createdAt: Date

    init(_ message: StoredMessage) {
        id = message.id
        sessionId = message.sessionID
        sequence = message.sequence
        role = message.role.rawValue
        content = message.content
        status = message.status.rawValue
        provider = message.provider
        model = message.model
        usage = message.usage
        fallback = message.isFallback
        error = message.error
        createdAt = message.createdAt
    }
}

struct MessageListBody: Encodable {
    var sessionId: String
    var messages: [MessageBody]
}

/// The answer to a sent message: the reply and where it came from.
struct ReplyBody: Encodable {
    var sessionId: String
    var messageId: String
    var userMessageId: String
    var content: String
    var usage: TokenUsage?
    var provider: String
    var model: String
    /// True for the embedded offline provider: the reply is not from a language model.
    var offline: Bool
    /// True when the provider was unavailable and the reply is the configured fallback text.
    var fallback: Bool
    var userMessage: MessageBody
    var reply: MessageBody
}

enum JSONResponse {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(date))
        }
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try encoder.encode(value)
        return Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
