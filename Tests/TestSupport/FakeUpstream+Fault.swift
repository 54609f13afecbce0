/// Failures ``FakeUpstream`` can play, one per request, in the order they were enqueued.
///
/// ```swift
/// upstream.enqueue(.rateLimited(retryAfter: "1"), .geminiRetryInfo(retryDelay: "0.2s"))
/// upstream.enqueue(.status(503), times: 3)
/// upstream.enqueue(.stall(afterDeltas: 2, duration: .seconds(5)))
/// ```
public enum FakeUpstreamFault: Sendable, Equatable {
    /// Any status with an optional body and headers, e.g. `.status(503)`, `.status(401)`.
    case status(Int, body: String = "", headers: [String: String] = [:])
    /// 429 with `Retry-After: <value>` (delta-seconds or an HTTP-date).
    case rateLimited(retryAfter: String)
    /// 429 with `retry-after-ms: <ms>`.
    case rateLimitedMilliseconds(Int)
    /// 429 whose Gemini error body carries `RetryInfo.retryDelay`, e.g. `"0.2s"`.
    case geminiRetryInfo(retryDelay: String)
    /// Waits before sending anything, then answers normally.
    case slowFirstByte(Duration)
    /// Streams `afterDeltas` deltas, then sends nothing (connection left open) for `duration`.
    case stall(afterDeltas: Int, duration: Duration)
    /// Streams `afterDeltas` deltas, then drops the connection without ending the response.
    case resetMidStream(afterDeltas: Int)
    /// 200 with a body that is not valid JSON (or SSE data that is not).
    case malformedJSON
    /// 200 with a body of `bytes` bytes.
    case oversizeBody(bytes: Int)
}

/// One request as ``FakeUpstream`` received it.
///
/// ```swift
/// #expect(upstream.requests[0].header("x-goog-api-key") == key)
/// ```
public struct FakeUpstreamRequest: Sendable {
    public var method: String
    /// Path with query, e.g. `/v1beta/models/m:streamGenerateContent?alt=sse`.
    public var path: String
    /// Lower-cased names.
    public var headers: [(name: String, value: String)]
    public var body: String

    /// First value of a header, by case-insensitive name.
    public func header(_ name: String) -> String? {
        headers.first(where: { $0.name == name.lowercased() })?.value
    }
}

/// Token counts ``FakeUpstream`` reports in every reply.
///
/// ```swift
/// let upstream = try await FakeUpstream.start(usage: FakeUpstreamUsage(prompt: 12, completion: 5, cached: 4))
/// ```
public struct FakeUpstreamUsage: Sendable, Equatable {
    public var prompt: Int
    public var completion: Int
    public var cached: Int

    public init(prompt: Int = 11, completion: Int = 7, cached: Int = 3) {
        self.prompt = prompt
        self.completion = completion
        self.cached = cached
    }
}

/// ``FakeUpstream`` could not start, or a fault ended a response on purpose.
public struct FakeUpstreamError: Error, CustomStringConvertible {
    public var description: String
}

/// A function call ``FakeUpstream`` answers with (``FakeUpstream/toolCalls``). On the OpenAI
/// wire its arguments stream in two pieces; on Gemini's it comes whole, without an id (Gemini
/// may leave it out), so the gateway makes one.
public struct FakeToolCall: Sendable, Equatable {
    public var id: String
    public var name: String
    /// JSON object text.
    public var arguments: String

    public init(id: String, name: String, arguments: String) {
        self.id = id
        self.name = name
        self.arguments = arguments
    }
}
