/// Every configuration variable Oracle Chat reads, with the seeds' names.
///
/// `config/oracle-chat.env` documents the same list; a test keeps the two in step.
public enum SettingsCatalog {
    public static let all: [SettingSpec] = server + security + llm + sessions + policies + operations

    public static func spec(named name: String) -> SettingSpec? { byName[name] }

    private static let byName = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    /// Names of variables that carry secrets; their values are redacted everywhere.
    public static var secretNames: [String] { all.filter(\.isSecret).map(\.name) }

    static let server: [SettingSpec] = [
        .init("HOST", default: "127.0.0.1", .text(nonEmpty: true), group: .server,
              "Address the HTTP server listens on (`serve --host`)."),
        .init("PORT", default: "8000", .integer(min: 0, max: 65535), group: .server,
              "TCP port of the HTTP server (`serve --port`); 0 picks a free port."),
        .init("DATABASE_URL", default: "data/oracle_sessions.db", .databaseURL, group: .server,
              "SQLite database: a file path or sqlite:// URL (`serve --database`). Created with its folder if missing."),
        .init("LOG_LEVEL", default: "info",
              .choice(["trace", "debug", "info", "notice", "warning", "error", "critical"]), group: .server,
              "Minimum level of log lines (case-insensitive)."),
        .init("MAX_BODY_BYTES", default: "1048576", .integer(min: 1024, max: 67_108_864), group: .server,
              "Largest accepted request body in bytes; larger bodies get 413."),
        .init("MAX_TITLE_LENGTH", default: "200", .integer(min: 1, max: 10_000), group: .server,
              "Longest session title in characters."),
        .init("MAX_MESSAGE_LENGTH", default: "32000", .integer(min: 1, max: 1_000_000), group: .server,
              "Longest chat message in characters."),
    ]

    static let security: [SettingSpec] = [
        .init("CHAT_API_KEYS", default: "", .keyTenantMap, group: .security, secret: true,
              "Client API keys as key:tenant pairs, comma-separated. Empty: no client auth, one tenant `default`."),
        .init("ADMIN_API_KEY", default: "", .text(nonEmpty: false), group: .security, secret: true,
              "Bearer key for admin routes. Empty: admin routes answer 403."),
    ]

    static let llm: [SettingSpec] = [
        .init("LLM_PROVIDER", default: "auto", .choice(["auto", "offline", "gemini", "openai"]), group: .llm,
              "Which provider answers: auto picks gemini with GEMINI_API_KEY, openai with OPENAI_API_KEY or OPENAI_BASE_URL, else offline."),
        .init("GEMINI_API_KEY", default: "", .text(nonEmpty: false), group: .llm, secret: true,
              "Google Gemini API key."),
        .init("GEMINI_MODEL", default: "gemini-2.5-flash", .text(nonEmpty: true), group: .llm,
              "Gemini model name."),
        .init("GEMINI_BASE_URL", default: "https://generativelanguage.googleapis.com", .optionalURL, group: .llm,
              "Gemini API endpoint."),
        .init("OPENAI_API_KEY", default: "", .text(nonEmpty: false), group: .llm, secret: true,
              "Key for the OpenAI-compatible API (empty for servers that need none, e.g. Ollama)."),
        .init("OPENAI_MODEL", default: "gpt-4o-mini", .text(nonEmpty: true), group: .llm,
              "Model name sent to the OpenAI-compatible API."),
        .init("OPENAI_BASE_URL", default: "", .optionalURL, group: .llm,
              "OpenAI-compatible endpoint, e.g. https://openrouter.ai/api/v1 or http://127.0.0.1:11434/v1 (default https://api.openai.com/v1)."),
        .init("SYSTEM_PROMPT", default: "", .text(nonEmpty: false), group: .llm,
              "Optional system instruction sent before every conversation."),
        .init("LLM_CONNECT_TIMEOUT_MS", default: "10000", .integer(min: 100, max: 600_000), group: .llm,
              "Longest wait for the TCP/TLS connection to the provider."),
        .init("LLM_FIRST_BYTE_TIMEOUT_MS", default: "60000", .integer(min: 100, max: 3_600_000), group: .llm,
              "Longest wait from sending a request to the first byte of the answer's body."),
        .init("LLM_IDLE_TIMEOUT_MS", default: "30000", .integer(min: 100, max: 3_600_000), group: .llm,
              "Longest gap between two pieces of a streamed answer."),
        .init("LLM_TOTAL_TIMEOUT_MS", default: "300000", .integer(min: 1000, max: 3_600_000), group: .llm,
              "Longest a single upstream request may take in all."),
        .init("LLM_MAX_ATTEMPTS", default: "3", .integer(min: 1, max: 10), group: .llm,
              "Attempts per request, including the first, on 408/429/5xx and connection errors."),
        .init("LLM_RETRY_BASE_DELAY_MS", default: "500", .integer(min: 1, max: 60_000), group: .llm,
              "First backoff delay; doubles per retry, with full jitter (Retry-After hints win)."),
        .init("LLM_RETRY_MAX_DELAY_MS", default: "8000", .integer(min: 1, max: 600_000), group: .llm,
              "Longest single backoff delay."),
        .init("LLM_RETRY_BUDGET_MS", default: "30000", .integer(min: 0, max: 3_600_000), group: .llm,
              "Cap on the total time of one request across all its attempts, waits included."),
        .init("LLM_BREAKER_WINDOW", default: "20", .integer(min: 1, max: 10_000), group: .llm,
              "Circuit breaker: number of recent requests whose failure rate is watched."),
        .init("LLM_BREAKER_MIN_REQUESTS", default: "5", .integer(min: 1, max: 10_000), group: .llm,
              "Circuit breaker: requests needed in the window before it may open."),
        .init("LLM_BREAKER_FAILURE_RATE", default: "0.5", .number(min: 0.01, max: 1.0), group: .llm,
              "Circuit breaker: failure share (0.01–1) at which it opens."),
        .init("LLM_BREAKER_OPEN_SECONDS", default: "30", .integer(min: 1, max: 3600), group: .llm,
              "Circuit breaker: seconds it stays open before letting a probe through."),
        .init("LLM_FALLBACK_MESSAGE",
              default: "The AI service is temporarily unavailable. Your message was saved; please try again shortly.",
              .text(nonEmpty: true), group: .llm,
              "Reply sent (flagged \"fallback\": true) when the provider is unavailable."),
    ]

