import Foundation
import OracleCore

/// What `/health/ai` shows about the configured LLM provider.
///
/// - `healthy`: the last request succeeded, the last health probe (if any) too, and the breaker is closed.
/// - `degraded`: the last request failed (any error, a rejected request included), the last
///   health probe failed (`AI_HEALTH_PROBE_INTERVAL`), or the breaker is half-open. A probe
///   that succeeds clears only a failed probe (a model lookup that works does not prove chat
///   requests do); a request that succeeds clears both.
/// - `unavailable`: the breaker is open; requests get the fallback reply.
/// - `offline`: the embedded offline provider answers; no model is configured.
///
/// `last_error` has been through the ``Redactor``; it never holds an API key. A probe's error
/// starts with `health probe: `. `window` holds the counts over `METRICS_WINDOW_SECONDS` that
/// severity.lua weighs; `requests`, `failures` and `fallbacks` count since the start.
///
/// ```swift
/// let json = try JSONEncoder().encode(provider.health())
/// // {"status":"healthy","provider":"gemini","model":"gemini-2.5-flash","offline":false,"circuit_state":"closed",...}
/// ```
public struct AIHealth: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable {
        case healthy, degraded, unavailable, offline
    }

    /// The last health probe: `ok` or `failed`, and when.
    public struct Probe: Sendable, Equatable, Codable {
        public var outcome: String
        public var at: Date

        public init(outcome: String, at: Date) {
            self.outcome = outcome
            self.at = at
        }

        enum CodingKeys: String, CodingKey { case outcome, at }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            outcome = try c.decode(String.self, forKey: .outcome)
            at = try Date(c.decode(String.self, forKey: .at), strategy: .iso8601)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(outcome, forKey: .outcome)
            try c.encode(at.formatted(.iso8601), forKey: .at)
        }
    }

    /// Requests (each with its retries; probes are not requests) and failures in the last
    /// `seconds`, and the latest probe's outcome in that time (nil: none, or probes off).
    public struct Window: Sendable, Equatable, Codable {
        public var seconds: Int
        public var requests: Int
        public var failures: Int
        public var probe: String?
        /// Mean duration of the window's successful requests (retries included); nil without one.
        public var averageLatencyMs: Double?

        public init(seconds: Int, requests: Int = 0, failures: Int = 0, probe: String? = nil, averageLatencyMs: Double? = nil) {
            self.seconds = seconds
            self.requests = requests
            self.failures = failures
            self.probe = probe
            self.averageLatencyMs = averageLatencyMs
        }

        enum CodingKeys: String, CodingKey { case seconds, requests, failures, probe, averageLatencyMs = "average_latency_ms" }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(seconds, forKey: .seconds)
            try c.encode(requests, forKey: .requests)
            try c.encode(failures, forKey: .failures)
            try c.encode(probe, forKey: .probe)
            try c.encode(averageLatencyMs, forKey: .averageLatencyMs)
        }
    }

    public var status: Status
    public var provider: String
    public var model: String
    public var offline: Bool
    public var circuitState: CircuitBreaker.State
    public var lastError: String?
    /// Encoded as an ISO 8601 string.
    public var lastErrorAt: Date?
    public var consecutiveFailures: Int
    public var requests: Int
    public var failures: Int
    public var fallbacks: Int
    /// Nil until a probe has run (and always for the offline provider).
    public var probe: Probe?
    public var window: Window

    public init(status: Status, provider: String, model: String, offline: Bool, circuitState: CircuitBreaker.State,
                lastError: String? = nil, lastErrorAt: Date? = nil, consecutiveFailures: Int = 0,
                requests: Int = 0, failures: Int = 0, fallbacks: Int = 0, probe: Probe? = nil,
                window: Window = Window(seconds: SettingsCatalog.defaults.integer(.metricsWindowSeconds))) {
        self.status = status
        self.provider = provider
        self.model = model
        self.offline = offline
        self.circuitState = circuitState
        self.lastError = lastError
        self.lastErrorAt = lastErrorAt
        self.consecutiveFailures = consecutiveFailures
        self.requests = requests
        self.failures = failures
        self.fallbacks = fallbacks
        self.probe = probe
        self.window = window
    }

    enum CodingKeys: String, CodingKey {
        case status, provider, model, offline
        case circuitState = "circuit_state"
        case lastError = "last_error"
        case lastErrorAt = "last_error_at"
        case consecutiveFailures = "consecutive_failures"
        case requests, failures, fallbacks, probe, window
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        status = try c.decode(Status.self, forKey: .status)
        provider = try c.decode(String.self, forKey: .provider)
        model = try c.decode(String.self, forKey: .model)
        offline = try c.decode(Bool.self, forKey: .offline)
        circuitState = try c.decode(CircuitBreaker.State.self, forKey: .circuitState)
        lastError = try c.decodeIfPresent(String.self, forKey: .lastError)
        lastErrorAt = try c.decodeIfPresent(String.self, forKey: .lastErrorAt).flatMap { try? Date($0, strategy: .iso8601) }
        consecutiveFailures = try c.decode(Int.self, forKey: .consecutiveFailures)
        requests = try c.decode(Int.self, forKey: .requests)
        failures = try c.decode(Int.self, forKey: .failures)
        fallbacks = try c.decode(Int.self, forKey: .fallbacks)
        probe = try c.decodeIfPresent(Probe.self, forKey: .probe)
        window = try c.decode(Window.self, forKey: .window)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(status, forKey: .status)
        try c.encode(provider, forKey: .provider)
        try c.encode(model, forKey: .model)
        try c.encode(offline, forKey: .offline)
        try c.encode(circuitState, forKey: .circuitState)
        try c.encode(lastError, forKey: .lastError)
        try c.encode(lastErrorAt?.formatted(.iso8601), forKey: .lastErrorAt)
        try c.encode(consecutiveFailures, forKey: .consecutiveFailures)
        try c.encode(requests, forKey: .requests)
        try c.encode(failures, forKey: .failures)
        try c.encode(fallbacks, forKey: .fallbacks)
        try c.encode(probe, forKey: .probe)
        try c.encode(window, forKey: .window)
    }
}
