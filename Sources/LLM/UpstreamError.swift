/// What the HTTP providers (``GeminiProvider``, ``OpenAICompatibleProvider``) throw: the
/// ``LLMError`` plus the delay the upstream asked for before a retry, if it named one.
///
/// ``ResilientProvider`` reads `retryAfter` and throws plain `LLMError` itself.
///
/// ```swift
/// do { _ = try await gemini.complete(request) }
/// catch let failure as UpstreamError { print(failure.error, failure.retryAfter as Any) }
/// ```
public struct UpstreamError: Error, Sendable, Equatable, CustomStringConvertible {
    public var error: LLMError
    /// From `Retry-After`, `retry-after-ms` or Gemini's `RetryInfo.retryDelay`.
    public var retryAfter: Duration?

    public init(_ error: LLMError, retryAfter: Duration? = nil) {
        self.error = error
        self.retryAfter = retryAfter
    }

    public var description: String { error.description }

    /// Any error as an `UpstreamError`; Swift cancellation becomes `.cancelled`.
    static func from(_ error: any Error) -> UpstreamError {
        switch error {
        case let upstream as UpstreamError: upstream
        case let llm as LLMError: UpstreamError(llm)
        case is CancellationError: UpstreamError(.cancelled)
        default: UpstreamError(.transport(String(describing: type(of: error))))
        }
    }
}
