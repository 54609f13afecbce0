import HTTPServer
import LLM
import Logging
import Operations
import OracleCore
import Policies
import Sessions

/// Builds the provider stack the configuration asks for: the model catalogue's providers (the
/// models file's, else the single-provider settings' one), each with retries, breaker and
/// fallback, behind a router that asks routing.lua; and the watcher that reloads the models file.
enum ProviderFactory {
    static func make(config: OracleConfig, models: ModelCatalogueFile.Loaded?, policies: PolicyHost,
                     logger: Logger) -> (router: ModelRouter, watcher: ModelCatalogueWatcher) {
        var settings = LLMConfiguration(settings: config.llm)
        settings.catalogue = models?.catalogue
        let (router, transport) = settings.makeRouter(logger: logger, planner: RoutingPolicy(policies: policies))
        let configured = settings
        // A reloaded file may add the first remote provider to an offline catalogue.
        let shared = transport ?? HTTPTransport(logger: logger)
        let build: @Sendable (ModelCatalogue.Provider, ModelCatalogue) -> any LLMProvider = { definition, catalogue in
            configured.makeProvider(definition, model: LLMConfiguration.probeModel(of: definition.name, in: catalogue),
                                  logger: logger, transport: shared)
        }
        let watcher = ModelCatalogueWatcher(path: config.modelsFile, initialText: models?.text, router: router,
                                            build: build, logger: logger)
        return (router, watcher)
    }
}
