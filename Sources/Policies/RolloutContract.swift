import LuaRuntime
import OracleCore

// rollout.lua's contract, input and result side by side: `decide(ctx)` takes a `RolloutInput`
// and returns a `RolloutDecision`.

/// `ctx` of `decide(ctx)`: the session asking, and the settings that decide it.
public struct RolloutInput: PolicyInput, Equatable {
    public struct Settings: Sendable, Equatable {
        public var usePersistentSessions: Bool
        public var rolloutPercentage: Int

        public init(usePersistentSessions: Bool, rolloutPercentage: Int) {
            self.usePersistentSessions = usePersistentSessions
            self.rolloutPercentage = rolloutPercentage
        }

        public init(_ sessions: OracleConfig.SessionSettings) {
            self.init(usePersistentSessions: sessions.usePersistentSessions, rolloutPercentage: sessions.rolloutPercentage)
        }
    }

    public var sessionID: String
    public var tenantID: String
    public var settings: Settings
    /// Per-tenant forcing has no setting yet: the server sends both lists empty.
    public var forceEnabledTenants: [String]
    public var forceDisabledTenants: [String]

    public init(sessionID: String, tenantID: String, settings: Settings,
                forceEnabledTenants: [String] = [], forceDisabledTenants: [String] = []) {
        self.sessionID = sessionID
        self.tenantID = tenantID
        self.settings = settings
        self.forceEnabledTenants = forceEnabledTenants
        self.forceDisabledTenants = forceDisabledTenants
    }

    public static let fields: [PolicyInputField<Self>] = [
        .init("session_id", "string", "the chat session id; input of `bucket()`") { $0.sessionID },
        .init("tenant_id", "string", "tenant of the session") { $0.tenantID },
        .init("settings.use_persistent_sessions", "bool", "master switch `USE_PERSISTENT_SESSIONS`") {
            $0.settings.usePersistentSessions
        },
        .init("settings.rollout_percentage", "int 0..100",
              "`GRADUAL_ROLLOUT_PERCENTAGE`; values outside are clamped, fractions floored") { $0.settings.rolloutPercentage },
        .init("overrides.force_enabled_tenants", "list of string, optional",
              "tenants always enabled (while the master switch is on); `overrides` may be absent too") { $0.forceEnabledTenants },
        .init("overrides.force_disabled_tenants", "list of string, optional", "tenants never enabled") {
            $0.forceDisabledTenants
        },
    ]
}

/// The result of `decide(ctx)`: is this session served from the persistent-session cache?
public struct RolloutDecision: Sendable, Equatable, Codable {
    public var enabled: Bool
    public var reason: String

    public static let fields = [
        PolicyField("enabled", "bool", "serve this session with persistent sessions"),
        PolicyField("reason", "string", "for the decision log"),
    ]

    public init(enabled: Bool, reason: String) {
        self.enabled = enabled
        self.reason = reason
    }

    init(_ value: LuaValue) throws(PolicyContractError) {
        let reader = try ResultReader(value)
        enabled = try reader.bool("enabled")
        reason = try reader.string("reason")
    }
}
