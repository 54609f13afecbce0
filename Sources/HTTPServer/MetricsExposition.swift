import Prometheus

/// How the executable's metrics reach `GET /metrics`: one registry, and a swift-metrics factory
/// over it with histogram buckets fit for what each timer measures.
///
/// ```swift
/// let registry = PrometheusCollectorRegistry()
/// MetricsSystem.bootstrap(MetricsExposition.factory(registry: registry))
/// let state = ServerState(..., metricsRegistry: registry)
/// ```
public enum MetricsExposition {
    /// LLM calls take seconds, up to the total timeout.
    static let llmBuckets: [Duration] = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120].map { .milliseconds(Int($0 * 1000)) }
    /// A policy call is budgeted in microseconds to a few milliseconds.
    static let policyBuckets: [Duration] = [50, 100, 250, 500, 1000, 2500, 5000, 10_000, 50_000].map { .microseconds($0) }

    public static func factory(registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets = [
            "llm_request_duration_seconds": llmBuckets,
            "llm_time_to_first_token_seconds": llmBuckets,
            "policy_evaluation_duration_seconds": policyBuckets,
        ]
        return factory
    }
}
