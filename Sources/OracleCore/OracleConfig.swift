import Foundation
import Logging

/// The validated configuration the server runs with. Build it with ``ConfigLoader``.
public struct OracleConfig: Sendable {
    public var host: String
    public var port: Int
    public var database: DatabaseLocation
    public var logLevel: Logger.Level
    public var maxBodyBytes: Int
    public var maxTitleLength: Int
    public var maxMessageLength: Int
    public var connections: ConnectionSettings

    public var chatAPIKeys: KeyTenantMap
    public var adminAPIKey: String

    public var llm: LLMSettings
    public var sessions: SessionSettings
    public var policiesDirectory: String
    public var luaDirectory: String
    public var policyRuntime: PolicyRuntimeSettings
    public var healthCheckInterval: Int
    public var incidentResolveAfter: Int
    public var alertWebhookURLs: [String]
    public var notifyMaxAttempts: Int

    /// The raw values with origins, for `config check` and diagnostics (secrets redacted there).
    public var resolved: [String: ResolvedValue]

    public struct LLMSettings: Sendable {
        public var provider: String
        public var geminiAPIKey: String
        public var geminiModel: String
        public var geminiBaseURL: String
        public var openAIAPIKey: String
        public var openAIModel: String
        public var openAIBaseURL: String
        public var systemPrompt: String
        public var connectTimeoutMs: Int
        public var firstByteTimeoutMs: Int
        public var idleTimeoutMs: Int
        public var totalTimeoutMs: Int
        public var maxAttempts: Int
        public var retryBaseDelayMs: Int
        public var retryMaxDelayMs: Int
        public var retryBudgetMs: Int
        public var breakerWindow: Int
        public var breakerMinRequests: Int
        public var breakerFailureRate: Double
        public var breakerOpenSeconds: Int
        public var fallbackMessage: String

        /// `offline`, `gemini` or `openai` after resolving `auto`.
        public var effectiveProvider: String {
            switch provider {
            case "auto":
                if !geminiAPIKey.isEmpty { return "gemini" }
                if !openAIAPIKey.isEmpty || !openAIBaseURL.isEmpty { return "openai" }
                return "offline"
            default: return provider
            }
        }

        /// Every secret value, for redaction of error texts.
        public var secrets: [String] { [geminiAPIKey, openAIAPIKey].filter { !$0.isEmpty } }
    }

    /// What one client connection may take: time for each phase of a request, how many connections,
    /// how long shutdown waits, and which browser origins may call.
    public struct ConnectionSettings: Sendable, Equatable {
        public var requestHeadTimeoutMs: Int
        public var requestBodyTimeoutMs: Int
        public var keepAliveTimeoutMs: Int
        public var responseWriteTimeoutMs: Int
        public var maxConnections: Int
        public var shutdownDrainTimeoutMs: Int
        /// Empty: CORS off; `["*"]`: any origin.
        public var corsAllowedOrigins: [String]

        public init(requestHeadTimeoutMs: Int = 10_000, requestBodyTimeoutMs: Int = 30_000, keepAliveTimeoutMs: Int = 30_000,
                    responseWriteTimeoutMs: Int = 30_000, maxConnections: Int = 1024, shutdownDrainTimeoutMs: Int = 10_000,
                    corsAllowedOrigins: [String] = []) {
            self.requestHeadTimeoutMs = requestHeadTimeoutMs
            self.requestBodyTimeoutMs = requestBodyTimeoutMs
            self.keepAliveTimeoutMs = keepAliveTimeoutMs
            self.responseWriteTimeoutMs = responseWriteTimeoutMs
            self.maxConnections = maxConnections
            self.shutdownDrainTimeoutMs = shutdownDrainTimeoutMs
            self.corsAllowedOrigins = corsAllowedOrigins
        }
    }

    /// Limits and bookkeeping of the Lua policy host.
    public struct PolicyRuntimeSettings: Sendable {
        public var instructionBudget: Int
        public var memoryLimitMB: Int
        /// Wall-clock limit of one call, in milliseconds.
        public var timeoutMs: Int
        public var states: Int
        public var watchIntervalMs: Int
        public var decisionLogMaxRows: Int
        /// Most bytes of recorded inputs, outputs and errors in the decision log.
        public var decisionLogMaxBytes: Int
        /// Per policy name: the share of decisions recorded.
        public var sampleRates: [String: Double]
    }

    /// The persistent-session settings; the overridable ones can change at run time.
    public struct SessionSettings: Sendable, Equatable, Codable {
        public var usePersistentSessions: Bool
        public var rolloutPercentage: Int
        public var sessionTimeout: Int
        public var maxSessions: Int
        public var cleanupInterval: Int
        public var enableRecovery: Bool
        public var maxRecoveryHistoryMessages: Int
        /// Most estimated history tokens sent upstream (`CONTEXT_TOKEN_BUDGET`).
        public var contextTokenBudget: Int
        public var recoveryTimeoutSeconds: Int
        public var emergencyCleanupThreshold: Double
        public var cleanupBatchSize: Int
        public var forceCleanupOnStartup: Bool

        /// What `/health` reports as `services.persistent_sessions`.
        public var isEnabled: Bool { usePersistentSessions && rolloutPercentage > 0 }
    }

