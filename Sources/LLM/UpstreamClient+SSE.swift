extension UpstreamClient {
    /// Sends a streaming request and hands every SSE event to `handle` until it returns false
    /// (`data: [DONE]`) or the body ends. Returns true when `handle` stopped the stream.
    func events(
        _ request: HTTPRequest,
        handle: (SSEParser.Event) throws(UpstreamError) -> Bool
    ) async throws(UpstreamError) -> Bool {
        var reader = try await open(request)
        var parser = SSEParser()
        while let chunk = try await reader.next() {
            for event in parser.feed(chunk) where try !handle(event) {
                return true
            }
        }
        for event in parser.finish() where try !handle(event) {
            return true
        }
        return false
    }
}

/// Runs `produce` in a task feeding a new stream; consumer cancellation cancels the task,
/// which aborts the transfer underneath.
func makeChunkStream(
    _ produce: @escaping @Sendable (AsyncThrowingStream<CompletionChunk, any Error>.Continuation) async throws -> Void
) -> AsyncThrowingStream<CompletionChunk, any Error> {
    let (stream, continuation) = AsyncThrowingStream.makeStream(of: CompletionChunk.self, throwing: (any Error).self)
    let task = Task {
        do {
            try await produce(continuation)
            continuation.finish()
        } catch {
            continuation.finish(throwing: UpstreamError.from(error))
        }
    }
    continuation.onTermination = { _ in task.cancel() }
    return stream
}
