/// The state machine behind ``CircuitBreaker``, kept under its mutex.
struct BreakerCore {
    let configuration: CircuitBreaker.Configuration
    private(set) var state = CircuitBreaker.State.closed
    /// Bumped on every state change, so late outcomes of older calls are ignored.
    private var generation: UInt64 = 0
    /// Outcomes of the last counted calls while closed; true = failure.
    private var window: [Bool] = []
    private var openedAt: ContinuousClock.Instant?
    private var probesInFlight = 0

    init(configuration: CircuitBreaker.Configuration) {
        self.configuration = configuration
    }

    /// Moves open → half_open once the open duration has passed. Returns true on a change.
    mutating func advance(now: ContinuousClock.Instant) -> Bool {
        guard state == .open, let openedAt, now - openedAt >= configuration.openDuration else { return false }
        transition(to: .halfOpen, now: now)
        return true
    }

    /// The generation of a new permit, or nil when the call must not go through.
    mutating func acquire() -> UInt64? {
        switch state {
        case .closed:
            return generation
        case .open:
            return nil
        case .halfOpen:
            guard probesInFlight < configuration.halfOpenProbes else { return nil }
            probesInFlight += 1
            return generation
        }
    }

    /// Returns true when the outcome changed the state.
    mutating func record(_ outcome: CircuitBreaker.Outcome, generation permitGeneration: UInt64, now: ContinuousClock.Instant) -> Bool {
        guard permitGeneration == generation else { return false }
        switch (state, outcome) {
        case (.closed, .neutral), (.open, _):
            return false
        case (.closed, _):
            window.append(outcome == .failure)
            if window.count > configuration.windowSize { window.removeFirst(window.count - configuration.windowSize) }
            let failures = window.filter { $0 }.count
            guard window.count >= configuration.minimumRequests,
                  Double(failures) / Double(window.count) >= configuration.failureRateThreshold else { return false }
            transition(to: .open, now: now)
            return true
        case (.halfOpen, .neutral):
            probesInFlight = max(0, probesInFlight - 1)
            return false
        case (.halfOpen, .success):
            transition(to: .closed, now: now)
            return true
        case (.halfOpen, .failure):
            transition(to: .open, now: now)
            return true
        }
    }

    private mutating func transition(to next: CircuitBreaker.State, now: ContinuousClock.Instant) {
        state = next
        generation &+= 1
        window.removeAll()
        probesInFlight = 0
        openedAt = next == .open ? now : nil
    }
}
