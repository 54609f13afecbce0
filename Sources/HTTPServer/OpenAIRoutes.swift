import Foundation
import OracleCore
import Hummingbird
import LLM
import Sessions

/// `POST /v1/chat/completions`: the OpenAI Chat Completions API over the configured provider
/// (with its retries, breaker, fallback and metrics), so OpenAI SDKs work unchanged with
/// `base_url=http://host:port/v1` and a client key from `CHAT_API_KEYS` as the API key.
///
/// Without `X-Session-ID` the call is stateless: the request's messages are the whole
/// context, nothing is stored, and no system prompt is added. With `X-Session-ID: <id>` (a
/// session of the caller's tenant, else 404) it is a message in that session: the last
/// request message (which must be the user's) is stored, the context is the stored history
/// plus that message (earlier request messages are ignored: the server's copy is the truth),
/// and the reply is stored, partial replies as `incomplete`; `temperature` and `max_tokens`
/// then do not apply, as for `/api/v1`, and fields that would change the answer (`tools`,
/// `response_format`, `stop`, `seed`, ...) are refused with a 400 naming them.
///
/// Stateless calls forward the client's body (see ``OpenAIChatRequest``) and fail honestly: an
/// upstream failure after the retries is an OpenAI-shaped 429/502/503/504 (see
/// ``OpenAIErrorShape/upstreamFailure(_:)``), never the fallback text. A session's exchange keeps
/// the flagged fallback reply, as on `/api/v1`.
///
/// ```sh
/// curl -s localhost:8000/v1/chat/completions -H 'Authorization: Bearer KEY' \
///   -d '{"model":"any","messages":[{"role":"user","content":"hi"}]}'
/// ```
struct OpenAIRoutes {
    let state: ServerState

    func register(on router: Router<OracleRequestContext>) {
        router.group("v1")
            .add(middleware: ClientAuthMiddleware(keys: state.config.chatAPIKeys))
            .post("chat/completions") { request, context in try await complete(request, context) }
            .post("embeddings") { request, context in try await embeddings(request, context) }
            .get("models") { _, _ in try models() }
            .get("models/{model}") { _, context in try model(context.parameters.get("model") ?? "") }
    }

    /// `GET /v1/models`: the catalogue's models (`MODELS_FILE`), by name, as SDK tooling expects.
    func models() throws -> Response {
        let catalogue = state.router.catalogue
        return try JSONResponse.make(JSONValue.object([
            "object": .string("list"), "data": .array(catalogue.models.map { listing($0, in: catalogue) }),
        ]))
    }

    /// `GET /v1/models/{model}`: one model, by name or alias; `404 model_not_found` otherwise.
    func model(_ name: String) throws -> Response {
        let catalogue = state.router.catalogue
        guard let model = catalogue.resolve(name) else { throw Self.modelNotFound(name) }
        return try JSONResponse.make(listing(model, in: catalogue))
    }

    /// OpenAI's model object, with what the catalogue says of it under `oracle`.
    func listing(_ model: ModelCatalogue.Model, in catalogue: ModelCatalogue) -> JSONValue {
        let offline = catalogue.provider(named: model.provider)?.kind == .offline
        return .object([
            "id": .string(model.name), "object": .string("model"), "created": .number(0),
            "owned_by": .string(offline ? "oracle-chat (offline provider, not a model)" : model.provider),
            "oracle": .object([
                "provider": .string(model.provider), "upstream_model": .string(model.upstreamModel),
                "aliases": .array(model.aliases.map(JSONValue.string)), "tags": .array(model.tags.map(JSONValue.string)),
                "default": .bool(model.name == catalogue.defaultModel.name),
            ]),
        ])
    }

    /// OpenAI's answer to a model it does not serve.
    static func modelNotFound(_ name: String) -> APIError {
        APIError(.notFound, code: "model_not_found",
                 message: "The model '\(name.prefix(128))' does not exist: GET /v1/models lists the models this gateway serves",
                 details: ["field": "model"])
    }

