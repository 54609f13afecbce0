import OracleCore

/// When and how long to wait before trying an upstream call again.
///
/// Retried: HTTP 408, 429 and 5xx (except 501 and 505, which will not change), connection
/// failures, and the `connect` and `first byte` timeouts. Never retried: other 4xx
/// (400/401/403/404 …), unparseable replies, `idle stream`/`total` timeouts, an open circuit.
///
/// The delay is the upstream's own hint (`Retry-After`, `retry-after-ms`, Gemini `retryDelay`)
/// when it gave one, otherwise exponential backoff with full jitter (``Backoff``):
/// `random(0 ..< min(maxDelay, baseDelay · 2^(attempt-1)))`. No retry starts if it would end
/// past `totalCap` from the first attempt, so a long hint fails fast instead of holding the user.
///
/// ```swift
/// let policy = RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(200))
/// policy.delay(afterAttempt: 2, hint: nil, unitRandom: 0.5) // 200 ms
/// ```
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts in all, the first included (1 = no retry).
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration
    /// Budget for the whole call, first attempt to last, waits included.
    public var totalCap: Duration

    public init(
        maxAttempts: Int = SettingsCatalog.defaults.integer(.llmMaxAttempts),
        baseDelay: Duration = .milliseconds(SettingsCatalog.defaults.integer(.llmRetryBaseDelayMs)),
        maxDelay: Duration = .milliseconds(SettingsCatalog.defaults.integer(.llmRetryMaxDelayMs)),
        totalCap: Duration = .milliseconds(SettingsCatalog.defaults.integer(.llmRetryBudgetMs))
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.totalCap = totalCap
    }

    /// Whether a failure of this kind can succeed on another attempt.
    public static func isRetryable(_ error: LLMError) -> Bool {
        switch error {
        case .http(let status, _):
            status == 408 || status == 429 || ((500...599).contains(status) && status != 501 && status != 505)
        case .timeout(let what):
            what == "connect" || what == "first byte"
        case .transport:
            true
        case .invalidResponse, .circuitOpen, .cancelled:
            false
        }
    }

    /// The wait after failed attempt number `attempt` (counting from 1). `unitRandom` is in 0..<1.
    public func delay(afterAttempt attempt: Int, hint: Duration?, unitRandom: Double) -> Duration {
        hint ?? backoff.delay(afterAttempt: attempt, unitRandom: unitRandom)
    }

    /// `baseDelay` doubling up to `maxDelay`: the backoff every retry loop shares.
    public var backoff: Backoff { Backoff(base: baseDelay, cap: maxDelay) }
}

/// The clock, sleep and randomness retries use; tests inject fast or recording ones.
///
/// ```swift
/// let instant = RetryTiming(sleep: { _ in }, random: { 0 })
/// ```
public struct RetryTiming: Sendable {
    public var now: @Sendable () -> ContinuousClock.Instant
    public var sleep: @Sendable (Duration) async throws -> Void
    /// A number in 0..<1 for the jitter.
    public var random: @Sendable () -> Double

    public init(
        now: @escaping @Sendable () -> ContinuousClock.Instant = { .now },
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.now = now
        self.sleep = sleep
        self.random = random
    }

    public static let live = RetryTiming()
}
