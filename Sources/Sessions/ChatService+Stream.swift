import Foundation
import LLM
import Storage

extension ChatService {
    /// Stores the user's message and returns the reply as a stream of events. The full reply
    /// is stored when the stream completes; if the consumer goes away first, the transfer is
    /// cancelled and the partial reply is stored as `incomplete`. The session stays locked
    /// until the stream ends, so a second message waits for this reply.
    /// Counted as `send_message` when the stream ends: failed when it ends early or with a fallback.
    public func stream(sessionID: String, tenant: String, content: String) async throws -> ChatStream {
        let started = ContinuousClock.now
        await locks.acquire(sessionID)
        let prepared: (StoredMessage, ContextPlan)
        do {
            let plan = try await contextPlan(sessionID: sessionID, tenant: tenant, content: content)
            prepared = (try await append([NewMessage(role: .user, content: content)], plan)[0], plan)
        } catch {
            locks.release(sessionID)
            operations.record(.sendMessage, since: started, error: error, tenant: tenant)
            throw error
        }
        let (userMessage, plan) = prepared
        let events = AsyncThrowingStream<ChatStreamEvent, any Error> { continuation in
            let producer = Task {
                await self.produce(plan: plan, userMessage: userMessage, tenant: tenant, into: continuation) { failed in
                    self.operations.record(.sendMessage, since: started, failed: failed, tenant: tenant)
                }
            }
            continuation.onTermination = { _ in producer.cancel() }
        }
        return ChatStream(userMessage: userMessage, events: events)
    }

    /// Relays the provider's stream and stores the outcome; releases the session's lock before
    /// the stream finishes, so whoever consumed it to the end finds the session free.
    /// `count` is told, before the stream finishes (so whoever read it to the end sees it counted),
    /// whether the exchange failed: ended early, or answered by the fallback. A stream its consumer
    /// left is not counted: the client went away, not the service.
    private func produce(
        plan: ContextPlan, userMessage: StoredMessage, tenant: String,
        into continuation: AsyncThrowingStream<ChatStreamEvent, any Error>.Continuation,
        count: @Sendable (_ failed: Bool) -> Void
    ) async {
        var text = ""
        do {
            for try await chunk in provider.stream(plan.request) {
                switch chunk {
                case .delta(let piece):
                    text += piece
                    continuation.yield(.delta(piece))
                case .toolCall, .started:
                    // A session's context offers no tools, so no call can come; who answers is
                    // in the final completion.
                    break
                case .done(let completion):
                    let reply = try await store.appendMessage(
                        Self.assistantMessage(completion, status: .complete),
                        sessionID: userMessage.sessionID, tenant: tenant)
                    commit(plan, reply: reply)
                    locks.release(userMessage.sessionID)
                    count(completion.isFallback)
                    continuation.yield(.done(ChatExchange(userMessage: userMessage, reply: reply, completion: completion)))
                    continuation.finish()
                    return
                }
            }
            throw LLMError.invalidResponse("stream ended without a final event")
        } catch {
            // Store what arrived even when this task is cancelled: run the write unstructured.
            let partial = text
            let store = self.store
            let descriptor = provider.descriptor
            let (saved, marked) = await Task.detached { () -> (StoredMessage?, Bool) in
                if partial.isEmpty {
                    return (nil, (try? await store.markReplyFailed(messageID: userMessage.id, error: "\(error)")) != nil)
                }
                return (try? await store.appendMessage(
                    NewMessage(role: .assistant, content: partial, status: .incomplete,
                               provider: descriptor.name, model: descriptor.model),
                    sessionID: userMessage.sessionID, tenant: tenant), false)
            }.value
            // A failed user message leaves the context as it was; anything else changed it.
            if !marked { cache.invalidate(userMessage.sessionID) }
            logger.debug("chat stream ended early", metadata: [
                "session.id": "\(userMessage.sessionID)", "stored.partial": "\(saved != nil)",
                "error": "\(error)",
            ])
            locks.release(userMessage.sessionID)
            // Cancelled here means the consumer left (finishing below cancels it too, but later).
            if !Task.isCancelled { count(true) }
            continuation.finish(throwing: ChatError.streamFailed(
                userMessageID: userMessage.id, partialMessageID: saved?.id, reason: "\(error)"))
        }
    }
}
