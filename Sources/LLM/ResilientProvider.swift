import Foundation
import Logging
import Metrics
import Synchronization
import OracleCore

/// Wraps any provider with a circuit breaker, retries, a fallback reply, metrics and the
/// last error for `/health/ai`. This is what the server holds.
///
/// Fallback rules (when `fallbackText` is set, the default):
/// - `complete` never throws for an upstream failure: a breaker that is open, retries used up,
///   a 4xx that must not be retried (400/401 included — the user still gets a reply) all give
///   a `Completion` with `isFallback == true`. `/health/ai` shows the real error.
/// - `stream` yields the fallback as one `.delta` plus `.done(isFallback)` when nothing had
///   been streamed yet; after a delta it ends by throwing the `LLMError` instead.
/// - A cancelled caller gets `LLMError.cancelled`, never a fallback.
/// - A request with `allowsFallback == false` (`/v1`, where nothing is saved) never gets one
///   either: its failure is thrown as ``UpstreamError`` carrying the retry hint.
///
/// Breaker accounting: 5xx, 408, 429, 401, 403, 404, timeouts, connection failures and
/// unparseable replies count as failures (a bad key or an unknown model makes the provider
/// unusable for everyone); other 4xx (a request the upstream found malformed) and
/// cancellations are neutral.
///
/// ```swift
/// let provider = ResilientProvider(wrapping: gemini, logger: logger)
/// let reply = try await provider.complete(CompletionRequest(messages: [.init(role: .user, content: "hi")]))
/// if reply.isFallback { print(provider.health().lastError ?? "") }
/// ```
public final class ResilientProvider: LLMProvider {
    public static let defaultFallbackText = SettingsCatalog.defaults.raw(.llmFallbackMessage)

    public let descriptor: ProviderDescriptor
    public let breaker: CircuitBreaker
    let inner: any LLMProvider
    let retry: RetryPolicy
    let timing: RetryTiming
    let fallbackText: String?
    let redactor: Redactor
    let metrics: LLMMetrics
    let logger: Logger
    let record: Mutex<HealthRecord>

    /// - Parameters:
    ///   - fallbackText: the reply when the provider is unavailable; nil makes failures throw.
    ///   - redactor: secrets to strip from every error message (the raw providers strip their own key too).
    ///   - metricsFactory: nil uses the bootstrapped `MetricsSystem`.
    ///   - healthWindow: how far back ``AIHealth/window`` counts (`METRICS_WINDOW_SECONDS`).
    public init(
        wrapping inner: any LLMProvider,
        retry: RetryPolicy = RetryPolicy(),
        breaker: CircuitBreaker.Configuration = CircuitBreaker.Configuration(),
        fallbackText: String? = ResilientProvider.defaultFallbackText,
        redactor: Redactor = Redactor(secrets: []),
        timing: RetryTiming = .live,
        metricsFactory: (any MetricsFactory)? = nil,
        healthWindow: Duration = .seconds(SettingsCatalog.defaults.integer(.metricsWindowSeconds)),
        logger: Logger
    ) {
        let metrics = LLMMetrics(provider: inner.descriptor.name, factory: metricsFactory ?? MetricsSystem.factory)
        metrics.circuitState.record(CircuitBreaker.State.closed.gaugeValue)
        self.descriptor = inner.descriptor
        self.inner = inner
        self.retry = retry
        self.timing = timing
        self.fallbackText = fallbackText
        self.redactor = redactor
        self.metrics = metrics
        record = Mutex(HealthRecord(window: AIOutcomeWindow(window: healthWindow, origin: timing.now())))
        var logger = logger
        logger[metadataKey: "llm.provider"] = "\(inner.descriptor.name)"
        self.logger = logger
        self.breaker = CircuitBreaker(provider: inner.descriptor.name, configuration: breaker, now: timing.now) { [logger] state in
            metrics.circuitState.record(state.gaugeValue)
            logger.info("LLM circuit state changed", metadata: ["llm.circuit.state": "\(state.rawValue)"])
        }
    }

    public func complete(_ request: CompletionRequest) async throws -> Completion {
        let started = timing.now()
        do {
            let completion = try await withRetries(canRetry: { true }) { try await self.inner.complete(request) }
            finishSucceeded(completion, startedAt: started)
            return completion
        } catch {
            return try finishFailed(error, startedAt: started, request: request, mayFallBack: true)
        }
    }

    public func unsupportedField(in request: CompletionRequest) -> UnsupportedField? {
        inner.unsupportedField(in: request)
    }

    public func unsupportedField(in request: EmbeddingRequest) -> UnsupportedField? {
        inner.unsupportedField(in: request)
    }

    /// Through the breaker and retries like a completion, never a fallback; failures throw
    /// ``UpstreamError`` with the retry hint. Not counted in the chat request metrics.
    public func embed(_ request: EmbeddingRequest) async throws -> [UInt8] {
        do {
            return try await withRetries(canRetry: { true }) { try await self.inner.embed(request) }
        } catch {
            throw UpstreamError(redactor.redact(error.error), retryAfter: error.retryAfter)
        }
    }

    public func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: CompletionChunk.self, throwing: (any Error).self)
        let task = Task { await self.relay(request, to: continuation) }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// The snapshot `/health/ai` renders.
    public func health() -> AIHealth {
        let circuit = breaker.state
        let now = timing.now()
        let (snapshot, window) = record.withLock { ($0, $0.window.counts(at: now)) }
        let status: AIHealth.Status =
            if descriptor.isOffline { .offline }
            else if circuit == .open { .unavailable }
            else if circuit == .halfOpen || snapshot.consecutiveFailures > 0 || snapshot.probeFailing { .degraded }
            else { .healthy }
        return AIHealth(
            status: status, provider: descriptor.name, model: descriptor.model, offline: descriptor.isOffline,
            circuitState: circuit, lastError: snapshot.lastError, lastErrorAt: snapshot.lastErrorAt,
            consecutiveFailures: snapshot.consecutiveFailures, requests: snapshot.requests,
            failures: snapshot.failures, fallbacks: snapshot.fallbacks, probe: snapshot.lastProbe, window: window
        )
    }
}

/// Counters behind ``AIHealth``.
struct HealthRecord: Sendable {
    var window: AIOutcomeWindow
    /// The last probe failed and no request or probe has succeeded since.
    var probeFailing = false
    /// One probe at a time: a slow upstream must not pile them up.
    var probeInFlight = false
    var lastProbe: AIHealth.Probe?
    var requests = 0
    var failures = 0
    var fallbacks = 0
    var consecutiveFailures = 0
    var lastError: String?
    var lastErrorAt: Date?
}