    func complete(_ request: Request, _ context: OracleRequestContext) async throws -> Response {
        let sessionID = try Self.sessionID(in: request)
        let json = try await JSONBody(request, limit: state.config.maxBodyBytes)
        let chat = try OpenAIChatRequest(json)
        let call = OpenAICallIdentity()
        guard let sessionID else {
            guard let resolved = state.router.resolve(chat.model) else { throw Self.modelNotFound(chat.model ?? "") }
            var asked = chat.completionRequest
            asked.model = chat.model
            asked.tenant = context.tenant
            if let field = state.provider.unsupportedField(in: asked) {
                throw APIError(.badRequest, code: "unsupported_field",
                               message: "field '\(field.name)' cannot be honoured by the \(resolved.provider) provider: \(field.reason)",
                               details: ["field": field.name])
            }
            // Asked once the request is known to be valid: a 400 costs no quota.
            // admission.lua sees the model as the client named it (its quotas may key on it).
            let ticket = try await admit(context, model: chat.model ?? resolved.name, promptBytes: json.buffer.readableBytes)
            return chat.stream ? try await streamStateless(asked, model: resolved, chat: chat, call: call, ticket: ticket)
                               : try await completeStateless(asked, call: call, ticket: ticket)
        }
        if let field = chat.fieldRefusedInSession {
            throw APIError.invalidField(field, "is not supported with X-Session-ID: a session's exchange uses the stored history and the server's settings")
        }
        let content = try chat.lastUserContent(maxLength: state.config.maxMessageLength)
        let ticket = try await admit(context, model: state.router.catalogue.defaultModel.name, promptBytes: content.utf8.count)
        if chat.stream {
            let stream = try await state.chat.stream(sessionID: sessionID, tenant: context.tenant, content: content)
            return streamSession(stream, chat: chat, call: call, ticket: ticket)
        }
        do {
            let exchange = try await state.chat.send(sessionID: sessionID, tenant: context.tenant, content: content)
            ticket.completed(exchange.completion.usage)
            return body(exchange.completion, call: call, exchange: exchange).response()
        } catch ChatError.upstreamFailed(let userMessageID, let reason) {
            throw APIError(.badGateway, code: "upstream_failed",
                           message: "the AI provider gave no reply; your message was saved: \(reason)",
                           details: ["user_message_id": userMessageID])
        }
    }

    /// Admission for a chat completion to the catalogue model `model`.
    func admit(_ context: OracleRequestContext, model: String, promptBytes: Int) async throws -> Admission.Ticket {
        try await state.admit(context, route: .v1, endpoint: "chat.completions", model: model, promptBytes: promptBytes)
    }

    func completeStateless(_ asked: CompletionRequest, call: OpenAICallIdentity, ticket: Admission.Ticket) async throws -> Response {
        let completion: Completion
        do {
            completion = try await state.provider.complete(asked)
        } catch {
            throw Self.upstreamFailure(error)
        }
        ticket.completed(completion.usage)
        return body(completion, call: call, exchange: nil).response()
    }

    /// A provider's failure on the stateless route, as the status and shape OpenAI's SDKs retry on.
    static func upstreamFailure(_ error: any Error) -> any Error {
        switch error {
        case let missing as ModelNotFound: modelNotFound(missing.name)
        case let failure as UpstreamError: OpenAIErrorShape.upstreamFailure(failure)
        case let failure as LLMError: OpenAIErrorShape.upstreamFailure(UpstreamError(failure))
        default: error
        }
    }

    func body(_ completion: Completion, call: OpenAICallIdentity, exchange: ChatExchange?) -> OpenAIChatCompletion {
        let calls = completion.toolCalls.map(OpenAIToolCall.init)
        return OpenAIChatCompletion(
            id: call.id, created: call.created, model: completion.model,
            choices: [.init(message: .init(content: calls.isEmpty || !completion.text.isEmpty ? completion.text : nil,
                                           toolCalls: calls.isEmpty ? nil : calls),
                            finishReason: OpenAICallIdentity.finishReason(completion.finishReason))],
            usage: OpenAIUsage(completion.usage),
            oracle: OpenAIOracleInfo(completion, offline: state.isOffline(completion.provider), exchange: exchange))
    }

    /// `X-Session-ID`, which must be a UUID when present.
    static func sessionID(in request: Request) throws -> String? {
        guard let raw = request.headers[.init("X-Session-ID")!] else { return nil }
        guard let uuid = UUID(uuidString: raw.trimmingCharacters(in: .whitespaces)) else {
            throw APIError(.badRequest, code: "invalid_id", message: "header 'X-Session-ID' must be a session id (a UUID)",
                           details: ["field": "X-Session-ID"])
        }
        return uuid.uuidString.lowercased()
    }
}
