/// The provider's requests, failures and latest health probe over the monitoring window
/// (`METRICS_WINDOW_SECONDS`): the counts `/health/ai`'s `window` shows and severity.lua's
/// `ai` table carries, so an AI page says how much evidence it stands on.
///
/// Counts live in at most ``maxSlots`` time slots, so memory is bounded whatever the traffic.
/// Probes are kept apart from requests: they are not user traffic.
struct AIOutcomeWindow: Sendable {
    static let maxSlots = 60

    struct Slot: Sendable {
        var index: Int64 = .min
        var requests = 0
        var failures = 0
        /// Of the successful requests: what routing.lua weighs as recent latency.
        var succeededMilliseconds = 0.0
    }

    let window: Duration
    let slotDuration: Duration
    let origin: ContinuousClock.Instant
    var slots: [Slot]
    var lastProbe: (succeeded: Bool, at: ContinuousClock.Instant)?

    init(window: Duration, origin: ContinuousClock.Instant) {
        let window = max(window, .seconds(1))
        self.window = window
        slotDuration = max(window / Self.maxSlots, .milliseconds(1))
        self.origin = origin
        slots = Array(repeating: Slot(), count: Self.maxSlots + 1)
    }

    mutating func recordRequest(failed: Bool, took duration: Duration = .zero, at now: ContinuousClock.Instant) {
        let index = slotIndex(now)
        let position = Int(((index % Int64(slots.count)) + Int64(slots.count)) % Int64(slots.count))
        if slots[position].index != index { slots[position] = Slot(index: index) }
        slots[position].requests += 1
        if failed { slots[position].failures += 1 } else { slots[position].succeededMilliseconds += duration.milliseconds }
    }

    mutating func recordProbe(succeeded: Bool, at now: ContinuousClock.Instant) {
        lastProbe = (succeeded, now)
    }

    /// What happened in the window that ends at `now`.
    func counts(at now: ContinuousClock.Instant) -> AIHealth.Window {
        let newest = slotIndex(now)
        let oldest = slotIndex(now - window)
        var requests = 0
        var failures = 0
        var milliseconds = 0.0
        // The oldest slot straddles the window's start; counting it whole errs towards evidence.
        for slot in slots where slot.index >= oldest && slot.index <= newest {
            requests += slot.requests
            failures += slot.failures
            milliseconds += slot.succeededMilliseconds
        }
        let probe = lastProbe.flatMap { now - $0.at <= window ? ($0.succeeded ? "ok" : "failed") : nil }
        return AIHealth.Window(seconds: Int(window.components.seconds), requests: requests, failures: failures, probe: probe,
                               averageLatencyMs: requests > failures ? (milliseconds / Double(requests - failures) * 10).rounded() / 10 : nil)
    }

    private func slotIndex(_ instant: ContinuousClock.Instant) -> Int64 {
        Int64(((instant - origin) / slotDuration).rounded(.down))
    }
}
