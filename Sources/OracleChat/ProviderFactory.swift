import HTTPServer
import LLM
import Logging
import OracleCore

/// Builds the provider stack the configuration asks for: retries, breaker and fallback around
/// Gemini, an OpenAI-compatible API, or the embedded offline provider.
enum ProviderFactory {
    static func make(config: OracleConfig, logger: Logger) -> ResilientProvider {
        LLMConfiguration(settings: config.llm).makeProvider(logger: logger)
    }
}
