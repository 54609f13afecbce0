import Foundation
import Hummingbird
import LLM
import Sessions
import Storage

/// `/api/v1/sessions/{id}/messages`: send (JSON or Server-Sent Events) and read the history.
struct MessageRoutes {
    let state: ServerState

    func register(on group: RouterGroup<OracleRequestContext>) {
        group.post(":id/messages") { request, context in try await send(request, context) }
        group.get(":id/messages") { request, context in try await history(request, context) }
    }

    func history(_ request: Request, _ context: OracleRequestContext) async throws -> Response {
        let id = try context.sessionID()
        guard let messages = try await state.chat.history(sessionID: id, tenant: context.tenant) else {
            throw APIError.notFound("session")
        }
        return try JSONResponse.make(MessageListBody(sessionId: id, messages: messages.map(MessageBody.init)))
    }

    func send(_ request: Request, _ context: OracleRequestContext) async throws -> Response {
        let id = try context.sessionID()
        let body = try await JSONBody(request, limit: state.config.maxBodyBytes)
        let content = try body.string("content", maxLength: state.config.maxMessageLength)
        let wantsStream = try body.optionalBool("stream")
            ?? (request.headers[.accept]?.contains("text/event-stream") ?? false)
        if wantsStream {
            return try await stream(sessionID: id, tenant: context.tenant, content: content)
        }
        do {
            let exchange = try await state.chat.send(sessionID: id, tenant: context.tenant, content: content)
            return Self.replyBody(exchange, offline: state.provider.descriptor.isOffline).response()
        } catch {
            guard case ChatError.upstreamFailed(let userMessageID, let reason) = error else { throw error }
            throw APIError(.badGateway, code: "upstream_failed",
                           message: "the AI provider gave no reply; your message was saved: \(reason)",
                           details: ["user_message_id": userMessageID])
        }
    }

    func stream(sessionID: String, tenant: String, content: String) async throws -> Response {
        let chat = try await state.chat.stream(sessionID: sessionID, tenant: tenant, content: content)
        let offline = state.provider.descriptor.isOffline
        let body = ResponseBody { writer in
            do {
                for try await event in chat.events {
                    switch event {
                    case .delta(let text):
                        try await writer.write(SSE.event("delta", ["type": .string("delta"), "text": .string(text)]))
                    case .done(let exchange):
                        try await writer.write(SSE.event("done", json: Data(Self.replyBody(exchange, offline: offline).json())))
                    }
                }
            } catch let error as ChatError {
                // The stream ended early on the provider's side: tell the client, then close.
                var fields: [String: JSONValue] = [
                    "type": .string("error"),
                    "error": .object(["code": .string("upstream_failed"), "message": .string(error.description)]),
                ]
                if case .streamFailed(let userID, let partialID, _) = error {
                    fields["user_message_id"] = .string(userID)
                    if let partialID { fields["partial_message_id"] = .string(partialID) }
                }
                try? await writer.write(SSE.event("error", fields))
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-cache", .init("X-Accel-Buffering")!: "no"],
            body: body)
    }

    static func replyBody(_ exchange: ChatExchange, offline: Bool) -> ReplyBody {
        let reply = MessageBody(exchange.reply)
        return ReplyBody(
            sessionId: exchange.reply.sessionID, messageId: exchange.reply.id, userMessageId: exchange.userMessage.id,
            content: exchange.reply.content, usage: reply.usage,
            provider: exchange.completion.provider, model: exchange.completion.model,
            offline: offline, fallback: exchange.completion.isFallback,
            userMessage: MessageBody(exchange.userMessage), reply: reply)
    }
}

/// Server-Sent Events framing.
enum SSE {
    static func event(_ name: String, _ fields: [String: JSONValue]) -> ByteBuffer {
        let data = (try? JSONResponse.encoder.encode(JSONValue.object(fields))) ?? Data("{}".utf8)
        return event(name, json: data)
    }

    static func event(_ name: String, json: Data) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeString("event: \(name)\ndata: ")
        buffer.writeBytes(json)
        buffer.writeString("\n\n")
        return buffer
    }
}
