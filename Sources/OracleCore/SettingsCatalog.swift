/// Every configuration variable Oracle Chat reads, with the seeds' names.
///
/// `config/oracle-chat.env` documents the same list; a test keeps the two in step.
public enum SettingsCatalog {
    public static let all: [SettingSpec] = server + security + llm + sessions + policies + operations

    /// The spec of a name read at run time (a config file line, an override's URL); nil when no
    /// setting has that name.
    public static func spec(named name: String) -> SettingSpec? { SettingName(rawValue: name).map(spec) }

    public static func spec(_ setting: SettingName) -> SettingSpec {
        guard let spec = bySetting[setting] else { preconditionFailure("\(setting.rawValue) has no spec in SettingsCatalog") }
        return spec
    }

    private static let bySetting = Dictionary(uniqueKeysWithValues: all.map { ($0.setting, $0) })

    /// Every setting at its default, read like a loaded configuration: where code needs a
    /// setting's default without a configuration (a type's default argument), it reads it here,
    /// so each default is written once, in the spec.
    public static let defaults = LoadedConfig(values: [:])

    /// Names of variables that carry secrets; their values are redacted everywhere.
    public static var secretNames: [String] { all.filter(\.isSecret).map(\.name) }

    static let server: [SettingSpec] = [
        .init(.host, default: "127.0.0.1", .text(nonEmpty: true), group: .server,
              "Address the HTTP server listens on (`serve --host`)."),
        .init(.port, default: "8000", .integer(min: 0, max: 65535), group: .server,
              "TCP port of the HTTP server (`serve --port`); 0 picks a free port."),
        .init(.databaseURL, default: "data/oracle_sessions.db", .databaseURL, group: .server,
              "SQLite database: a file path or sqlite:// URL (`serve --database`). Created with its folder if missing. A URL of another database (postgres://, mysql://, ...) is refused by name."),
        .init(.logLevel, default: "info",
              .choice(["trace", "debug", "info", "notice", "warning", "error", "critical"]), group: .server,
              "Minimum level of log lines (case-insensitive)."),
        .init(.maxBodyBytes, default: "1048576", .integer(min: 1024, max: 67_108_864), group: .server,
              "Largest accepted request body in bytes; larger bodies get 413."),
        .init(.maxTitleLength, default: "200", .integer(min: 1, max: 10_000), group: .server,
              "Longest session title in characters (Unicode code points, as JSON Schema counts)."),
        .init(.maxMessageLength, default: "32000", .integer(min: 1, max: 1_000_000), group: .server,
              "Longest chat message in characters (Unicode code points, as JSON Schema counts)."),
        .init(.requestHeadTimeoutMs, default: "10000", .integer(min: 100, max: 600_000), group: .server,
              "Longest wait for a request's line and headers, from the connection's opening or a request's first byte; then 408 and the connection closes."),
        .init(.requestBodyTimeoutMs, default: "30000", .integer(min: 100, max: 3_600_000), group: .server,
              "Longest wait for a request's whole body once its headers have arrived; then 408 and the connection closes."),
        .init(.keepAliveTimeoutMs, default: "30000", .integer(min: 100, max: 3_600_000), group: .server,
              "How long a connection may sit idle between requests before the server closes it."),
        .init(.responseWriteTimeoutMs, default: "30000", .integer(min: 100, max: 3_600_000), group: .server,
              "Longest a client may leave a response unread (its receive buffer full) before the connection closes."),
        .init(.maxConnections, default: "1024", .integer(min: 1, max: 1_000_000), group: .server,
              "Most client connections open at once (lowered to fit the open-file limit); beyond it, new connections get 503 and close."),
        .init(.shutdownDrainTimeoutMs, default: "10000", .integer(min: 0, max: 600_000), group: .server,
              "On SIGTERM/SIGINT, how long requests in flight may finish; then the rest are closed and the process exits."),
        .init(.corsAllowedOrigins, default: "", .originList, group: .server,
              "Browser origins allowed to call the API (CORS), comma-separated, e.g. https://app.example.com; `*` allows any; empty: CORS off."),
    ]

