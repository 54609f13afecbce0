import Hummingbird
import Logging
import ServiceLifecycle

/// Assembles the HTTP application: routes, middleware, readiness and shutdown.
///
/// ```swift
/// let app = OracleApplication.make(state: state, logger: logger)
/// try await app.runService()
/// ```
public enum OracleApplication {
    public static func makeRouter(state: ServerState) -> Router<OracleRequestContext> {
        let router = Router(context: OracleRequestContext.self)
        router.add(middleware: ErrorMiddleware())
        HealthRoutes(state: state).register(on: router)
        let api = router.group("api/v1").add(middleware: ClientAuthMiddleware(keys: state.config.chatAPIKeys))
        let sessions = api.group("sessions")
        SessionRoutes(state: state).register(on: sessions)
        MessageRoutes(state: state).register(on: sessions)
        return router
    }

    public static func make(
        state: ServerState, logger: Logger, services: [any Service] = [],
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        var app = Application(
            router: makeRouter(state: state),
            configuration: .init(address: .hostname(state.config.host, port: state.config.port), serverName: "oracle-chat"),
            services: services + [DrainSignal(readiness: state.readiness)],
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
        app.beforeServerStarts {
            try await state.store.migrate()
            state.readiness.set(.ready)
        }
        return app
    }
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
