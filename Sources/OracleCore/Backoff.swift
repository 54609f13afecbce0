/// Exponential backoff: after failed attempt `n` (counting from 1) the wait is at most
/// `min(cap, base · 2^(n-1))`. The one formula behind every retry loop: LLM calls
/// (``RetryPolicy``, with full jitter) and the notification outbox (without).
///
/// ```swift
/// let backoff = Backoff(base: .seconds(2), cap: .seconds(300))
/// backoff.ceiling(afterAttempt: 3)                  // 8 s
/// backoff.delay(afterAttempt: 3, unitRandom: 0.25)  // 2 s
/// ```
public struct Backoff: Sendable, Equatable {
    public var base: Duration
    public var cap: Duration

    public init(base: Duration, cap: Duration) {
        self.base = base
        self.cap = cap
    }

    /// The longest wait after failed attempt number `attempt`.
    public func ceiling(afterAttempt attempt: Int) -> Duration {
        // Past 2^30 every sane base is beyond any cap; stopping there keeps the product finite.
        let exponent = min(max(attempt - 1, 0), 30)
        return min(cap, base * (1 << exponent))
    }

    /// Full jitter: `unitRandom` (0..<1, clamped) of the ceiling, so clients that failed together
    /// do not all come back at the same moment.
    public func delay(afterAttempt attempt: Int, unitRandom: Double) -> Duration {
        ceiling(afterAttempt: attempt) * min(max(unitRandom, 0), 1)
    }
}