    static let security: [SettingSpec] = [
        .init(.chatAPIKeys, default: "", .keyTenantMap, group: .security, secret: true,
              "Client API keys as key:tenant pairs, comma-separated. Empty: no client auth, one tenant `default`."),
        .init(.adminAPIKey, default: "", .text(nonEmpty: false), group: .security, secret: true,
              "Bearer key for admin routes, recorded as actor `admin` in audit trails. Empty (and ADMIN_API_KEYS empty): admin routes answer 403."),
        .init(.adminAPIKeys, default: "", .adminKeyList, group: .security, secret: true,
              "Named bearer keys for admin routes, name:key pairs, comma-separated (names [a-z0-9._-]+, each once; `admin` is ADMIN_API_KEY's). Every admin action records the key's name as its actor."),
        .init(.tenantLimits, default: "", .tenantLimits, group: .security,
              "Tenant quotas admission.lua enforces: `;`-separated `tenant:rpm=N,tpm=N,tpd=N` (requests per minute, tokens per minute, tokens per day; any may be left out), `*` for every tenant not named, e.g. `acme:rpm=60,tpm=100000;*:tpd=2000000`. Empty: no limits, every request is admitted."),
    ]

    static let llm: [SettingSpec] = [
        .init(.llmProvider, default: "auto", .choice(["auto", "offline", "gemini", "openai"]), group: .llm,
              "Which provider answers: auto picks gemini with GEMINI_API_KEY, openai with OPENAI_API_KEY or OPENAI_BASE_URL, else offline. Ignored when MODELS_FILE exists."),
        .init(.modelsFile, default: "config/models.yaml", .text(nonEmpty: true), group: .llm,
              "The model catalogue: providers (Gemini, any number of OpenAI-compatible APIs, keys from the environment) and the models clients may ask for, with aliases and routing tags (example: config/models.example.yaml). Checked by `config check`, reloaded within a second of an edit (a broken edit keeps the last good catalogue). Without the file, LLM_PROVIDER and its GEMINI_*/OPENAI_* settings are a one-model catalogue that answers to every model name."),
        .init(.geminiAPIKey, default: "", .text(nonEmpty: false), group: .llm, secret: true,
              "Google Gemini API key."),
        .init(.geminiModel, default: "gemini-2.5-flash", .text(nonEmpty: true), group: .llm,
              "Gemini model name."),
        .init(.geminiBaseURL, default: "https://generativelanguage.googleapis.com", .optionalURL, group: .llm,
              "Gemini API endpoint."),
        .init(.openAIAPIKey, default: "", .text(nonEmpty: false), group: .llm, secret: true,
              "Key for the OpenAI-compatible API (empty for servers that need none, e.g. Ollama)."),
        .init(.openAIModel, default: "gpt-4o-mini", .text(nonEmpty: true), group: .llm,
              "Model name sent to the OpenAI-compatible API."),
        .init(.openAIBaseURL, default: "", .optionalURL, group: .llm,
              "OpenAI-compatible endpoint, e.g. https://openrouter.ai/api/v1 or http://127.0.0.1:11434/v1 (default https://api.openai.com/v1)."),
        .init(.systemPrompt, default: "", .text(nonEmpty: false), group: .llm,
              "Optional system instruction sent before every conversation."),
        .init(.llmConnectTimeoutMs, default: "10000", .integer(min: 100, max: 600_000), group: .llm,
              "Longest wait for the TCP/TLS connection to the provider."),
        .init(.llmFirstByteTimeoutMs, default: "60000", .integer(min: 100, max: 3_600_000), group: .llm,
              "Longest wait from sending a request to the first byte of the answer's body."),
        .init(.llmIdleTimeoutMs, default: "30000", .integer(min: 100, max: 3_600_000), group: .llm,
              "Longest gap between two pieces of a streamed answer."),
        .init(.llmTotalTimeoutMs, default: "300000", .integer(min: 1000, max: 3_600_000), group: .llm,
              "Longest a single upstream request may take in all."),
        .init(.llmMaxAttempts, default: "3", .integer(min: 1, max: 10), group: .llm,
              "Attempts per request, including the first, on 408/429/5xx and connection errors."),
        .init(.llmRetryBaseDelayMs, default: "500", .integer(min: 1, max: 60_000), group: .llm,
              "First backoff delay; doubles per retry, with full jitter (Retry-After hints win)."),
        .init(.llmRetryMaxDelayMs, default: "8000", .integer(min: 1, max: 600_000), group: .llm,
              "Longest single backoff delay."),
        .init(.llmRetryBudgetMs, default: "30000", .integer(min: 0, max: 3_600_000), group: .llm,
              "Cap on the total time of one request across all its attempts, waits included."),
        .init(.llmBreakerWindow, default: "20", .integer(min: 1, max: 10_000), group: .llm,
              "Circuit breaker: number of recent requests whose failure rate is watched."),
        .init(.llmBreakerMinRequests, default: "5", .integer(min: 1, max: 10_000), group: .llm,
              "Circuit breaker: requests needed in the window before it may open."),
        .init(.llmBreakerFailureRate, default: "0.5", .number(min: 0.01, max: 1.0), group: .llm,
              "Circuit breaker: failure share (0.01–1) at which it opens."),
        .init(.llmBreakerOpenSeconds, default: "30", .integer(min: 1, max: 3600), group: .llm,
              "Circuit breaker: seconds it stays open before letting a probe through."),
        .init(.llmFallbackMessage,
              default: "The AI service is temporarily unavailable. Your message was saved; please try again shortly.",
              .text(nonEmpty: true), group: .llm,
              "Reply sent (flagged \"fallback\": true) when the provider is unavailable."),
        // On by default: without traffic nothing else notices an upstream that fails everything,
        // and one model lookup a minute costs no tokens; 0 suits a server without such a route.
        .init(.aiHealthProbeInterval, default: "60", .integer(min: 0, max: 3600), group: .llm,
              "Seconds between active AI health probes: a cheap model lookup (OpenAI-compatible `GET {base}/models`, Gemini `GET models/{model}`, 5 s timeout, not a user request) whose failure makes `/health/ai` degraded; the first runs one interval after startup. 60 shows a dead upstream within a minute without traffic, at no token cost; 0 turns probes off (e.g. a server without `/models`). The offline provider never probes."),
    ]

