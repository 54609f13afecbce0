import LLM
import OracleCore

extension LLMConfiguration {
    /// The provider stack the validated settings describe (`LLM_PROVIDER`, `GEMINI_*`, `OPENAI_*`, `LLM_*`).
    public init(settings: OracleConfig.LLMSettings) {
        self.init(provider: ProviderKind(rawValue: settings.effectiveProvider) ?? .offline)
        geminiAPIKey = settings.geminiAPIKey.isEmpty ? nil : settings.geminiAPIKey
        geminiModel = settings.geminiModel
        if !settings.geminiBaseURL.isEmpty { geminiBaseURL = settings.geminiBaseURL }
        openAIAPIKey = settings.openAIAPIKey.isEmpty ? nil : settings.openAIAPIKey
        openAIModel = settings.openAIModel
        if !settings.openAIBaseURL.isEmpty { openAIBaseURL = settings.openAIBaseURL }
        timeouts = TransportTimeouts(
            connect: .milliseconds(settings.connectTimeoutMs), firstByte: .milliseconds(settings.firstByteTimeoutMs),
            idle: .milliseconds(settings.idleTimeoutMs), total: .milliseconds(settings.totalTimeoutMs))
        retry = RetryPolicy(
            maxAttempts: settings.maxAttempts, baseDelay: .milliseconds(settings.retryBaseDelayMs),
            maxDelay: .milliseconds(settings.retryMaxDelayMs), totalCap: .milliseconds(settings.retryBudgetMs))
        breaker = CircuitBreaker.Configuration(
            windowSize: settings.breakerWindow, minimumRequests: settings.breakerMinRequests,
            failureRateThreshold: settings.breakerFailureRate, openDuration: .seconds(settings.breakerOpenSeconds))
        fallbackText = settings.fallbackMessage
        healthWindow = .seconds(settings.healthWindowSeconds)
        userAgent = "oracle-chat/\(OracleVersion.current) (libcurl)"
    }
}
