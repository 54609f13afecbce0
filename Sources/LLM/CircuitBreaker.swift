import OracleCore
import Synchronization

/// Stops calling a provider that keeps failing, and lets it prove itself again later.
///
/// - **closed**: calls go through; outcomes fill a sliding window of the last `windowSize`
///   counted calls. Once it holds `minimumRequests` and the failure rate is at least
///   `failureRateThreshold`, the breaker opens.
/// - **open**: calls fail at once with `LLMError.circuitOpen` for `openDuration`.
/// - **half_open**: up to `halfOpenProbes` calls go through; a success closes the breaker (with
///   an empty window), a failure opens it again.
///
/// Outcomes are reported as `.success`, `.failure` or `.neutral`; neutral ones (a caller's
/// cancellation, a request the upstream rejected as malformed) do not count either way.
/// An outcome from before the last state change is ignored.
///
/// ```swift
/// let breaker = CircuitBreaker(provider: "gemini", configuration: .init(windowSize: 10))
/// let permit = try breaker.acquire()
/// breaker.record(.failure, for: permit)
/// print(breaker.state) // closed, until enough failures
/// ```
public final class CircuitBreaker: Sendable {
    public enum State: String, Sendable, Codable, Equatable {
        case closed
        case open
        case halfOpen = "half_open"

        /// `llm_circuit_state`: closed 0, open 1, half_open 2.
        public var gaugeValue: Int {
            switch self {
            case .closed: 0
            case .open: 1
            case .halfOpen: 2
            }
        }
    }

    public enum Outcome: Sendable, Equatable {
        case success, failure, neutral
    }

    public struct Configuration: Sendable, Equatable {
        public var windowSize: Int
        public var minimumRequests: Int
        /// 0...1; the breaker opens when the window's failure rate is at least this.
        public var failureRateThreshold: Double
        public var openDuration: Duration
        public var halfOpenProbes: Int

        public init(windowSize: Int = SettingsCatalog.defaults.integer(.llmBreakerWindow),
                    minimumRequests: Int = SettingsCatalog.defaults.integer(.llmBreakerMinRequests),
                    failureRateThreshold: Double = SettingsCatalog.defaults.number(.llmBreakerFailureRate),
                    openDuration: Duration = .seconds(SettingsCatalog.defaults.integer(.llmBreakerOpenSeconds)),
                    halfOpenProbes: Int = 1) {
            self.windowSize = max(1, windowSize)
            self.minimumRequests = max(1, minimumRequests)
            self.failureRateThreshold = failureRateThreshold
            self.openDuration = openDuration
            self.halfOpenProbes = max(1, halfOpenProbes)
        }
    }

    /// Permission for one call; hand it back through ``record(_:for:)``.
    public struct Permit: Sendable {
        fileprivate let generation: UInt64
    }

    public let provider: String
    public let configuration: Configuration
    private let now: @Sendable () -> ContinuousClock.Instant
    private let onStateChange: @Sendable (State) -> Void
    private let core: Mutex<BreakerCore>

    public init(provider: String, configuration: Configuration = Configuration(),
                now: @escaping @Sendable () -> ContinuousClock.Instant = { .now },
                onStateChange: @escaping @Sendable (State) -> Void = { _ in }) {
        self.provider = provider
        self.configuration = configuration
        self.now = now
        self.onStateChange = onStateChange
        self.core = Mutex(BreakerCore(configuration: configuration))
    }

    /// The state now (an open breaker whose time is up reports `half_open`).
    public var state: State {
        let instant = now()
        let (state, changed) = core.withLock { core in
            let changed = core.advance(now: instant)
            return (core.state, changed)
        }
        if changed { onStateChange(state) }
        return state
    }

    /// Lets a call through, or throws `LLMError.circuitOpen` while open or out of probes.
    public func acquire() throws(LLMError) -> Permit {
        let instant = now()
        let (permit, state, changed) = core.withLock { core in
            let changed = core.advance(now: instant)
            return (core.acquire(), core.state, changed)
        }
        if changed { onStateChange(state) }
        guard let permit else { throw .circuitOpen(provider: provider) }
        return Permit(generation: permit)
    }

    /// Reports how the call behind `permit` ended.
    public func record(_ outcome: Outcome, for permit: Permit) {
        let instant = now()
        let (state, changed) = core.withLock { core in
            let changed = core.record(outcome, generation: permit.generation, now: instant)
            return (core.state, changed)
        }
        if changed { onStateChange(state) }
    }
}
