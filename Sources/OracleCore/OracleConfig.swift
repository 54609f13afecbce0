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
    /// `ADMIN_API_KEYS` and `ADMIN_API_KEY` (named `admin`) together.
    public var adminKeys: AdminKeys
    /// `TENANT_LIMITS`: each tenant's quotas, which admission.lua enforces.
    public var tenantLimits: TenantLimits
    /// `EMERGENCY_CLEANUP_ALLOW_UNAUTHENTICATED`: the emergency cleanup endpoint answers without an admin key.
    public var emergencyCleanupAllowUnauthenticated: Bool

    public var llm: LLMSettings
    public var sessions: SessionSettings
    public var policiesDirectory: String
    public var luaDirectory: String
    public var policyRuntime: PolicyRuntimeSettings
    public var healthCheckInterval: Int
    public var incidentResolveAfter: Int
    public var alertWebhookURLs: [String]
    /// `CONTACTS_FILE`: where escalation.lua's roles are reached.
    public var contactsFile: String
    /// `MODELS_FILE`: the model catalogue; absent, the single-provider settings are the catalogue.
    public var modelsFile: String
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
        /// `AI_HEALTH_PROBE_INTERVAL`: 0 = no active probe.
        public var healthProbeIntervalSeconds: Int
        /// `METRICS_WINDOW_SECONDS`: the window of the provider's own counts, so severity.lua
        /// judges the AI side over the same time as the error rate.
        public var healthWindowSeconds: Int

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
        /// The head limit of a connection past `MAX_CONNECTIONS` (liveness probes only). Not a
        /// setting: 2 s is what a probe needs; tests that hold such connections lengthen it.
        public var overflowHeadTimeoutMs = 2000

        public init(requestHeadTimeoutMs: Int, requestBodyTimeoutMs: Int, keepAliveTimeoutMs: Int,
                    responseWriteTimeoutMs: Int, maxConnections: Int, shutdownDrainTimeoutMs: Int,
                    corsAllowedOrigins: [String]) {
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
        /// Most estimated bytes the cached contexts may hold (`SESSION_CACHE_MAX_BYTES`).
        public var maxCacheBytes: Int
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
        let text = loaded.raw, int = loaded.integer, bool = loaded.flag, number = loaded.number
        func list(_ setting: SettingName) -> [String] {
            text(setting).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        host = text(.host)
        port = int(.port)
        database = loaded.value(.databaseURL, DatabaseLocation.parse)
        logLevel = loaded.value(.logLevel) { Logger.Level(rawValue: $0.lowercased()) }
        maxBodyBytes = int(.maxBodyBytes)
        maxTitleLength = int(.maxTitleLength)
        maxMessageLength = int(.maxMessageLength)
        connections = ConnectionSettings(
            requestHeadTimeoutMs: int(.requestHeadTimeoutMs), requestBodyTimeoutMs: int(.requestBodyTimeoutMs),
            keepAliveTimeoutMs: int(.keepAliveTimeoutMs), responseWriteTimeoutMs: int(.responseWriteTimeoutMs),
            maxConnections: int(.maxConnections),
            shutdownDrainTimeoutMs: int(.shutdownDrainTimeoutMs),
            corsAllowedOrigins: list(.corsAllowedOrigins))
        chatAPIKeys = loaded.value(.chatAPIKeys) { try? KeyTenantMap.parse($0) }
        tenantLimits = loaded.value(.tenantLimits) { try? TenantLimits.parse($0) }
        adminKeys = (try? AdminKeys.parse(text(.adminAPIKeys), legacyKey: text(.adminAPIKey).trimmingCharacters(in: .whitespaces)))
            ?? AdminKeys(namesByKey: [:])
        emergencyCleanupAllowUnauthenticated = bool(.emergencyCleanupAllowUnauthenticated)
        llm = LLMSettings(
            provider: text(.llmProvider).lowercased(),
            geminiAPIKey: text(.geminiAPIKey),
            geminiModel: text(.geminiModel),
            geminiBaseURL: text(.geminiBaseURL),
            openAIAPIKey: text(.openAIAPIKey),
            openAIModel: text(.openAIModel),
            openAIBaseURL: text(.openAIBaseURL),
            systemPrompt: text(.systemPrompt),
            connectTimeoutMs: int(.llmConnectTimeoutMs),
            firstByteTimeoutMs: int(.llmFirstByteTimeoutMs),
            idleTimeoutMs: int(.llmIdleTimeoutMs),
            totalTimeoutMs: int(.llmTotalTimeoutMs),
            maxAttempts: int(.llmMaxAttempts),
            retryBaseDelayMs: int(.llmRetryBaseDelayMs),
            retryMaxDelayMs: int(.llmRetryMaxDelayMs),
            retryBudgetMs: int(.llmRetryBudgetMs),
            breakerWindow: int(.llmBreakerWindow),
            breakerMinRequests: int(.llmBreakerMinRequests),
            breakerFailureRate: number(.llmBreakerFailureRate),
            breakerOpenSeconds: int(.llmBreakerOpenSeconds),
            fallbackMessage: text(.llmFallbackMessage),
            healthProbeIntervalSeconds: int(.aiHealthProbeInterval),
            healthWindowSeconds: int(.metricsWindowSeconds)
        )
        sessions = SessionSettings(
            usePersistentSessions: bool(.usePersistentSessions),
            rolloutPercentage: int(.gradualRolloutPercentage),
            sessionTimeout: int(.persistentSessionTimeout),
            maxSessions: int(.maxPersistentSessions),
            maxCacheBytes: int(.sessionCacheMaxBytes),
            cleanupInterval: int(.cleanupInterval),
            enableRecovery: bool(.enableSessionRecovery),
            maxRecoveryHistoryMessages: int(.maxRecoveryHistoryMessages),
            contextTokenBudget: int(.contextTokenBudget),
            recoveryTimeoutSeconds: int(.recoveryTimeoutSeconds),
            emergencyCleanupThreshold: number(.emergencyCleanupThreshold),
            cleanupBatchSize: int(.cleanupBatchSize),
            forceCleanupOnStartup: bool(.forceCleanupOnStartup)
        )
        policiesDirectory = text(.policiesDir)
        luaDirectory = text(.luaDir)
        policyRuntime = PolicyRuntimeSettings(
            instructionBudget: int(.policyInstructionBudget), memoryLimitMB: int(.policyMemoryLimitMB),
            timeoutMs: int(.policyTimeoutMs), states: int(.policyStates), watchIntervalMs: int(.policyWatchIntervalMs),
            decisionLogMaxRows: int(.decisionLogMaxRows), decisionLogMaxBytes: int(.decisionLogMaxBytes),
            sampleRates: [
                "rollout": number(.decisionSampleRollout), "severity": number(.decisionSampleSeverity),
                "cleanup": number(.decisionSampleCleanup), "escalation": number(.decisionSampleEscalation),
                "admission": number(.decisionSampleAdmission), "routing": number(.decisionSampleRouting),
            ])
        healthCheckInterval = int(.healthCheckInterval)
        incidentResolveAfter = int(.incidentResolveAfter)
        alertWebhookURLs = list(.alertWebhookURL)
        contactsFile = text(.contactsFile)
        modelsFile = text(.modelsFile)
        notifyMaxAttempts = int(.notifyMaxAttempts)
        resolved = loaded.values
    }

    /// Every secret value configured, so error texts can be scrubbed of them.
    public var secrets: [String] {
        (llm.secrets + adminKeys.keys + Array(chatAPIKeys.tenantsByKey.keys) + alertWebhookURLs).filter { !$0.isEmpty }
    }
}
