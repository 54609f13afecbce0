import LuaRuntime
import OracleCore

// escalation.lua's contract, input and result side by side: `escalate(i)` takes an
// `EscalationInput` and returns an `EscalationDecision`.

/// `i` of `escalate(i)`: one event of an incident, with what the host did for it so far.
public struct EscalationInput: PolicyInput, Equatable {
    /// Why the policy is asked.
    public enum Event: String, Sendable, CaseIterable {
        case opened
        /// The severity got worse (a milder one keeps the incident as it is).
        case changed
        /// A monitor tick, every `HEALTH_CHECK_INTERVAL`.
        case tick
        case resolved
    }

    /// The live values the actions start from (limits only ever tighten).
    public struct Settings: Sendable, Equatable {
        public var usePersistentSessions: Bool
        public var rolloutPercentage: Int
        public var maxPersistentSessions: Int
        /// Seconds.
        public var persistentSessionTimeout: Int
        /// Seconds.
        public var cleanupInterval: Int

        public init(usePersistentSessions: Bool, rolloutPercentage: Int, maxPersistentSessions: Int,
                    persistentSessionTimeout: Int, cleanupInterval: Int) {
            self.usePersistentSessions = usePersistentSessions
            self.rolloutPercentage = rolloutPercentage
            self.maxPersistentSessions = maxPersistentSessions
            self.persistentSessionTimeout = persistentSessionTimeout
            self.cleanupInterval = cleanupInterval
        }

        public init(_ sessions: OracleConfig.SessionSettings) {
            self.init(usePersistentSessions: sessions.usePersistentSessions, rolloutPercentage: sessions.rolloutPercentage,
                      maxPersistentSessions: sessions.maxSessions, persistentSessionTimeout: sessions.sessionTimeout,
                      cleanupInterval: sessions.cleanupInterval)
        }
    }

    public var id: String
    /// `P0`…`P3`.
    public var severity: String
    /// `open`, `acknowledged` or `resolved`.
    public var status: String
    public var event: Event
    public var elapsedSeconds: Int
    public var sinceNotifiedSeconds: Int
    public var acknowledged: Bool
    /// The level the previous call returned; 0 before the first.
    public var level: Int
    public var reasons: [String]
    public var metrics: MonitoringSnapshot
    public var settings: Settings
    /// Types of the actions carried out for this incident so far, oldest first.
    public var actionsTaken: [String]
    /// `monitor` (severity.lua opened it) or `manual` (declared by a person).
    public var source: String
    /// For `resolved`: `recovered` (the condition stayed gone) or `manual` (a person resolved
    /// it); empty otherwise.
    public var resolution: String

    public init(id: String, severity: String, status: String, event: Event, elapsedSeconds: Int, sinceNotifiedSeconds: Int,
                acknowledged: Bool, level: Int, reasons: [String], metrics: MonitoringSnapshot, settings: Settings,
                actionsTaken: [String], source: String = "monitor", resolution: String = "") {
        self.id = id
        self.severity = severity
        self.status = status
        self.event = event
        self.elapsedSeconds = elapsedSeconds
        self.sinceNotifiedSeconds = sinceNotifiedSeconds
        self.acknowledged = acknowledged
        self.level = level
        self.reasons = reasons
        self.metrics = metrics
        self.settings = settings
        self.actionsTaken = actionsTaken
        self.source = source
        self.resolution = resolution
    }

    // The two fields the safe default (log-only notifications) reads back from any input.
    static let eventField = PolicyInputField<Self>(
        "event", PolicyField.oneOf(Event.allCases.map(\.rawValue)), "anything else is an error") { $0.event.rawValue }
    static let levelField = PolicyInputField<Self>(
        "level", "int", "escalation level returned by the previous call; 0 before the first call") { $0.level }

    public static let fields: [PolicyInputField<Self>] = [
        .init("id", "string", "incident id") { $0.id },
        .init("severity", PolicyField.oneOf(SeverityDecision.levels), "current severity (anything else is an error)") {
            $0.severity
        },
        .init("status", PolicyField.oneOf(["open", "acknowledged", "resolved"]), "") { $0.status },
        eventField,
        .init("elapsed_seconds", "int", "since the incident was opened") { $0.elapsedSeconds },
        .init("since_notified_seconds", "int", "since the last notification was sent for it") { $0.sinceNotifiedSeconds },
        .init("acknowledged", "bool", "a human acknowledged it (`status == \"acknowledged\"` counts too)") { $0.acknowledged },
        levelField,
        .init("reasons", "list of string", "from `classify`") { $0.reasons },
        .init("metrics", "table", "the `classify` input of the latest snapshot") { $0.metrics },
        .init("settings.use_persistent_sessions", "bool", "current value") { $0.settings.usePersistentSessions },
        .init("settings.rollout_percentage", "int", "current value") { $0.settings.rolloutPercentage },
        .init("settings.max_persistent_sessions", "int", "current value") { $0.settings.maxPersistentSessions },
        .init("settings.persistent_session_timeout", "int seconds", "current value") { $0.settings.persistentSessionTimeout },
        .init("settings.cleanup_interval", "int seconds", "current value") { $0.settings.cleanupInterval },
        .init("actions_taken", "list of string", "action `type`s already carried out for this incident") { $0.actionsTaken },
        .init("source", PolicyField.oneOf(["monitor", "manual"]), "`manual`: declared over the admin API (`POST /api/v1/incidents`)") {
            $0.source
        },
        .init("resolution", PolicyField.oneOf(["recovered", "manual", ""]),
              "on `resolved`: the condition stayed gone, or a person resolved it; empty on other events") { $0.resolution },
    ]

