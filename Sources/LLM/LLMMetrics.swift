import Metrics
import OracleCore

/// The LLM metrics of one provider, created once when its ``ResilientProvider`` is built.
/// Dimensions are bounded: the provider name, a fixed outcome set, a fixed token kind set.
struct LLMMetrics: Sendable {
    /// How a request to ``ResilientProvider`` ended (`llm_requests_total{outcome}`).
    enum Outcome: String, CaseIterable, Sendable {
        case success, fallback, error, cancelled
    }

    private let requests: [Outcome: Counter]
    /// `llm_health_probes_total{outcome}`: apart from `llm_requests_total`, which counts users' requests.
    private let probes: [ProbeOutcome: Counter]
    let duration: Metrics.Timer
    let timeToFirstToken: Metrics.Timer
    let promptTokens: Counter
    let completionTokens: Counter
    let cachedTokens: Counter
    let retries: Counter
    let fallbacks: Counter
    let circuitState: Gauge

    init(provider: String, factory: any MetricsFactory) {
        let dimension = [("provider", provider)]
        var requests: [Outcome: Counter] = [:]
        for outcome in Outcome.allCases {
            requests[outcome] = Counter(label: "llm_requests_total", dimensions: dimension + [("outcome", outcome.rawValue)], factory: factory)
        }
        self.requests = requests
        probes = Dictionary(uniqueKeysWithValues: [ProbeOutcome.ok, .failed].map { outcome in
            (outcome, Counter(label: "llm_health_probes_total", dimensions: dimension + [("outcome", outcome.rawValue)], factory: factory))
        })
        duration = Metrics.Timer(label: "llm_request_duration_seconds", dimensions: dimension, factory: factory)
        timeToFirstToken = Metrics.Timer(label: "llm_time_to_first_token_seconds", dimensions: dimension, factory: factory)
        promptTokens = Counter(label: "llm_tokens_total", dimensions: dimension + [("kind", "prompt")], factory: factory)
        completionTokens = Counter(label: "llm_tokens_total", dimensions: dimension + [("kind", "completion")], factory: factory)
        cachedTokens = Counter(label: "llm_tokens_total", dimensions: dimension + [("kind", "cached")], factory: factory)
        retries = Counter(label: "llm_retries_total", dimensions: dimension, factory: factory)
        fallbacks = Counter(label: "llm_fallbacks_total", dimensions: dimension, factory: factory)
        circuitState = Gauge(label: "llm_circuit_state", dimensions: dimension, factory: factory)
    }

    func count(_ outcome: Outcome) {
        requests[outcome]?.increment()
    }

    func count(_ probe: ProbeOutcome) {
        probes[probe]?.increment()
    }

    func count(_ usage: TokenUsage) {
        promptTokens.increment(by: usage.promptTokens)
        completionTokens.increment(by: usage.completionTokens)
        cachedTokens.increment(by: usage.cachedTokens)
    }
}
