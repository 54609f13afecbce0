import Hummingbird
import Logging
import LLM
import Metrics
import Operations
import OracleCore
import Policies
import ServiceLifecycle
import UnixSignals

/// Assembles the HTTP application: routes, middleware, readiness and shutdown.
///
/// ```swift
/// let app = OracleApplication.make(state: state, logger: logger)
/// try await app.runService()
/// ```
public enum OracleApplication {
    public static func makeRouter(state: ServerState) -> Router<OracleRequestContext> {
        // HEAD is answered on every GET route, as HTTP expects.
        let router = Router(context: OracleRequestContext.self, options: .autoGenerateHeadEndpoints)
        // Outermost, so it counts the status ErrorMiddleware settles on.
        router.add(middleware: MetricsRouteMiddleware(
            factory: state.metricsRegistry.map { MetricsExposition.factory(registry: $0) } ?? MetricsSystem.factory))
        // Outside ErrorMiddleware, so error answers carry CORS headers and browsers can read them.
        if let cors = AllowedOriginsCORS<OracleRequestContext>(origins: state.config.connections.corsAllowedOrigins) {
            router.add(middleware: cors)
        }
        router.add(middleware: ErrorMiddleware())
        let routeMethods = RouteMethods()
        router.add(middleware: MethodNotAllowedMiddleware(routes: routeMethods))
        HealthRoutes(state: state).register(on: router)
        OpenAPIRoutes().register(on: router)
        if let registry = state.metricsRegistry { MetricsRoutes(registry: registry).register(on: router) }
        MonitoringRoutes(state: state).register(on: router)
        let api = router.group("api/v1").add(middleware: ClientAuthMiddleware(keys: state.config.chatAPIKeys))
        let sessions = api.group("sessions")
        SessionRoutes(state: state).register(on: sessions)
        MessageRoutes(state: state).register(on: sessions)
        OpenAIRoutes(state: state).register(on: router)
        let admin = router.group("api/v1").add(middleware: AdminAuthMiddleware(keys: state.config.adminKeys))
        PolicyRoutes(state: state).register(on: admin.group("policies"))
        OverrideRoutes(state: state).register(on: admin.group("admin/overrides"))
        UsageRoutes(state: state).register(on: admin.group("admin/usage"))
        // The seed's memory-crisis runbook calls the emergency cleanup without a key; a setting decides whether it may.
        CleanupRoutes(state: state).register(on: state.config.emergencyCleanupAllowUnauthenticated
            ? router.group("api/v1").add(middleware: AdminAuthMiddleware(keys: state.config.adminKeys, allowAnonymous: true))
            : admin)
        SessionMonitoringRoutes(state: state).register(on: router)
        IncidentRoutes(state: state).register(on: admin.group("incidents"))
        SilenceRoutes(state: state, kind: .silence).register(on: admin.group("silences"))
        SilenceRoutes(state: state, kind: .maintenance).register(on: admin.group("maintenance-windows"))
        routeMethods.load(router.routes)
        return router
    }

    public static func make(
        state: ServerState, logger: Logger, services: [any Service] = [],
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        // The service group starts every service at once, alongside the work before the server
        // starts (migrations, overrides, policy activation). Services that read the database or
        // consult the policies (the cache warms through rollout.lua at once) wait for that work
        // to be done; the drain signal must not wait, it answers shutdown at any time.
        let started = AsyncLatch()
        let background = (services + state.backgroundServices).map {
            AfterStartup(started: started, service: $0) as any Service
        }
        let connections = state.config.connections
        if state.connections.limit < connections.maxConnections {
            logger.warning("MAX_CONNECTIONS lowered to fit the open-file limit", metadata: [
                "connections.configured": "\(connections.maxConnections)", "connections.limit": "\(state.connections.limit)"])
        }
        var app = Application(
            router: makeRouter(state: state),
            server: OracleHTTPChannel.builder(limits: connections.clockLimits(maxBodyBytes: state.config.maxBodyBytes),
                                               budget: state.connections),
            configuration: .init(address: .hostname(state.config.host, port: state.config.port), serverName: "oracle-chat"),
            services: background + [DrainSignal(readiness: state.readiness)],
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
        app.beforeServerStarts {
            try await state.store.migrate()
            // Questions an earlier run stopped answering show as failed before anyone reads them.
            try await state.store.markInterruptedReplies(logger: logger)
            // Overrides from earlier runs apply before the first request is served.
            try await state.overrides.load()
            // The day's usage from earlier runs counts before the first request is admitted.
            try await state.admission.usage.load(from: state.store)
            await state.policies?.start()
            started.open()
            state.readiness.set(.ready)
        }
        return app
    }
}

extension OracleApplication {
    /// Runs `app` until SIGTERM or SIGINT, then drains: requests in flight get
    /// `SHUTDOWN_DRAIN_TIMEOUT_MS` to finish, after which every service is cancelled and
    /// connections still open are closed, so the process always exits.
    public static func run(_ app: some ApplicationProtocol, config: OracleConfig, logger: Logger) async throws {
        try await ServiceGroup(configuration: serviceGroupConfiguration(
            app, config: config, logger: logger, signals: [.sigterm, .sigint])).run()
    }

    /// The service group `run` uses; tests pass no signals and trigger the shutdown themselves.
    public static func serviceGroupConfiguration(
        _ app: some ApplicationProtocol, config: OracleConfig, logger: Logger, signals: [UnixSignal]
    ) -> ServiceGroupConfiguration {
        var configuration = ServiceGroupConfiguration(
            services: [.init(service: app)], gracefulShutdownSignals: signals, logger: logger)
        configuration.maximumGracefulShutdownDuration = .milliseconds(config.connections.shutdownDrainTimeoutMs)
        // Cancelled work is given a moment to unwind, then the group returns regardless.
        configuration.maximumCancellationDuration = .seconds(5)
        return configuration
    }
}

/// Runs `service` once the application has started — database migrated, overrides loaded,
/// policies active — so nothing it reads or consults is missing. Stopped (or a startup that
/// failed) before then, it ends without running.
struct AfterStartup: Service, CustomStringConvertible {
    let started: AsyncLatch
    let service: any Service

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await started.wait() }
        } catch {
            return
        }
        try await service.run()
    }

    /// The wrapped service's type only: its own description might print what it holds.
    var description: String { "\(type(of: service)) (after startup)" }
}

/// Flips readiness to `draining` as soon as graceful shutdown begins, so load balancers stop
/// sending traffic while in-flight requests finish.
struct DrainSignal: Service {
    let readiness: Readiness

    func run() async throws {
        try? await gracefulShutdown()
        readiness.set(.draining)
    }
}
