import ArgumentParser
import Foundation
import HTTPServer
import Hummingbird
import LLM
import Logging
import Metrics
import Operations
import OracleCore
import Policies
import Prometheus
import Storage

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the HTTP server.",
        discussion: "Refuses to start on invalid configuration (exit status 2), printing every problem.")

    @OptionGroup var options: ConfigOptions
    @Option(help: "Address to listen on (HOST).") var host: String?
    @Option(help: "Port to listen on (PORT).") var port: String?
    @Option(help: "SQLite file path or sqlite:// URL (DATABASE_URL).") var database: String?
    @Option(help: "Folder of the Lua policies (POLICIES_DIR).") var policies: String?

    /// A configuration file's contents, or the exit with its problem named (status 2).
    static func loadOrRefuse<T>(_ setting: SettingName, _ load: () throws -> T) throws -> T {
        do {
            return try load()
        } catch {
            Console.error("error: \(setting.rawValue): \(error)")
            Console.error("oracle-chat: refusing to start with invalid configuration (see `oracle-chat config check`)")
            throw ExitCode(2)
        }
    }

    func run() async throws {
        var flags: [String: String] = [:]
        flags[SettingName.host.rawValue] = host
        flags[SettingName.port.rawValue] = port
        flags[SettingName.databaseURL.rawValue] = database
        flags[SettingName.policiesDir.rawValue] = policies
        let loaded = try await options.load(flags: flags)
        let config: OracleConfig
        do {
            config = try loaded.validated()
        } catch {
            for problem in error.problems { Console.error("error: \(problem)") }
            Console.error("oracle-chat: refusing to start with invalid configuration (see `oracle-chat config check`)")
            throw ExitCode(2)
        }
        // The contacts and models files are configuration too: refused before anything is opened.
        let contacts = try Self.loadOrRefuse(.contactsFile) { try config.loadContacts() }
        let models = try Self.loadOrRefuse(.modelsFile) { try config.loadModelCatalogue() }
        let level = config.logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        // Before any metric object exists: `GET /metrics` reads this same registry.
        let metricsRegistry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(MetricsExposition.factory(registry: metricsRegistry))
        let logger = Logger(label: "oracle-chat")
        for warning in loaded.warnings { logger.warning("config warning", metadata: ["config.warning": "\(warning)"]) }

        // Held for the server's life so `db restore` knows the database is in use.
        let lock: DatabaseLock?
        let store: SQLiteStore
        do {
            lock = config.database.isInMemory ? nil : try DatabaseLock(acquiring: config.database)
            // WAL checkpoints run in ServerOperations' WALCheckpointService, not in requests.
            store = try SQLiteStore(location: config.database, checkpointing: .background())
        } catch {
            Console.error("error: \(error)")
            throw ExitCode(1)
        }
        let operations = ServerOperations(config: config, store: store, logger: logger)
        let policies = PolicyHost(configuration: .init(settings: config, secrets: (models?.catalogue.secrets ?? []) + contacts.secrets),
                                  store: store, logger: logger)
        let (provider, catalogueWatcher) = ModelGateway.make(config: config, models: models, policies: policies, logger: logger)
        let state = ServerState(config: config, store: store, provider: provider, logger: logger,
                                backups: operations.backups, integrity: operations.integrity, policies: policies,
                                metricsRegistry: metricsRegistry, contacts: contacts)
        let app = OracleApplication.make(state: state, logger: logger, services: operations.services + [catalogueWatcher]) { port in
            logger.notice("oracle-chat listening", metadata: [
                "http.address": "\(config.host):\(port)", "database.path": "\(config.database.path)",
                "ai.provider": "\(provider.descriptor.name)", "ai.model": "\(provider.descriptor.model)",
                "ai.models": "\(provider.catalogue.models.count)",
                "version": "\(OracleVersion.current)",
            ])
        }
        defer { lock?.release() }
        try await OracleApplication.run(app, config: config, logger: logger)
        do {
            try store.close()
            logger.info("database closed", metadata: ["database.path": "\(config.database.path)"])
        } catch {
            logger.warning("database not closed cleanly; SQLite recovers it at next open", metadata: ["error": "\(error)"])
        }
    }
}