    static let sessions: [SettingSpec] = [
        .init(.usePersistentSessions, default: "false", .boolean, group: .sessions, overridable: true,
              "Master switch of the persistent-session cache."),
        .init(.gradualRolloutPercentage, default: "0", .integer(min: 0, max: 100), group: .sessions, overridable: true,
              "Share of sessions (sticky by session id) that use the persistent-session cache."),
        .init(.persistentSessionTimeout, default: "3600", .integer(min: 60, max: nil), group: .sessions, overridable: true,
              "Seconds a cached session may stay idle before cleanup evicts it."),
        .init(.maxPersistentSessions, default: "500", .integer(min: 1, max: 1_000_000), group: .sessions, overridable: true,
              "Most sessions kept in the cache; the least recently used beyond it are evicted."),
        .init(.sessionCacheMaxBytes, default: "33554432", .integer(min: 65_536, max: 17_179_869_184), group: .sessions, overridable: true,
              "Most bytes the cache's contexts may hold, by its estimate (their text plus a fixed allowance per turn and session; 32 MiB by default); the least recently used beyond it are evicted, and a context larger than the whole bound is not cached (its session is served from SQLite)."),
        .init(.cleanupInterval, default: "300", .integer(min: 1, max: 86_400), group: .sessions, overridable: true,
              "Seconds between cache cleanup runs."),
        .init(.enableSessionRecovery, default: "true", .boolean, group: .sessions, overridable: true,
              "Rebuild a persistent session's cached context from SQLite on a cache miss."),
        .init(.maxRecoveryHistoryMessages, default: "50", .integer(min: 1, max: 10_000), group: .sessions, overridable: true,
              "Most history messages sent upstream as context (and replayed on recovery)."),
        .init(.contextTokenBudget, default: "8000", .integer(min: 100, max: 10_000_000), group: .sessions, overridable: true,
              "Most history tokens (estimated as characters / 4) sent upstream; the oldest turns beyond it are dropped."),
        .init(.recoveryTimeoutSeconds, default: "30", .integer(min: 1, max: 3600), group: .sessions,
              "Longest a recovery may take before the stateless path is used instead."),
        .init(.emergencyCleanupThreshold, default: "0.95", .number(min: 0.1, max: 1.0), group: .sessions,
              "Cache fill ratio (0.1–1.0) at which cleanup switches to emergency mode."),
        .init(.cleanupBatchSize, default: "50", .integer(min: 1, max: 100_000), group: .sessions, overridable: true,
              "Most sessions evicted per cleanup run outside emergencies."),
        .init(.forceCleanupOnStartup, default: "false", .boolean, group: .sessions,
              "Start with an empty cache instead of warming it."),
        .init(.emergencyCleanupAllowUnauthenticated, default: "false", .boolean, group: .sessions,
              "Let POST /api/v1/sessions/cleanup/emergency run without an admin key (as the seed's memory-crisis runbook calls it); false: it needs one like every admin route."),
    ]

