import Foundation
import LLM
import Logging
import Operations
import OracleCore
import Policies
import Sessions
import Synchronization

/// Builds what answers chat requests from the configuration: the model catalogue's providers
/// (the models file's, else the single-provider settings' one), each with retries, breaker and
/// fallback, behind a ``ModelRouter`` that asks routing.lua; and the watcher that reloads the
/// models file. `serve` and the tests build it the same way.
///
/// ```swift
/// let (router, watcher) = ModelGateway.make(config: config, models: try config.loadModelCatalogue(),
///                                           policies: policies, logger: logger)
/// ```
public enum ModelGateway {
    public static func make(config: OracleConfig, models: ModelCatalogueFile.Loaded?, policies: PolicyHost?, logger: Logger,
                            environment: [String: String] = ProcessInfo.processInfo.environment,
                            transport: HTTPTransport? = nil) -> (router: ModelRouter, watcher: ModelCatalogueWatcher) {
        var settings = LLMConfiguration(settings: config.llm)
        settings.catalogue = models?.catalogue
        let (router, initial) = settings.makeRouter(logger: logger, transport: transport, planner: policies.map(RoutingPolicy.init))
        let configured = settings
        // One transport for every provider; an offline start makes none until a reload adds a remote provider.
        let shared = LazyTransport(initial, logger: logger)
        let watcher = ModelCatalogueWatcher(
            path: config.modelsFile, environment: environment, initialText: models?.text, router: router,
            build: { definition, catalogue in
                configured.makeProvider(definition, model: LLMConfiguration.probeModel(of: definition.name, in: catalogue),
                                        logger: logger, transport: definition.kind == .offline ? nil : shared.transport)
            }, logger: logger)
        return (router, watcher)
    }
}

/// The transport, made on first need.
final class LazyTransport: Sendable {
    private let made: Mutex<HTTPTransport?>
    private let logger: Logger

    init(_ transport: HTTPTransport?, logger: Logger) {
        made = Mutex(transport)
        self.logger = logger
    }

    var transport: HTTPTransport {
        made.withLock { made in
            if let made { return made }
            let transport = HTTPTransport(logger: logger)
            made = transport
            return transport
        }
    }
}
