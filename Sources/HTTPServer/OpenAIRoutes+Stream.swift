import Foundation
import OracleCore
import Hummingbird
import LLM
import Sessions

/// `stream: true`: `text/event-stream` of `data: <chat.completion.chunk>` lines (text in
/// `delta.content`, tool calls in `delta.tool_calls` pieces), a last chunk with `finish_reason`
/// (and the `oracle` object), a usage chunk with `choices: []` when
/// `stream_options.include_usage` is true, then `data: [DONE]`. A stateless stream waits for the
/// provider's first piece before answering, so a failure before it is an honest HTTP error
/// (429/502/503/504); a failure after the first chunk ends the stream with
/// `data: {"error": {...}}` and `data: [DONE]`.
///
/// A client that goes away stops the relay at the next write; dropping the provider's stream
/// cancels the upstream transfer (and a session's partial reply is stored as `incomplete`).
extension OpenAIRoutes {
    func streamStateless(_ asked: CompletionRequest, model: ModelCatalogue.Model, chat: OpenAIChatRequest,
                         call: OpenAICallIdentity, ticket: Admission.Ticket) async throws -> Response {
        let events = FirstAwaitedEvents(state.provider.stream(asked))
        do {
            try await events.awaitFirst()
        } catch {
            throw Self.upstreamFailure(error)
        }
        // Who answers: the target the router reports, else the requested model's own.
        let answering = events.answering ?? RouteTarget(provider: model.provider, model: model.upstreamModel)
        let frames = OpenAIChunkFrames(call: call, model: answering.model,
                                       offline: state.isOffline(answering.provider), includeUsage: chat.includeUsage)
        return ServerSentEvents.response(ending: Self.done) { writer in
            var first = true
            await ServerSentEvents.relay(events, to: &writer, frame: { chunk in
                switch chunk {
                case .delta(let text):
                    defer { first = false }
                    return frames.delta(text, first: first)
                case .toolCall(let piece):
                    defer { first = false }
                    return frames.toolCall(piece, first: first)
                case .done(let completion):
                    ticket.completed(completion.usage)
                    return frames.finish(completion, exchange: nil)
                case .started:
                    preconditionFailure("FirstAwaitedEvents keeps .started to itself")
                }
            }, failure: { error in frames.error(message: "\(error)", extra: [:]) })
        }
    }

    func streamSession(_ stream: ChatStream, chat: OpenAIChatRequest, call: OpenAICallIdentity, ticket: Admission.Ticket) -> Response {
        let frames = OpenAIChunkFrames(call: call, model: state.provider.descriptor.model,
                                       offline: state.provider.descriptor.isOffline, includeUsage: chat.includeUsage)
        return ServerSentEvents.response(ending: Self.done) { writer in
            var first = true
            await ServerSentEvents.relay(stream.events, to: &writer, frame: { event in
                switch event {
                case .delta(let text):
                    defer { first = false }
                    return frames.delta(text, first: first)
                case .done(let exchange):
                    ticket.completed(exchange.completion.usage)
                    return frames.finish(exchange.completion, exchange: exchange)
                }
            }, failure: { error in
                var extra = ["user_message_id": stream.userMessage.id]
                if let failure = error as? ChatError, case .streamFailed(_, let partialID?, _) = failure {
                    extra["partial_message_id"] = partialID
                }
                return frames.error(message: "\(error)", extra: extra)
            })
        }
    }

    /// The stream's last line, whatever happened before it.
    static let done = ByteBuffer(string: "data: [DONE]\n\n")
}

/// Encodes the `data:` lines of one streamed call.
struct OpenAIChunkFrames: Sendable {
    let call: OpenAICallIdentity
    let model: String
    let offline: Bool
    let includeUsage: Bool

    func delta(_ text: String, first: Bool) -> ByteBuffer {
        frame(chunk([.init(delta: .init(role: first ? "assistant" : nil, content: text))]))
    }

    func toolCall(_ piece: ToolCallDelta, first: Bool) -> ByteBuffer {
        frame(chunk([.init(delta: .init(role: first ? "assistant" : nil, toolCalls: [OpenAIToolCall(piece)]))]))
    }

    /// The chunk with `finish_reason`, then the usage chunk when asked for.
    func finish(_ completion: Completion, exchange: ChatExchange?) -> ByteBuffer {
        var last = chunk([.init(delta: .init(), finishReason: OpenAICallIdentity.finishReason(completion.finishReason))])
        last.oracle = OpenAIOracleInfo(completion, offline: offline, exchange: exchange)
        var buffer = frame(last)
        if includeUsage {
            var usage = chunk([])
            usage.usage = OpenAIUsage(completion.usage)
            buffer.writeImmutableBuffer(frame(usage))
        }
        return buffer
    }

    func error(message: String, extra: [String: String]) -> ByteBuffer {
        var fields = extra.mapValues(JSONValue.string)
        fields["message"] = .string(message)
        fields["type"] = .string("server_error")
        fields["code"] = .string("upstream_failed")
        return ServerSentEvents.frame(JSONValue.object(["error": .object(fields)]))
    }

    private func chunk(_ choices: [OpenAIChatChunk.Choice]) -> OpenAIChatChunk {
        OpenAIChatChunk(id: call.id, created: call.created, model: model, choices: choices)
    }

    /// Written by hand (``OpenAIChatChunk/json()``): one per piece of a streamed reply.
    private func frame(_ chunk: OpenAIChatChunk) -> ByteBuffer {
        ServerSentEvents.frame(json: chunk.json())
    }
}

/// A provider's stream whose first event is awaited before the response is committed (so a
/// failure before it can still be an HTTP status), then relayed with the rest. A router's
/// `.started` (who answers) is kept in ``answering``, never relayed.
///
/// The iterator is handed from the handler, which awaits the first event, to the response
/// body's writer, which reads the rest: one task at a time, never both, hence `@unchecked`.
final class FirstAwaitedEvents: AsyncSequence, @unchecked Sendable {
    typealias Element = CompletionChunk
    private var iterator: AsyncThrowingStream<CompletionChunk, any Error>.AsyncIterator
    private var first: CompletionChunk?
    private(set) var answering: RouteTarget?

    init(_ stream: AsyncThrowingStream<CompletionChunk, any Error>) {
        iterator = stream.makeAsyncIterator()
    }

    func awaitFirst() async throws {
        first = try await nextPiece()
    }

    fileprivate func nextPiece() async throws -> CompletionChunk? {
        while let chunk = try await iterator.next() {
            guard case .started(let provider, let model) = chunk else { return chunk }
            answering = RouteTarget(provider: provider, model: model)
        }
        return nil
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        let events: FirstAwaitedEvents

        mutating func next() async throws -> CompletionChunk? {
            if let first = events.first {
                events.first = nil
                return first
            }
            return try await events.nextPiece()
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(events: self) }
}