    static let policies: [SettingSpec] = [
        .init(.policiesDir, default: "policies", .text(nonEmpty: true), group: .policies,
              "Folder of the Lua policies (`serve --policies`)."),
        .init(.luaDir, default: "lua", .text(nonEmpty: true), group: .policies,
              "Folder of the Lua runtime files shipped with the host (test library)."),
        .init(.policyInstructionBudget, default: "1000000", .integer(min: 1000, max: 1_000_000_000), group: .policies,
              "Most Lua instructions one policy call may run; beyond it the call fails and the safe default applies."),
        .init(.policyMemoryLimitMB, default: "32", .integer(min: 1, max: 4096), group: .policies,
              "Memory cap of each policy's Lua state, in MiB."),
        .init(.policyTimeoutMs, default: "50", .integer(min: 1, max: 60_000), group: .policies,
              "Wall-clock limit of one policy call (and of a file's main body when it loads), in ms; beyond it the call stops and the safe default applies."),
        .init(.policyStates, default: "4", .integer(min: 1, max: 256), group: .policies,
              "Lua states per policy version: how many evaluations of one policy run at once."),
        .init(.policyWatchIntervalMs, default: "100", .integer(min: 10, max: 60_000), group: .policies,
              "How often the policy folder is checked for changed files."),
        .init(.decisionLogMaxRows, default: "10000", .integer(min: 0, max: 10_000_000), group: .policies,
              "Most recorded policy decisions kept in the database (oldest dropped first)."),
        .init(.decisionLogMaxBytes, default: "67108864", .integer(min: 0, max: 17_179_869_184), group: .policies,
              "Most bytes of recorded inputs, outputs and errors kept in the decision log; beyond it the oldest decisions are dropped when the log is written (each field is at most 16 KiB)."),
        .init(.decisionSampleRollout, default: "0.1", .number(min: 0, max: 1), group: .policies,
              "Share of rollout decisions recorded in the decision log (failures are always recorded)."),
        .init(.decisionSampleSeverity, default: "1", .number(min: 0, max: 1), group: .policies,
              "Share of severity decisions recorded."),
        .init(.decisionSampleCleanup, default: "1", .number(min: 0, max: 1), group: .policies,
              "Share of cleanup plans recorded."),
        .init(.decisionSampleEscalation, default: "1", .number(min: 0, max: 1), group: .policies,
              "Share of escalation decisions recorded."),
        .init(.decisionSampleAdmission, default: "0.01", .number(min: 0, max: 1), group: .policies,
              "Share of admission decisions recorded (one per /v1 and message request; failures are always recorded)."),
        .init(.decisionSampleRouting, default: "0.01", .number(min: 0, max: 1), group: .policies,
              "Share of routing decisions recorded (one per request when the catalogue has more than one model; failures are always recorded)."),
    ]

    static let operations: [SettingSpec] = [
        .init(.healthCheckInterval, default: "30", .integer(min: 1, max: 3600), group: .operations,
              "Seconds between ticks of the incident monitor (metrics snapshot → severity.lua → escalation.lua)."),
        .init(.incidentResolveAfter, default: "300", .integer(min: 0, max: 86_400), group: .operations,
              "Seconds the condition must stay gone before an open incident resolves by itself."),
        .init(.alertWebhookURL, default: "", .urlList, group: .operations, secret: true,
              "Webhook URL(s), comma-separated: without a contacts file, every role's pages go to each (Slack-compatible JSON POST) and to the log."),
        .init(.contactsFile, default: "config/contacts.yaml", .text(nonEmpty: true), group: .operations,
              "The contacts file: where each role escalation.lua names is reached (webhook, PagerDuty Events API v2, log); see `config/contacts.example.yaml`. Missing file: `ALERT_WEBHOOK_URL` and the log for every role."),
        .init(.notifyMaxAttempts, default: "8", .integer(min: 1, max: 100), group: .operations,
              "Delivery attempts per notification before it is marked failed (exponential backoff between)."),
        .init(.metricsWindowSeconds, default: "300", .integer(min: 10, max: 86_400), group: .operations,
              "Seconds of operations the monitoring endpoints and the incident monitor look back over (error rate, latency)."),
        .init(.backupDir, default: "backups", .text(nonEmpty: true), group: .operations,
              "Folder of database backups and configuration snapshots (`db backup`, `config backup`, the server's own backups)."),
        .init(.backupInterval, default: "0", .integer(min: 0, max: 604_800), group: .operations,
              "Seconds between the server's own online database backups; 0 turns them off."),
        .init(.backupKeep, default: "5", .integer(min: 0, max: 10_000), group: .operations,
              "Newest periodic backups kept in BACKUP_DIR (older oracle_sessions_*.db are removed); 0 keeps all. Emergency copies are never removed."),
    ]
}
