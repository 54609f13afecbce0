import LLM
import Logging
import OracleCore

/// Builds the provider the configuration asks for.
enum ProviderFactory {
    static func make(config: OracleConfig, logger: Logger) -> any LLMProvider {
        switch config.llm.effectiveProvider {
        default:
            return OfflineProvider()
        }
    }
}
