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
        .init("GEMINI_MODEL", default: "gemini-2.0-flash", .text(nonEmpty: true), group: .llm,
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
    ]

    static let operations: [SettingSpec] = [
        .init("HEALTH_CHECK_INTERVAL", default: "30", .integer(min: 1, max: 3600), group: .operations,
              "Seconds between health checks of the incident monitor."),
    ]
}
