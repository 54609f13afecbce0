import Foundation
import HTTPServer
import Hummingbird
import LLM
import Logging
import Metrics
import Operations
import Policies
import Prometheus
import ServiceLifecycle
import Storage
import TestSupport

/// The Oracle Chat application on 127.0.0.1 (a free port), configured through its settings
/// as `serve` would be, with the OpenAI-compatible provider pointed at `upstreamBaseURL`.
/// One registry for the process: `MetricsSystem` can be bootstrapped once.
let metricsRegistry: PrometheusCollectorRegistry = {
    let registry = PrometheusCollectorRegistry()
    MetricsSystem.bootstrap(MetricsExposition.factory(registry: registry))
    return registry
}()

struct BenchGateway {
    let port: Int
    let state: ServerState
    let group: ServiceGroup
    let server: Task<Void, Never>
    let directory: TemporaryDirectory

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// `settings` adds to (or replaces) the bench's configuration variables.
    static func start(upstreamBaseURL: String, settings: [String: String] = [:]) async throws -> BenchGateway {
        let directory = try TemporaryDirectory("gatewaybench")
        let config = try await TestConfig.make([
            "HOST": "127.0.0.1", "PORT": "0", "LLM_PROVIDER": "openai",
            "OPENAI_BASE_URL": upstreamBaseURL, "OPENAI_API_KEY": "sk-bench-key", "OPENAI_MODEL": "bench-model",
        ].merging(settings) { $1 }, in: directory)
        var logger = Logger(label: "gatewaybench")
        logger.logLevel = .error
        let provider = LLMConfiguration(settings: config.llm).makeProvider(logger: logger)
        let store = try SQLiteStore(location: config.database, checkpointing: .background())
        let operations = ServerOperations(config: config, store: store, logger: logger)
        // As `serve` assembles it: the policy host (rollout.lua decides who is cached; the
        // incident loop runs) and the metrics every request records.
        let policies = PolicyHost(configuration: .init(settings: config), store: store, logger: logger)
        let state = ServerState(config: config, store: store, provider: provider, logger: logger,
                                backups: operations.backups, integrity: operations.integrity,
                                policies: policies, metricsRegistry: metricsRegistry)
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = OracleApplication.make(state: state, logger: logger, services: operations.services) { port in
            portContinuation.yield(port)
            portContinuation.finish()
        }
        let group = ServiceGroup(services: [app], logger: logger)
        let server = Task {
            try? await group.run()
            portContinuation.finish()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            throw BenchError(description: "Oracle Chat did not start")
        }
        return BenchGateway(port: port, state: state, group: group, server: server, directory: directory)
    }

    /// Sessions of the default tenant, so each connection writes to its own, each with
    /// `history` stored messages (question and answer in turn), as a conversation under way.
    func createSessions(count: Int, history: Int, question: String, answer: String) async throws -> [String] {
        var ids: [String] = []
        for index in 0..<count {
            let id = try await state.store.createSession(tenant: "default", title: "bench \(index)").id
            for turn in 0..<history {
                _ = try await state.store.appendMessage(
                    NewMessage(role: turn % 2 == 0 ? .user : .assistant, content: turn % 2 == 0 ? question : answer),
                    sessionID: id, tenant: "default")
            }
            ids.append(id)
        }
        return ids
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        await server.value
        try? state.store.close()
        directory.remove()
    }
}