    static let sessions: [SettingSpec] = [
        .init("USE_PERSISTENT_SESSIONS", default: "false", .boolean, group: .sessions, overridable: true,
              "Master switch of the persistent-session cache."),
        .init("GRADUAL_ROLLOUT_PERCENTAGE", default: "0", .integer(min: 0, max: 100), group: .sessions, overridable: true,
              "Share of sessions (sticky by session id) that use the persistent-session cache."),
        .init("PERSISTENT_SESSION_TIMEOUT", default: "3600", .integer(min: 60, max: nil), group: .sessions, overridable: true,
              "Seconds a cached session may stay idle before cleanup evicts it."),
        .init("MAX_PERSISTENT_SESSIONS", default: "500", .integer(min: 1, max: 1_000_000), group: .sessions, overridable: true,
              "Most sessions kept in the cache; the least recently used beyond it are evicted."),
        .init("CLEANUP_INTERVAL", default: "300", .integer(min: 1, max: 86_400), group: .sessions, overridable: true,
              "Seconds between cache cleanup runs."),
        .init("ENABLE_SESSION_RECOVERY", default: "true", .boolean, group: .sessions, overridable: true,
              "Rebuild a persistent session's cached context from SQLite on a cache miss."),
        .init("MAX_RECOVERY_HISTORY_MESSAGES", default: "50", .integer(min: 1, max: 10_000), group: .sessions, overridable: true,
              "Most history messages sent upstream as context (and replayed on recovery)."),
        .init("CONTEXT_TOKEN_BUDGET", default: "8000", .integer(min: 100, max: 10_000_000), group: .sessions, overridable: true,
              "Most history tokens (estimated as characters / 4) sent upstream; the oldest turns beyond it are dropped."),
        .init("RECOVERY_TIMEOUT_SECONDS", default: "30", .integer(min: 1, max: 3600), group: .sessions,
              "Longest a recovery may take before the stateless path is used instead."),
        .init("EMERGENCY_CLEANUP_THRESHOLD", default: "0.95", .number(min: 0.1, max: 1.0), group: .sessions,
              "Cache fill ratio (0.1–1.0) at which cleanup switches to emergency mode."),
        .init("CLEANUP_BATCH_SIZE", default: "50", .integer(min: 1, max: 100_000), group: .sessions, overridable: true,
              "Most sessions evicted per cleanup run outside emergencies."),
        .init("FORCE_CLEANUP_ON_STARTUP", default: "false", .boolean, group: .sessions,
              "Start with an empty cache instead of warming it."),
    ]

