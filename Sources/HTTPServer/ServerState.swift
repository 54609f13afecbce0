import Foundation
import LLM
import Logging
import Metrics
import Operations
import OracleCore
import Policies
import Prometheus
import ServiceLifecycle
import Sessions
import Storage
import Synchronization

/// The composition root: builds every part of the running service once — the chat service
/// (which owns the session lifecycle), overrides, the incident monitor and notifier, the
/// session cleanup, the policy watcher — and wires them. Routes only read from it; the
/// application runs its ``backgroundServices``.
public final class ServerState: Sendable {
    public let config: OracleConfig
    public let store: SQLiteStore
    public let chat: ChatService
    public let readiness = Readiness()
    public let startedAt = Date()
    /// The server's own periodic backups, for `/health`'s `backups`.
    public let backups: BackupStatus
    /// The last cheap integrity check, for `/health/database`'s `integrity`.
    public let integrity: IntegrityStatus
    /// The Lua policies; nil only in tests that do not need them.
    public let policies: PolicyHost?
    /// Session settings in force: configuration plus runtime overrides.
    public let live: LiveSettings
    /// Sets and clears runtime overrides (admin API, incident escalation).
    public let overrides: OverrideService
    /// The persistent-session cache (rollout-gated by `rollout.lua`), owned by the chat service.
    public var sessionCache: SessionCache { chat.cache }
    /// User-visible operations (send, create, recover) over `METRICS_WINDOW_SECONDS`, for
    /// `/api/v1/monitoring/*` and the incident monitor.
    public let operationStats: OperationStats
    /// What `GET /metrics` exposes; nil serves no `/metrics` (tests that do not need it). The
    /// executable bootstraps `MetricsSystem` with a factory over this same registry.
    public let metricsRegistry: PrometheusCollectorRegistry?
    /// Tenant quotas: each tenant's usage windows and admission.lua, asked before every call to the provider.
    public let admission: Admission

    public init(config: OracleConfig, store: SQLiteStore, provider: any LLMProvider, logger: Logger,
                backups: BackupStatus = BackupStatus(intervalSeconds: 0), integrity: IntegrityStatus = IntegrityStatus(),
                policies: PolicyHost? = nil, sessionClock: @escaping @Sendable () -> Double = SessionCache.uptime,
                metricsRegistry: PrometheusCollectorRegistry? = nil, contacts: ContactBook? = nil,
                usageClock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.config = config
        self.operationStats = OperationStats(settings: config)
        self.metricsRegistry = metricsRegistry
        self.policies = policies
        self.store = store
        self.backups = backups
        self.integrity = integrity
        let live = LiveSettings(config: config)
        self.live = live
        connections = ConnectionBudget(limit: config.connections.effectiveMaxConnections)
        self.overrides = OverrideService(store: store, live: live, logger: logger)
        // Every call goes through a router: the model catalogue's, or one around a provider
        // built elsewhere (tests), so routes resolve models one way.
        let router = provider as? ModelRouter ?? ModelRouter(single: provider)
        self.router = router
        let chat = ChatService(
            store: store, provider: router, systemPrompt: config.llm.systemPrompt, live: live, policies: policies,
            operations: operationStats, logger: logger, clock: sessionClock)
        self.chat = chat
        let usage = TenantUsage(clock: usageClock)
        admission = Admission(limits: config.tenantLimits, policies: policies, usage: usage,
                              metrics: metricsRegistry.map { MetricsExposition.factory(registry: $0) } ?? MetricsSystem.factory)
        let usageFlusher = TenantUsageFlusher(usage: usage, store: store, logger: logger)
        let cleanup = SessionCleanupService(
            cache: chat.cache, policies: policies,
            warmCandidates: { since, limit in try await store.recentlyActiveSessions(since: since, limit: limit) },
            logger: logger)
        // Off for the offline provider and AI_HEALTH_PROBE_INTERVAL=0; `make` says so in the log.
        let probe: [any Service] = AIHealthProbeService.make(provider: router, settings: config.llm, logger: logger).map { [$0] } ?? []
        guard let policies else {
            incidents = nil
            backgroundServices = [cleanup, usageFlusher] + probe
            return
        }
        // The snapshot reads the parts, not this state: no cycle through the monitor it builds.
        let sources = HealthSources(store: store, integrity: integrity, chat: chat)
        // `serve` loads and checks the file first (a broken file stops the start); here a broken
        // one falls back so that a test state without one still pages somewhere.
        let contacts = contacts ?? ((try? config.loadContacts()) ?? .fallback(webhookURLs: config.alertWebhookURLs))
        for warning in contacts.warnings { logger.warning("\(warning)") }
        let monitor = IncidentMonitor(
            configuration: .init(interval: .seconds(config.healthCheckInterval), resolveAfter: config.incidentResolveAfter),
            store: store, policies: policies,
            actions: OperatorIncidentActions(overrides: overrides, cache: chat.cache, policies: policies),
            contacts: contacts, logger: logger,
            snapshot: { await MonitoringReport.take(sources).snapshot })
        incidents = monitor
        let notifier = Notifier(
            store: store,
            settings: NotifierSettings(maxAttempts: config.notifyMaxAttempts), contacts: contacts,
            transport: contacts.secrets.isEmpty ? nil : HTTPTransport(logger: logger), logger: logger)
        backgroundServices = [
            PolicyWatcher(host: policies, interval: .milliseconds(config.policyRuntime.watchIntervalMs), logger: logger),
            DecisionLogFlusher(log: policies.decisionLog), monitor, notifier, cleanup, usageFlusher,
        ] + probe
    }

    /// The severity policy's input for this moment.
    public func monitoringSnapshot() async -> MonitoringSnapshot {
        await MonitoringReport.take(health).snapshot
    }

    public var provider: any LLMProvider { chat.provider }

    /// The model catalogue's providers and routing.lua's choice among them (``provider`` is this router).
    public let router: ModelRouter

    /// Whether the catalogue provider `name` is the embedded offline one (its replies are not a model's).
    public func isOffline(_ name: String) -> Bool {
        router.catalogue.provider(named: name)?.kind == .offline
    }

    /// What the health and monitoring reports read (routes and the incident monitor alike).
    public var health: HealthSources { HealthSources(store: store, integrity: integrity, chat: chat) }

    /// The incident loop (nil without policies): `severity.lua` on a monitoring snapshot every
    /// `HEALTH_CHECK_INTERVAL`, `escalation.lua` for open incidents.
    public let incidents: IncidentMonitor?

    /// Work that runs beside the HTTP server, once the application has started: the policy
    /// watcher and decision-log flusher, the incident monitor and its notifier, the session
    /// cleanup, the AI health probe (``AIHealthProbeService``, when on).
    public let backgroundServices: [any Service]

    /// Open, idle and allowed client connections (`MAX_CONNECTIONS`).
    public let connections: ConnectionBudget

}

/// Whether the server should receive traffic: `/health/ready` answers 503 while starting
/// (before migrations) and while draining for shutdown.
public final class Readiness: Sendable {
    public enum Phase: String, Sendable { case starting, ready, draining }
    private let phase = Mutex(Phase.starting)

    public init() {}

    public var current: Phase { phase.withLock { $0 } }

    public func set(_ new: Phase) {
        phase.withLock { $0 = new }
    }
}
