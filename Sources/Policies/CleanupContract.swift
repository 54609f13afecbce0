import LuaRuntime
import OracleCore

// cleanup.lua's contract, input and result side by side: `plan(s)` takes a `CleanupInput` and
// returns a `CleanupPlan`.

/// `s` of `plan(s)`: the session cache as it is now, and the settings a normal pass follows.
public struct CleanupInput: PolicyInput, Equatable {
    public struct Settings: Sendable, Equatable {
        /// Seconds (`PERSISTENT_SESSION_TIMEOUT`).
        public var timeout: Int
        public var batchSize: Int
        public var emergencyThreshold: Double

        public init(timeout: Int, batchSize: Int, emergencyThreshold: Double) {
            self.timeout = timeout
            self.batchSize = batchSize
            self.emergencyThreshold = emergencyThreshold
        }

        public init(_ sessions: OracleConfig.SessionSettings) {
            self.init(timeout: sessions.sessionTimeout, batchSize: sessions.cleanupBatchSize,
                      emergencyThreshold: sessions.emergencyCleanupThreshold)
        }
    }

    /// Unix seconds: the host passes the clock, a policy never reads one.
    public var now: Int
    public var active: Int
    public var capacity: Int
    /// The same table severity.lua reads (``PolicyMemory``).
    public var memory: PolicyMemory
    /// An operator (`POST /api/v1/sessions/cleanup/emergency`) or an escalation's
    /// `emergency_cleanup` asked for an emergency pass now.
    public var emergencyRequested: Bool
    public var settings: Settings

    public init(now: Int, active: Int, capacity: Int, memory: PolicyMemory, emergencyRequested: Bool = false,
                settings: Settings) {
        self.now = now
        self.active = active
        self.capacity = capacity
        self.memory = memory
        self.emergencyRequested = emergencyRequested
        self.settings = settings
    }

    // The two settings the safe default (the normal plan) reads back from any input.
    static let timeoutField = PolicyInputField<Self>("settings.timeout", "int seconds", "`PERSISTENT_SESSION_TIMEOUT`") {
        $0.settings.timeout
    }
    static let batchSizeField = PolicyInputField<Self>("settings.batch_size", "int", "`CLEANUP_BATCH_SIZE`") {
        $0.settings.batchSize
    }

    static let emergencyRequestedField = PolicyInputField<Self>(
        "emergency_requested", "bool",
        "an operator (`POST /api/v1/sessions/cleanup/emergency`) or escalation's `emergency_cleanup` asks for an emergency pass now; the safe default then evicts a batch regardless of recency"
    ) { $0.emergencyRequested }

    public static let fields: [PolicyInputField<Self>] = cache + PolicyMemory.fields { $0.memory } + rest

    private static let cache: [PolicyInputField<Self>] = [
        .init("now", "int", "unix seconds (for future time-of-day rules; unused today)") { $0.now },
        .init("active", "int", "sessions currently in the cache") { $0.active },
        .init("capacity", "int", "`MAX_PERSISTENT_SESSIONS`; `<= 0` means unknown/unlimited") { $0.capacity },
    ]

    private static let rest: [PolicyInputField<Self>] = [
        emergencyRequestedField,
        timeoutField,
        batchSizeField,
        .init("settings.emergency_threshold", "number 0..1", "`EMERGENCY_CLEANUP_THRESHOLD` (001 default 0.95)") {
            $0.settings.emergencyThreshold
        },
    ]
}

/// The result of `plan(s)`: which cached sessions to evict now.
public struct CleanupPlan: Sendable, Equatable, Codable {
    /// Evict sessions idle longer than this many seconds.
    public var idleTTL: Int
    public var maxEvictions: Int
    public var emergency: Bool
    public var reason: String

    public static let fields = [
        PolicyField("idle_ttl", "int seconds >= 0", "evict sessions idle longer than this; 0 = regardless of recency"),
        PolicyField("max_evictions", "int >= 0", "at most this many evictions in this pass"),
        PolicyField("emergency", "bool", "emergency pass (host logs/metrics it)"),
        PolicyField("reason", "string, optional", "for the decision log"),
    ]

    public init(idleTTL: Int, maxEvictions: Int, emergency: Bool, reason: String) {
        self.idleTTL = idleTTL
        self.maxEvictions = maxEvictions
        self.emergency = emergency
        self.reason = reason
    }

    init(_ value: LuaValue) throws(PolicyContractError) {
        let reader = try ResultReader(value)
        idleTTL = try reader.integer("idle_ttl", min: 0)
        maxEvictions = try reader.integer("max_evictions", min: 0)
        emergency = try reader.bool("emergency")
        reason = try reader.optionalString("reason") ?? ""
    }
}
