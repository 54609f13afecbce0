extension ResilientProvider {
    /// Pipes the inner stream to `continuation`, retrying only until the first delta.
    func relay(_ request: CompletionRequest, to continuation: AsyncThrowingStream<CompletionChunk, any Error>.Continuation) async {
        let started = timing.now()
        var yielded = false
        do {
            let completion = try await withRetries(canRetry: { !yielded }) { () async throws -> Completion in
                var final: Completion?
                for try await chunk in inner.stream(request) {
                    switch chunk {
                    case .delta, .toolCall:
                        if !yielded { metrics.timeToFirstToken.record(duration: timing.now() - started) }
                        yielded = true
                        continuation.yield(chunk)
                    case .done(let completion):
                        final = completion
                    case .started:
                        continuation.yield(chunk)
                    }
                }
                if Task.isCancelled { throw LLMError.cancelled }
                guard let final else { throw LLMError.invalidResponse("stream ended without its final chunk") }
                return final
            }
            finishSucceeded(completion, startedAt: started)
            continuation.yield(.done(completion))
            continuation.finish()
        } catch {
            do {
                let fallback = try finishFailed(error, startedAt: started, request: request, mayFallBack: !yielded)
                continuation.yield(.delta(fallback.text))
                continuation.yield(.done(fallback))
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
    }
}