    public static let note: String? = """
        The host stores the returned `level` and passes it back, resets `since_notified_seconds`
        whenever a call returned a non-empty `notify`, and appends the type of every action it carried
        out to `actions_taken`. `"changed"` is only for a severity that got **worse**. It carries out
        the actions first, so the pages list them, then sends one page per destination of the contacts
        file for all the roles named (see docs/operations.md, "Paging").
        """
}

/// The result of `escalate(i)`: whom to notify and what to switch off.
public struct EscalationDecision: Sendable, Equatable, Codable {
    /// A role to page; the contacts file says where the role is reached.
    public struct Notification: Sendable, Equatable, Codable {
        public var role: String
        /// `declaration`, `update` or `resolution`.
        public var template: String

        public init(role: String, template: String) {
            self.role = role
            self.template = template
        }
    }

    /// An effect the host carries out through the override mechanism.
    public enum Action: Sendable, Equatable, Codable {
        case disablePersistentSessions
        case setRolloutPercentage(Int)
        case setSessionLimits(maxSessions: Int, timeout: Int, cleanupInterval: Int)
        case emergencyCleanup
        case reloadLastGoodPolicies
        /// A step only a person can take (a database restore): recorded and listed in the pages.
        case advise(String)

        public var type: String {
            switch self {
            case .disablePersistentSessions: "disable_persistent_sessions"
            case .setRolloutPercentage: "set_rollout_percentage"
            case .setSessionLimits: "set_session_limits"
            case .emergencyCleanup: "emergency_cleanup"
            case .reloadLastGoodPolicies: "reload_last_good_policies"
            case .advise: "advise"
            }
        }
    }

    public static let templates = ["declaration", "update", "resolution"]
    /// A day: a longer cooldown would hide a recurring outage for good.
    public static let maxCooldownSeconds = 86_400

    public var level: Int
    public var notify: [Notification]
    public var actions: [Action]
    /// On `resolved`: for this long the same condition (this severity or milder) does not open a
    /// new incident; a worse one reopens this one.
    public var cooldownSeconds: Int

    public static let fields = [
        PolicyField("level", "int >= 0", "1 = declared audience, 2 = escalated audience"),
        PolicyField("notify", "list of `{role, template}`", "who hears about the incident now"),
        PolicyField("notify[].role", "string", "role name; the contacts file maps it to channels"),
        PolicyField("notify[].template", PolicyField.oneOf(templates), ""),
        PolicyField("actions", "list of action tables",
                    "carried out now, every one, in order (below); what runs only once is the policy's rule"),
        PolicyField("cooldown_seconds", "int 0..\(maxCooldownSeconds), optional",
                    "on `resolved`: how long the resolution is sticky (0 = not at all)"),
    ]

    public init(level: Int, notify: [Notification], actions: [Action], cooldownSeconds: Int = 0) {
        self.level = level
        self.notify = notify
        self.actions = actions
        self.cooldownSeconds = cooldownSeconds
    }

    init(_ value: LuaValue) throws(PolicyContractError) {
        let reader = try ResultReader(value)
        level = try reader.integer("level", min: 0)
        notify = try reader.tables("notify").map { (item) throws(PolicyContractError) in
            let template = try item.string("template")
            guard Self.templates.contains(template) else {
                throw PolicyContractError(field: "\(item.path).template", rule: "must be declaration, update or resolution")
            }
            let role = try item.string("role")
            guard !role.isEmpty, role.utf8.count <= 64 else {
                throw PolicyContractError(field: "\(item.path).role", rule: "must be a role name of 1–64 bytes")
            }
            return Notification(role: role, template: template)
        }
        actions = try reader.tables("actions").map(Self.action)
        cooldownSeconds = try reader.optionalInteger("cooldown_seconds", min: 0) ?? 0
        guard cooldownSeconds <= Self.maxCooldownSeconds else {
            throw PolicyContractError(field: "cooldown_seconds", rule: "must be at most \(Self.maxCooldownSeconds)")
        }
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
        case "advise":
            let text = try item.string("text")
            guard !text.isEmpty, text.utf8.count <= 500 else {
                throw PolicyContractError(field: "\(item.path).text", rule: "must be 1–500 bytes")
            }
            return .advise(text)
        default:
            throw PolicyContractError(
                field: "\(item.path).type", rule: "must be one of \(Action.fields.map(\.path).joined(separator: ", "))")
        }
    }
}

extension EscalationDecision.Action {
    /// Each action table: its `type`, the fields it carries (as the decoder above checks them)
    /// and what the host does (OperatorIncidentActions).
    public static let fields = [
        PolicyField("disable_persistent_sessions", "", "override `USE_PERSISTENT_SESSIONS=false`"),
        PolicyField("set_rollout_percentage", "`value` int 0..100", "override `GRADUAL_ROLLOUT_PERCENTAGE`"),
        PolicyField("set_session_limits",
                    "`max_sessions` int >= 1, `timeout` int seconds >= 60, `cleanup_interval` int seconds >= 1",
                    "override `MAX_PERSISTENT_SESSIONS`, `PERSISTENT_SESSION_TIMEOUT`, `CLEANUP_INTERVAL`"),
        PolicyField("emergency_cleanup", "", "run `plan` now; its evictions count as emergency ones"),
        PolicyField("reload_last_good_policies", "", "reload every policy file; a refused file keeps its last good version"),
        PolicyField("advise", "`text` string, 1..500 bytes", "a step only a person can take: recorded and listed in the pages"),
    ]
}
