import Logging
import Metrics
import OracleCore

/// Everything needed to build the LLM provider stack, with working defaults.
///
/// `description` and `debugDescription` never show an API key, only whether one is set.
///
/// ```swift
/// var config = LLMConfiguration(provider: .gemini)
/// config.geminiAPIKey = environment["GEMINI_API_KEY"]
/// let provider = config.makeProvider(logger: logger)   // ResilientProvider around GeminiProvider
/// ```
public struct LLMConfiguration: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    public enum ProviderKind: String, Sendable, Codable, CaseIterable {
        case offline, gemini, openai
    }

    public static let defaultUserAgent = "oracle-chat (libcurl)"

    public var provider: ProviderKind
    public var geminiBaseURL = GeminiProvider.defaultBaseURL
    public var geminiAPIKey: String?
    public var geminiModel = SettingsCatalog.defaults.raw(.geminiModel)
    /// e.g. `https://openrouter.ai/api/v1` or `http://localhost:11434/v1`.
    public var openAIBaseURL = "https://api.openai.com/v1"
    public var openAIAPIKey: String?
    public var openAIModel = SettingsCatalog.defaults.raw(.openAIModel)
    public var timeouts = TransportTimeouts()
    public var retry = RetryPolicy()
    public var breaker = CircuitBreaker.Configuration()
    /// The reply when the provider is unavailable; nil makes failures throw instead.
    public var fallbackText: String? = ResilientProvider.defaultFallbackText
    public var userAgent = LLMConfiguration.defaultUserAgent
    public var maxResponseBytes = 8 << 20
    /// How far back `/health/ai`'s `window` counts: `METRICS_WINDOW_SECONDS`.
    public var healthWindow = Duration.seconds(SettingsCatalog.defaults.integer(.metricsWindowSeconds))

    public init(provider: ProviderKind = .offline) {
        self.provider = provider
    }

    /// The keys to scrub from every message that leaves the LLM module.
    public var redactor: Redactor { Redactor(secrets: [geminiAPIKey, openAIAPIKey]) }

    /// The configured provider inside a ``ResilientProvider``; the offline provider for `.offline`.
    /// A new ``HTTPTransport`` (one driver thread) is made unless one is passed.
    public func makeProvider(
        logger: Logger,
        transport: HTTPTransport? = nil,
        timing: RetryTiming = .live,
        metricsFactory: (any MetricsFactory)? = nil
    ) -> ResilientProvider {
        let inner: any LLMProvider
        switch provider {
        case .offline:
            inner = OfflineProvider()
        case .gemini:
            inner = GeminiProvider(apiKey: geminiAPIKey ?? "", model: geminiModel, baseURL: geminiBaseURL,
                                   transport: transport ?? HTTPTransport(logger: logger), timeouts: timeouts,
                                   userAgent: userAgent, maxResponseBytes: maxResponseBytes)
        case .openai:
            inner = OpenAICompatibleProvider(baseURL: openAIBaseURL, apiKey: openAIAPIKey, model: openAIModel,
                                             transport: transport ?? HTTPTransport(logger: logger), timeouts: timeouts,
                                             userAgent: userAgent, maxResponseBytes: maxResponseBytes)
        }
        return ResilientProvider(wrapping: inner, retry: retry, breaker: breaker, fallbackText: fallbackText,
                                 redactor: redactor, timing: timing, metricsFactory: metricsFactory,
                                 healthWindow: healthWindow, logger: logger)
    }

    public var description: String {
        switch provider {
        case .offline:
            "LLMConfiguration(provider: offline)"
        case .gemini:
            "LLMConfiguration(provider: gemini, model: \(geminiModel), baseURL: \(geminiBaseURL), apiKey: \(Self.mask(geminiAPIKey)))"
        case .openai:
            "LLMConfiguration(provider: openai, model: \(openAIModel), baseURL: \(openAIBaseURL), apiKey: \(Self.mask(openAIAPIKey)))"
        }
    }

    public var debugDescription: String {
        description.dropLast() + ", timeouts: \(timeouts), retry: \(retry), breaker: \(breaker))"
    }

    private static func mask(_ key: String?) -> String {
        (key?.isEmpty ?? true) ? "unset" : "set"
    }
}
