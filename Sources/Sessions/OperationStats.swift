import Synchronization

/// Outcomes and durations of the operations users notice, over a sliding window
/// (`METRICS_WINDOW_SECONDS`), for `/api/v1/monitoring/*` and the incident monitor.
///
/// Memory is bounded whatever the traffic: counts live in at most ~300 time slots and the
/// 95th percentile is taken over the latest ``sampleCapacity`` durations of each operation.
///
/// ```swift
/// let stats = OperationStats(window: .seconds(300))
/// stats.record(.sendMessage, duration: .milliseconds(420), failed: false)
/// let snapshot = stats.snapshot()
/// print(snapshot[.sendMessage].avgDurationMs, snapshot.errorRatePerHour)
/// ```
public final class OperationStats: Sendable {
    /// What is measured; the raw values are the JSON keys of `operation_performance`.
    public enum Operation: String, CaseIterable, Sendable, Codable {
        /// A chat message sent and answered (a fallback reply counts as failed).
        case sendMessage = "send_message"
        case createSession = "create_session"
        /// A persistent session rebuilt from stored history.
        case recoverSession = "recover_session"
    }

    public let window: Duration
    /// Most durations kept per operation for the percentile.
    public let sampleCapacity: Int
    let slotSeconds: Int
    let origin: ContinuousClock.Instant
    let state: Mutex<Window>

    /// - Parameters:
    ///   - window: how far back a snapshot looks (at least one second); the server's is
    ///     `METRICS_WINDOW_SECONDS` (``init(settings:)``).
    ///   - origin: any instant before the first record; tests pass their own clock's start.
    public init(window: Duration, sampleCapacity: Int = 2048, origin: ContinuousClock.Instant = .now) {
        let seconds = max(1, Int(window.components.seconds))
        let capacity = max(1, sampleCapacity)
        // At most 300 slots: a one-day window counts in 288-second steps, the default one per second.
        let slot = max(1, (seconds + Window.maxSlots - 1) / Window.maxSlots)
        self.window = .seconds(seconds)
        self.sampleCapacity = capacity
        self.slotSeconds = slot
        self.origin = origin
        state = Mutex(Window(slotCount: (seconds + slot - 1) / slot, sampleCapacity: capacity))
    }

    public var windowSeconds: Int { Int(window.components.seconds) }

    /// Counts one finished operation.
    /// - Parameter tenant: who saw a failure, for `tenants_affected`; ignored on success.
    public func record(_ operation: Operation, duration: Duration, failed: Bool, tenant: String? = nil,
                       at now: ContinuousClock.Instant = .now) {
        let slot = slotIndex(now)
        let nanos = max(0, Self.nanoseconds(duration))
        state.withLock { $0.add(operation, nanos: nanos, failed: failed, tenant: failed ? tenant : nil, slot: slot) }
    }

    /// Times `body` and records it: failed when it throws or when `failed` says so.
    public func measure<T>(_ operation: Operation, tenant: String? = nil, failed: (T) -> Bool = { _ in false },
                           _ body: () async throws -> T) async rethrows -> T {
        let start = ContinuousClock.now
        do {
            let value = try await body()
            record(operation, duration: .now - start, failed: failed(value), tenant: tenant)
            return value
        } catch {
            record(operation, duration: .now - start, failed: true, tenant: tenant)
            throw error
        }
    }

    /// What happened in the window that ends at `now`.
    public func snapshot(now: ContinuousClock.Instant = .now) -> Snapshot {
        let slot = slotIndex(now)
        return state.withLock { $0.summarize(upTo: slot, windowSeconds: windowSeconds) }
    }

    func slotIndex(_ instant: ContinuousClock.Instant) -> Int64 {
        let nanos = Self.nanoseconds(instant - origin)
        let slotNanos = Int64(slotSeconds) * 1_000_000_000
        // Floor division, so instants before the origin land in earlier slots.
        return nanos >= 0 ? nanos / slotNanos : -((-nanos + slotNanos - 1) / slotNanos)
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds.multipliedReportingOverflow(by: 1_000_000_000).overflow
            ? (seconds < 0 ? .min / 2 : .max / 2)
            : seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