    init(_ loaded: LoadedConfig) {
        func int(_ name: String) -> Int { Int(loaded.raw(name).trimmingCharacters(in: .whitespaces)) ?? 0 }
        func bool(_ name: String) -> Bool { SettingRule.parseBool(loaded.raw(name)) ?? false }
        func text(_ name: String) -> String { loaded.raw(name) }
        host = text("HOST")
        port = int("PORT")
        database = DatabaseLocation.parse(text("DATABASE_URL")) ?? DatabaseLocation(path: "data/oracle_sessions.db")
        logLevel = Logger.Level(rawValue: text("LOG_LEVEL").lowercased()) ?? .info
        maxBodyBytes = int("MAX_BODY_BYTES")
        maxTitleLength = int("MAX_TITLE_LENGTH")
        maxMessageLength = int("MAX_MESSAGE_LENGTH")
        connections = ConnectionSettings(
            requestHeadTimeoutMs: int("REQUEST_HEAD_TIMEOUT_MS"), requestBodyTimeoutMs: int("REQUEST_BODY_TIMEOUT_MS"),
            keepAliveTimeoutMs: int("KEEP_ALIVE_TIMEOUT_MS"), responseWriteTimeoutMs: int("RESPONSE_WRITE_TIMEOUT_MS"),
            maxConnections: int("MAX_CONNECTIONS"),
            shutdownDrainTimeoutMs: int("SHUTDOWN_DRAIN_TIMEOUT_MS"),
            corsAllowedOrigins: text("CORS_ALLOWED_ORIGINS").split(separator: ",")
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        chatAPIKeys = (try? KeyTenantMap.parse(text("CHAT_API_KEYS"))) ?? KeyTenantMap(tenantsByKey: [:])
        adminAPIKey = text("ADMIN_API_KEY")
        llm = LLMSettings(
            provider: text("LLM_PROVIDER").lowercased(),
            geminiAPIKey: text("GEMINI_API_KEY"),
            geminiModel: text("GEMINI_MODEL"),
            geminiBaseURL: text("GEMINI_BASE_URL"),
            openAIAPIKey: text("OPENAI_API_KEY"),
            openAIModel: text("OPENAI_MODEL"),
            openAIBaseURL: text("OPENAI_BASE_URL"),
            systemPrompt: text("SYSTEM_PROMPT"),
            connectTimeoutMs: int("LLM_CONNECT_TIMEOUT_MS"),
            firstByteTimeoutMs: int("LLM_FIRST_BYTE_TIMEOUT_MS"),
            idleTimeoutMs: int("LLM_IDLE_TIMEOUT_MS"),
            totalTimeoutMs: int("LLM_TOTAL_TIMEOUT_MS"),
            maxAttempts: int("LLM_MAX_ATTEMPTS"),
            retryBaseDelayMs: int("LLM_RETRY_BASE_DELAY_MS"),
            retryMaxDelayMs: int("LLM_RETRY_MAX_DELAY_MS"),
            retryBudgetMs: int("LLM_RETRY_BUDGET_MS"),
            breakerWindow: int("LLM_BREAKER_WINDOW"),
            breakerMinRequests: int("LLM_BREAKER_MIN_REQUESTS"),
            breakerFailureRate: Double(text("LLM_BREAKER_FAILURE_RATE")) ?? 0.5,
            breakerOpenSeconds: int("LLM_BREAKER_OPEN_SECONDS"),
            fallbackMessage: text("LLM_FALLBACK_MESSAGE")
        )
        sessions = SessionSettings(
            usePersistentSessions: bool("USE_PERSISTENT_SESSIONS"),
            rolloutPercentage: int("GRADUAL_ROLLOUT_PERCENTAGE"),
            sessionTimeout: int("PERSISTENT_SESSION_TIMEOUT"),
            maxSessions: int("MAX_PERSISTENT_SESSIONS"),
            cleanupInterval: int("CLEANUP_INTERVAL"),
            enableRecovery: bool("ENABLE_SESSION_RECOVERY"),
            maxRecoveryHistoryMessages: int("MAX_RECOVERY_HISTORY_MESSAGES"),
            contextTokenBudget: int("CONTEXT_TOKEN_BUDGET"),
            recoveryTimeoutSeconds: int("RECOVERY_TIMEOUT_SECONDS"),
            emergencyCleanupThreshold: Double(text("EMERGENCY_CLEANUP_THRESHOLD")) ?? 0.95,
            cleanupBatchSize: int("CLEANUP_BATCH_SIZE"),
            forceCleanupOnStartup: bool("FORCE_CLEANUP_ON_STARTUP")
        )
        policiesDirectory = text("POLICIES_DIR")
        luaDirectory = text("LUA_DIR")
        policyRuntime = PolicyRuntimeSettings(
            instructionBudget: int("POLICY_INSTRUCTION_BUDGET"), memoryLimitMB: int("POLICY_MEMORY_LIMIT_MB"),
            timeoutMs: int("POLICY_TIMEOUT_MS"), states: int("POLICY_STATES"), watchIntervalMs: int("POLICY_WATCH_INTERVAL_MS"),
            decisionLogMaxRows: int("DECISION_LOG_MAX_ROWS"), decisionLogMaxBytes: int("DECISION_LOG_MAX_BYTES"),
            sampleRates: Dictionary(uniqueKeysWithValues: ["rollout", "severity", "cleanup", "escalation"].map {
                ($0, Double(text("DECISION_SAMPLE_\($0.uppercased())")) ?? 1)
            }))
        healthCheckInterval = int("HEALTH_CHECK_INTERVAL")
        incidentResolveAfter = int("INCIDENT_RESOLVE_AFTER")
        alertWebhookURLs = text("ALERT_WEBHOOK_URL").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        notifyMaxAttempts = int("NOTIFY_MAX_ATTEMPTS")
        resolved = loaded.values
    }

    /// Every secret value configured, so error texts can be scrubbed of them.
    public var secrets: [String] {
        (llm.secrets + [adminAPIKey] + Array(chatAPIKeys.tenantsByKey.keys) + alertWebhookURLs).filter { !$0.isEmpty }
    }
}
