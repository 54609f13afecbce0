import LuaRuntime

/// `rollout.lua` → `decide(ctx)`: is this session served from the persistent-session cache?
public struct RolloutDecision: Sendable, Equatable, Codable {
    public var enabled: Bool
    public var reason: String

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

/// `severity.lua` → `classify(m)`: how bad is the current state, and why.
public struct SeverityDecision: Sendable, Equatable, Codable {
    public static let levels = ["P0", "P1", "P2", "P3"]
    /// `P0`…`P3`, or nil when nothing is wrong.
    public var severity: String?
    public var reasons: [String]

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

/// `cleanup.lua` → `plan(s)`: which cached sessions to evict now.
public struct CleanupPlan: Sendable, Equatable, Codable {
    /// Evict sessions idle longer than this many seconds.
    public var idleTTL: Int
    public var maxEvictions: Int
    public var emergency: Bool
    public var reason: String

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

/// `escalation.lua` → `escalate(i)`: whom to notify and what to switch off.
public struct EscalationDecision: Sendable, Equatable, Codable {
    public struct Notification: Sendable, Equatable, Codable {
        public var target: String
        /// `webhook` or `log`.
        public var channel: String
        /// `declaration`, `update` or `resolution`.
        public var template: String
    }

    /// An effect the host carries out through the override mechanism.
    public enum Action: Sendable, Equatable, Codable {
        case disablePersistentSessions
        case setRolloutPercentage(Int)
        case setSessionLimits(maxSessions: Int, timeout: Int, cleanupInterval: Int)
        case emergencyCleanup
        case reloadLastGoodPolicies

        public var type: String {
            switch self {
            case .disablePersistentSessions: "disable_persistent_sessions"
            case .setRolloutPercentage: "set_rollout_percentage"
            case .setSessionLimits: "set_session_limits"
            case .emergencyCleanup: "emergency_cleanup"
            case .reloadLastGoodPolicies: "reload_last_good_policies"
            }
        }
    }

    public static let channels = ["webhook", "log"]
    public static let templates = ["declaration", "update", "resolution"]

    public var level: Int
    public var notify: [Notification]
    public var actions: [Action]

    public init(level: Int, notify: [Notification], actions: [Action]) {
        self.level = level
        self.notify = notify
        self.actions = actions
    }

    init(_ value: LuaValue) throws(PolicyContractError) {
        let reader = try ResultReader(value)
        level = try reader.integer("level", min: 0)
        notify = try reader.tables("notify").map { (item) throws(PolicyContractError) in
            let channel = try item.string("channel")
            guard Self.channels.contains(channel) else {
                throw PolicyContractError(field: "\(item.path).channel", rule: "must be webhook or log")
            }
            let template = try item.string("template")
            guard Self.templates.contains(template) else {
                throw PolicyContractError(field: "\(item.path).template", rule: "must be declaration, update or resolution")
            }
            return Notification(target: try item.string("target"), channel: channel, template: template)
        }
        actions = try reader.tables("actions").map(Self.action)
    }

    private static func action(_ item: ResultReader) throws(PolicyContractError) -> Action {
        switch try item.string("type") {
        case "disable_persistent_sessions": return .disablePersistentSessions
        case "set_rollout_percentage":
            let value = try item.integer("value", min: 0)
            guard value <= 100 else { throw PolicyContractError(field: "\(item.path).value", rule: "must be an integer 0–100") }
            return .setRolloutPercentage(value)
        case "set_session_limits":
            return .setSessionLimits(
                maxSessions: try item.integer("max_sessions", min: 1), timeout: try item.integer("timeout", min: 60),
                cleanupInterval: try item.integer("cleanup_interval", min: 1))
        case "emergency_cleanup": return .emergencyCleanup
        case "reload_last_good_policies": return .reloadLastGoodPolicies
        default:
            throw PolicyContractError(
                field: "\(item.path).type",
                rule: "must be one of disable_persistent_sessions, set_rollout_percentage, set_session_limits, emergency_cleanup, reload_last_good_policies")
        }
    }
}
