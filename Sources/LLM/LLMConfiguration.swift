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

    /// The providers and models of the models file (`MODELS_FILE`); nil: the one-entry
    /// catalogue of `provider` and its settings (``singleCatalogue``).
    public var catalogue: ModelCatalogue?

    /// `LLM_PROVIDER` and its `GEMINI_*`/`OPENAI_*` settings as a catalogue: one provider named
    /// for its kind, one model that answers to every name.
    public var singleCatalogue: ModelCatalogue {
        switch provider {
        case .offline:
            .single(.init(name: "offline", kind: .offline, baseURL: ""), model: OfflineProvider.modelName)
        case .gemini:
            .single(.init(name: "gemini", kind: .gemini, baseURL: geminiBaseURL, apiKey: geminiAPIKey), model: geminiModel)
        case .openai:
            .single(.init(name: "openai", kind: .openai, baseURL: openAIBaseURL, apiKey: openAIAPIKey), model: openAIModel)
        }
    }

    public var effectiveCatalogue: ModelCatalogue { catalogue ?? singleCatalogue }

    /// The configured single provider inside a ``ResilientProvider``; the offline provider for `.offline`.
    /// A new ``HTTPTransport`` (one driver thread) is made unless one is passed.
    public func makeProvider(
        logger: Logger,
        transport: HTTPTransport? = nil,
        timing: RetryTiming = .live,
        metricsFactory: (any MetricsFactory)? = nil
    ) -> ResilientProvider {
        let catalogue = singleCatalogue
        return makeProvider(catalogue.providers[0], model: catalogue.defaultModel.upstreamModel, logger: logger,
                            transport: provider == .offline ? nil : transport ?? HTTPTransport(logger: logger),
                            timing: timing, metricsFactory: metricsFactory)
    }

    /// Every provider of the catalogue (``effectiveCatalogue``) with its own breaker, retries and
    /// health, behind a ``ModelRouter`` that asks `planner` where each request goes. One
    /// ``HTTPTransport`` serves them all; pass it to ``makeProvider(_:model:logger:transport:timing:metricsFactory:)``
    /// for the providers of a reloaded catalogue.
    public func makeRouter(
        logger: Logger,
        transport: HTTPTransport? = nil,
        timing: RetryTiming = .live,
        metricsFactory: (any MetricsFactory)? = nil,
        planner: (any RoutePlanner)? = nil
    ) -> (router: ModelRouter, transport: HTTPTransport?) {
        let catalogue = effectiveCatalogue
        let transport = catalogue.providers.contains { $0.kind != .offline } ? transport ?? HTTPTransport(logger: logger) : transport
        var providers: [String: any LLMProvider] = [:]
        for definition in catalogue.providers {
            providers[definition.name] = makeProvider(definition, model: Self.probeModel(of: definition.name, in: catalogue),
                                                      logger: logger, transport: transport, timing: timing, metricsFactory: metricsFactory)
        }
        // LLM_RETRY_BUDGET_MS caps a request across its targets too (0: no cap to apply).
        let budget = retry.totalCap > .zero ? retry.totalCap : nil
        return (ModelRouter(catalogue: catalogue, providers: providers, planner: planner, metricsFactory: metricsFactory,
                            budget: budget, now: timing.now), transport)
    }

    /// The model a provider's descriptor (and health probe) names: the default model when it is
    /// this provider's, else its first model by name.
    public static func probeModel(of provider: String, in catalogue: ModelCatalogue) -> String {
        if catalogue.defaultModel.provider == provider { return catalogue.defaultModel.upstreamModel }
        return catalogue.models.first { $0.provider == provider }?.upstreamModel ?? ""
    }

    /// One catalogue provider inside its own ``ResilientProvider`` (breaker, retries, fallback,
    /// metrics labelled with its name). `transport` is required for every kind but `.offline`.
    public func makeProvider(
        _ definition: ModelCatalogue.Provider,
        model: String,
        logger: Logger,
        transport: HTTPTransport?,
        timing: RetryTiming = .live,
        metricsFactory: (any MetricsFactory)? = nil
    ) -> ResilientProvider {
        let inner: any LLMProvider
        switch definition.kind {
        case .offline:
            inner = OfflineProvider(name: definition.name)
        case .gemini:
            inner = GeminiProvider(apiKey: definition.apiKey ?? "", model: model, baseURL: definition.baseURL,
                                   transport: transport!, timeouts: timeouts,
                                   userAgent: userAgent, maxResponseBytes: maxResponseBytes, name: definition.name)
        case .openai:
            inner = OpenAICompatibleProvider(baseURL: definition.baseURL, apiKey: definition.apiKey, model: model,
                                             transport: transport!, timeouts: timeouts,
                                             userAgent: userAgent, maxResponseBytes: maxResponseBytes, name: definition.name)
        }
        return ResilientProvider(wrapping: inner, retry: retry, breaker: breaker, fallbackText: fallbackText,
                                 redactor: Redactor(secrets: [definition.apiKey]), timing: timing, metricsFactory: metricsFactory,
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
