import LuaRuntime

// severity.lua's contract, input and result side by side: `classify(m)` takes a
// `MonitoringSnapshot` and returns a `SeverityDecision`.

/// `m` of `classify(m)`: one monitoring window, as the severity policy reads it.
///
/// Built from live readings by the monitoring endpoints and the incident monitor alike (see
/// `MonitoringSnapshot(traffic:memory:...)` in Operations), so both judge the same numbers; the
/// endpoints show it as JSON with the policy's field names.
public struct MonitoringSnapshot: PolicyInput, Equatable, Encodable {
    public struct Component: Sendable, Equatable {
        /// `healthy`, `degraded`, `unhealthy` (database); `healthy`, `degraded`, `unavailable`, `offline` (AI).
        public var status: String
        public init(status: String) { self.status = status }
    }

    /// The AI provider: its status and the evidence behind it, over the same window.
    public struct AI: Sendable, Equatable {
        /// `healthy`, `degraded`, `unavailable`, `offline`.
        public var status: String
        /// Requests to the provider in the window (each with its retries); health probes are not requests.
        public var requests: Int
        public var failures: Int
        /// The latest health probe in the window: `ok`, `failed`, or nil (none, or probes off).
        public var probe: String?

        public init(status: String, requests: Int = 0, failures: Int = 0, probe: String? = nil) {
            self.status = status
            self.requests = requests
            self.failures = failures
            self.probe = probe
        }
    }

    public struct PersistentSessions: Sendable, Equatable {
        public var enabled: Bool
        public var failing: Bool
        public init(enabled: Bool, failing: Bool) {
            self.enabled = enabled
            self.failing = failing
        }
    }

    public var reachable: Bool
    /// `send_message` operations in the window.
    public var requests: Int
    /// Failed over all operations in the window, 0–1.
    public var errorRate: Double
    public var errorRatePerHour: Double
    public var avgResponseMs: Double
    public var p95ResponseMs: Double
    /// Nil when the session cache saw no traffic; the policy then skips its criteria.
    public var cacheHitRatio: Double?
    /// Memory where the server runs, the process's and the session cache's (``PolicyMemory``).
    public var memory: PolicyMemory
    public var database: Component
    public var ai: AI
    public var persistentSessions: PersistentSessions
    public var tenantsAffected: Int
    /// Session cache lookups behind `cacheHitRatio` (hits + misses since start; a new session's
    /// first message is neither).
    public var cacheLookups: Int

    public init(reachable: Bool, requests: Int, errorRate: Double, errorRatePerHour: Double, avgResponseMs: Double,
                p95ResponseMs: Double, cacheHitRatio: Double?, memory: PolicyMemory, database: Component,
                ai: AI, persistentSessions: PersistentSessions, tenantsAffected: Int, cacheLookups: Int = 0) {
        self.reachable = reachable
        self.requests = requests
        self.errorRate = errorRate
        self.errorRatePerHour = errorRatePerHour
        self.avgResponseMs = avgResponseMs
        self.p95ResponseMs = p95ResponseMs
        self.cacheHitRatio = cacheHitRatio
        self.memory = memory
        self.database = database
        self.ai = ai
        self.persistentSessions = persistentSessions
        self.tenantsAffected = tenantsAffected
        self.cacheLookups = cacheLookups
    }

    /// What the monitor records when the server did not answer: only `reachable = false` holds.
    public static let unreachable = MonitoringSnapshot(
        reachable: false, requests: 0, errorRate: 0, errorRatePerHour: 0, avgResponseMs: 0, p95ResponseMs: 0,
        cacheHitRatio: nil, memory: .unknown, database: Component(status: "unknown"),
        ai: AI(status: "unknown"), persistentSessions: PersistentSessions(enabled: false, failing: false),
        tenantsAffected: 0)

    public static let fields: [PolicyInputField<Self>] = traffic + PolicyMemory.fields { $0.memory } + components

    private static let traffic: [PolicyInputField<Self>] = [
        .init("reachable", "bool", "health endpoint answered; only `false` counts as unreachable") { $0.reachable },
        .init("requests", "int", "`send_message` operations in the window") { $0.requests },
        .init("error_rate", "number 0..1", "fraction of failed operations in the window") { $0.errorRate },
        .init("error_rate_per_hour", "number", "errors per hour (informational, not a criterion)") { $0.errorRatePerHour },
        .init("avg_response_ms", "number", "average `send_message` duration, milliseconds") { $0.avgResponseMs },
        .init("p95_response_ms", "number", "95th percentile, milliseconds (informational)") { $0.p95ResponseMs },
        .init("cache_hit_ratio", "number 0..1, optional", "hits over lookups since start; absent before the first lookup or with persistent sessions off") { $0.cacheHitRatio },
        .init("cache_lookups", "int", "the lookups the ratio is based on (a new session's first message is not one)") { $0.cacheLookups },
    ]

    private static let components: [PolicyInputField<Self>] = [
        .init("database.status", PolicyField.oneOf(["healthy", "degraded", "unhealthy"]), "") { $0.database.status },
        .init("ai.status", PolicyField.oneOf(["healthy", "degraded", "unavailable", "offline"]), "LLM provider") { $0.ai.status },
        .init("ai.requests", "int", "requests to the LLM provider in the window (each with its retries; health probes are not requests)") {
            $0.ai.requests
        },
        .init("ai.failures", "int", "of those, the ones that failed (fallback replies included)") { $0.ai.failures },
        .init("ai.probe", PolicyField.oneOf(["ok", "failed"]) + ", optional",
              "the latest active health probe in the window (`AI_HEALTH_PROBE_INTERVAL`); absent when none ran in it or probes are off") {
            $0.ai.probe
        },
        .init("persistent_sessions.enabled", "bool", "feature currently on") { $0.persistentSessions.enabled },
        .init("persistent_sessions.failing", "bool", "the session layer is failing") { $0.persistentSessions.failing },
        .init("tenants_affected", "int", "informational") { $0.tenantsAffected },
    ]

    public static let note: String? = """
        Any numeric field may be absent (e.g. in a recorded or hand-written input); its criteria are
        then skipped.
        """

    /// The JSON of the table `classify(m)` receives, so the endpoints show what the policy sees.
    public func encode(to encoder: any Encoder) throws {
        try luaValue.encode(to: encoder)
    }
}

extension MonitoringSnapshot: LuaRepresentable {}

/// The result of `classify(m)`: how bad is the current state, and why.
public struct SeverityDecision: Sendable, Equatable, Codable {
    public static let levels = ["P0", "P1", "P2", "P3"]
    /// `P0`…`P3`, or nil when nothing is wrong.
    public var severity: String?
    public var reasons: [String]

    public static let fields = [
        PolicyField("severity", PolicyField.oneOf(levels) + ", or absent", "the worst matching level; absent = healthy"),
        PolicyField("reasons", "list of string", "every matching criterion **of that level** (empty when healthy)"),
    ]

    public init(severity: String?, reasons: [String]) {
        self.severity = severity
        self.reasons = reasons
    }

    init(_ value: LuaValue) throws(PolicyContractError) {
        let reader = try ResultReader(value)
        severity = try reader.optionalString("severity")
        if let severity, !Self.levels.contains(severity) {
            throw PolicyContractError(field: "severity", rule: "must be one of P0, P1, P2, P3 or nil")
        }
        reasons = try reader.strings("reasons")
    }
}
