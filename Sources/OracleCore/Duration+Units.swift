/// A duration as a number of seconds, milliseconds or microseconds, for JSON fields, logs,
/// `TimeInterval`s and libcurl options: the one place a `Duration` becomes a plain number.
///
/// ```swift
/// let elapsed: Duration = .microseconds(1500)
/// elapsed.milliseconds          // 1.5
/// Int(elapsed.microseconds)     // 1500
/// ```
extension Duration {
    /// Seconds, with the fraction.
    public var seconds: Double { self / .seconds(1) }
    /// Milliseconds, with the fraction.
    public var milliseconds: Double { self / .milliseconds(1) }
    /// Microseconds, with the fraction; `Int(_:)` of it rounds toward zero.
    public var microseconds: Double { self / .microseconds(1) }
}
