import Foundation
import OracleCore
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
        let ticket = try await state.admit(context, route: .sessions, endpoint: "messages",
                                           model: state.router.catalogue.defaultModel.name, promptBytes: content.utf8.count)
        if wantsStream {
            return try await stream(sessionID: id, tenant: context.tenant, content: content, ticket: ticket)
        }
        do {
            let exchange = try await state.chat.send(sessionID: id, tenant: context.tenant, content: content)
            ticket.completed(exchange.completion.usage)
            return Self.replyBody(exchange, offline: state.isOffline(exchange.completion.provider)).response()
        } catch {
            guard case ChatError.upstreamFailed(let userMessageID, let reason) = error else { throw error }
            throw APIError(.badGateway, code: "upstream_failed",
                           message: "the AI provider gave no reply; your message was saved: \(reason)",
                           details: ["user_message_id": userMessageID])
        }
    }

    /// `event: delta` per piece, then `event: done` with the JSON reply, or `event: error` when
    /// the provider's stream ends early.
    func stream(sessionID: String, tenant: String, content: String, ticket: Admission.Ticket) async throws -> Response {
        let chat = try await state.chat.stream(sessionID: sessionID, tenant: tenant, content: content)
        return ServerSentEvents.response(ending: nil) { [state] writer in
            await ServerSentEvents.relay(chat.events, to: &writer, frame: { event in
                switch event {
                case .delta(let text):
                    return ServerSentEvents.frame(event: "delta", JSONValue.object(["type": .string("delta"), "text": .string(text)]))
                case .done(let exchange):
                    ticket.completed(exchange.completion.usage)
                    return ServerSentEvents.frame(event: "done", json: Data(Self.replyBody(exchange, offline: state.isOffline(exchange.completion.provider)).json()))
                }
            }, failure: { error in
                guard let error = error as? ChatError else { return nil }
                var fields: [String: JSONValue] = [
                    "type": .string("error"),
                    "error": .object(["code": .string("upstream_failed"), "message": .string(error.description)]),
                ]
                if case .streamFailed(let userID, let partialID, _) = error {
                    fields["user_message_id"] = .string(userID)
                    if let partialID { fields["partial_message_id"] = .string(partialID) }
                }
                return ServerSentEvents.frame(event: "error", JSONValue.object(fields))
            })
        }
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
