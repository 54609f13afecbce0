import Foundation
import LLM
import Logging
import Operations
import OracleCore
import Policies
import Prometheus
import Sessions
import Storage
import Synchronization

/// What the routes share: configuration, storage, the chat service and readiness.
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

    public init(config: OracleConfig, store: SQLiteStore, provider: any LLMProvider, logger: Logger,
                backups: BackupStatus = BackupStatus(intervalSeconds: 0), integrity: IntegrityStatus = IntegrityStatus(),
                policies: PolicyHost? = nil, sessionClock: @escaping @Sendable () -> Double = SessionCache.uptime,
                metricsRegistry: PrometheusCollectorRegistry? = nil) {
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
        self.chat = ChatService(
            store: store, provider: provider, systemPrompt: config.llm.systemPrompt, live: live, policies: policies,
            operations: operationStats, logger: logger, clock: sessionClock)
    }

    public var provider: any LLMProvider { chat.provider }

    /// Open, idle and allowed client connections (`MAX_CONNECTIONS`).
    public let connections: ConnectionBudget

    /// The incident loop, once the application has started it (nil in tests that do not).
    public var incidents: IncidentMonitor? {
        get { incidentMonitor.withLock { $0 } }
        set { incidentMonitor.withLock { $0 = newValue } }
    }
    private let incidentMonitor = Mutex<IncidentMonitor?>(nil)
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
