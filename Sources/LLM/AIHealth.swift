import Foundation

/// What `/health/ai` shows about the configured LLM provider.
///
/// - `healthy`: the last request succeeded and the breaker is closed.
/// - `degraded`: the last request failed (any error, a rejected request included) or the
///   breaker is half-open.
/// - `unavailable`: the breaker is open; requests get the fallback reply.
/// - `offline`: the embedded offline provider answers; no model is configured.
///
/// `last_error` has been through the ``Redactor``; it never holds an API key.
///
/// ```swift
/// let json = try JSONEncoder().encode(provider.health())
/// // {"status":"healthy","provider":"gemini","model":"gemini-2.5-flash","offline":false,"circuit_state":"closed",...}
/// ```
public struct AIHealth: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable {
        case healthy, degraded, unavailable, offline
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

    public init(status: Status, provider: String, model: String, offline: Bool, circuitState: CircuitBreaker.State,
                lastError: String? = nil, lastErrorAt: Date? = nil, consecutiveFailures: Int = 0,
                requests: Int = 0, failures: Int = 0, fallbacks: Int = 0) {
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
    }

    enum CodingKeys: String, CodingKey {
        case status, provider, model, offline
        case circuitState = "circuit_state"
        case lastError = "last_error"
        case lastErrorAt = "last_error_at"
        case consecutiveFailures = "consecutive_failures"
        case requests, failures, fallbacks
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
    }
}