    static let policies: [SettingSpec] = [
        .init("POLICIES_DIR", default: "policies", .text(nonEmpty: true), group: .policies,
              "Folder of the Lua policies (`serve --policies`)."),
        .init("LUA_DIR", default: "lua", .text(nonEmpty: true), group: .policies,
              "Folder of the Lua runtime files shipped with the host (test library)."),
        .init("POLICY_INSTRUCTION_BUDGET", default: "1000000", .integer(min: 1000, max: 1_000_000_000), group: .policies,
              "Most Lua instructions one policy call may run; beyond it the call fails and the safe default applies."),
        .init("POLICY_MEMORY_LIMIT_MB", default: "32", .integer(min: 1, max: 4096), group: .policies,
              "Memory cap of each policy's Lua state, in MiB."),
        .init("POLICY_STATES", default: "4", .integer(min: 1, max: 256), group: .policies,
              "Lua states per policy version: how many evaluations of one policy run at once."),
        .init("POLICY_WATCH_INTERVAL_MS", default: "100", .integer(min: 10, max: 60_000), group: .policies,
              "How often the policy folder is checked for changed files."),
        .init("DECISION_LOG_MAX_ROWS", default: "10000", .integer(min: 0, max: 10_000_000), group: .policies,
              "Most recorded policy decisions kept in the database (oldest dropped first)."),
        .init("DECISION_LOG_MAX_BYTES", default: "67108864", .integer(min: 0, max: 17_179_869_184), group: .policies,
              "Most bytes of recorded inputs, outputs and errors kept in the decision log; beyond it the oldest decisions are dropped when the log is written (each field is at most 16 KiB)."),
        .init("DECISION_SAMPLE_ROLLOUT", default: "0.1", .number(min: 0, max: 1), group: .policies,
              "Share of rollout decisions recorded in the decision log (failures are always recorded)."),
        .init("DECISION_SAMPLE_SEVERITY", default: "1", .number(min: 0, max: 1), group: .policies,
              "Share of severity decisions recorded."),
        .init("DECISION_SAMPLE_CLEANUP", default: "1", .number(min: 0, max: 1), group: .policies,
              "Share of cleanup plans recorded."),
        .init("DECISION_SAMPLE_ESCALATION", default: "1", .number(min: 0, max: 1), group: .policies,
              "Share of escalation decisions recorded."),
    ]

    static let operations: [SettingSpec] = [
        .init("HEALTH_CHECK_INTERVAL", default: "30", .integer(min: 1, max: 3600), group: .operations,
              "Seconds between ticks of the incident monitor (metrics snapshot → severity.lua → escalation.lua)."),
        .init("INCIDENT_RESOLVE_AFTER", default: "300", .integer(min: 0, max: 86_400), group: .operations,
              "Seconds the condition must stay gone before an open incident resolves by itself."),
        .init("ALERT_WEBHOOK_URL", default: "", .urlList, group: .operations, secret: true,
              "Webhook URL(s), comma-separated, for incident notifications on the `webhook` channel (Slack/PagerDuty-compatible JSON POST)."),
        .init("NOTIFY_MAX_ATTEMPTS", default: "8", .integer(min: 1, max: 100), group: .operations,
              "Delivery attempts per notification before it is marked failed (exponential backoff between)."),
        .init("METRICS_WINDOW_SECONDS", default: "300", .integer(min: 10, max: 86_400), group: .operations,
              "Seconds of operations the monitoring endpoints and the incident monitor look back over (error rate, latency)."),
        .init("BACKUP_DIR", default: "backups", .text(nonEmpty: true), group: .operations,
              "Folder of database backups and configuration snapshots (`db backup`, `config backup`, the server's own backups)."),
        .init("BACKUP_INTERVAL", default: "0", .integer(min: 0, max: 604_800), group: .operations,
              "Seconds between the server's own online database backups; 0 turns them off."),
        .init("BACKUP_KEEP", default: "5", .integer(min: 0, max: 10_000), group: .operations,
              "Newest periodic backups kept in BACKUP_DIR (older oracle_sessions_*.db are removed); 0 keeps all. Emergency copies are never removed."),
    ]
}
