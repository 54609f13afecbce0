import Foundation
import OracleCore
import Testing

@Suite struct ConfigLoaderTests {
    func load(env: [String: String] = [:], flags: [String: String] = [:], file: String = "") async throws -> LoadedConfig {
        let dir = try TemporaryDirectoryForCore()
        defer { dir.remove() }
        let path = dir.path + "/test.env"
        try file.write(toFile: path, atomically: true, encoding: .utf8)
        return try await ConfigLoader.load(environment: env, flags: flags, configFile: path)
    }

    @Test func defaultsAreValid() async throws {
        let loaded = try await load()
        #expect(loaded.problems.isEmpty)
        let config = try loaded.validated()
        #expect(config.host == "127.0.0.1")
        #expect(config.port == 8000)
        #expect(config.database.path == "data/oracle_sessions.db")
        #expect(config.llm.effectiveProvider == "offline")
        #expect(config.sessions.isEnabled == false)
    }

    @Test func rolloutOutOfRangeNamesVariableAndRule() async throws {
        let loaded = try await load(env: ["GRADUAL_ROLLOUT_PERCENTAGE": "150"])
        #expect(loaded.problems == ["GRADUAL_ROLLOUT_PERCENTAGE must be an integer 0–100 (got \"150\")"])
    }

    @Test func decisionLogByteLimitIsASettingWithARule() async throws {
        #expect(try await load().validated().policyRuntime.decisionLogMaxBytes == 64 << 20)
        #expect(try await load(env: ["DECISION_LOG_MAX_BYTES": "1048576"]).validated().policyRuntime.decisionLogMaxBytes == 1 << 20)
        let loaded = try await load(env: ["DECISION_LOG_MAX_BYTES": "-1"])
        #expect(loaded.problems == ["DECISION_LOG_MAX_BYTES must be an integer 0–17179869184 (got \"-1\")"])
    }

    @Test func corsOriginsAreOriginsNotURLs() async throws {
        let origins = try await load(env: ["CORS_ALLOWED_ORIGINS": "https://app.example.com, http://localhost:5173"]).validated()
        #expect(origins.connections.corsAllowedOrigins == ["https://app.example.com", "http://localhost:5173"])
        #expect(try await load(env: ["CORS_ALLOWED_ORIGINS": "*"]).validated().connections.corsAllowedOrigins == ["*"])
        #expect(try await load().validated().connections.corsAllowedOrigins.isEmpty)
        for bad in ["https://app.example.com/path", "app.example.com", "ftp://x.example.com"] {
            let loaded = try await load(env: ["CORS_ALLOWED_ORIGINS": bad])
            #expect(loaded.problems.count == 1, "\(bad)")
            #expect(loaded.problems.first?.hasPrefix("CORS_ALLOWED_ORIGINS must be empty, * or comma-separated origins") == true)
        }
    }

    @Test func connectionLimitsAreSettings() async throws {
        let config = try await load(env: ["REQUEST_HEAD_TIMEOUT_MS": "2500", "MAX_CONNECTIONS": "64"]).validated()
        #expect(config.connections.requestHeadTimeoutMs == 2500)
        #expect(config.connections.maxConnections == 64)
        #expect(config.connections.shutdownDrainTimeoutMs == 10_000)
        let loaded = try await load(env: ["MAX_CONNECTIONS": "0"])
        #expect(loaded.problems == ["MAX_CONNECTIONS must be an integer 1–1000000 (got \"0\")"])
    }

    @Test func timeoutBelowMinimumNamesRule() async throws {
        let loaded = try await load(env: ["PERSISTENT_SESSION_TIMEOUT": "30"])
        #expect(loaded.problems == ["PERSISTENT_SESSION_TIMEOUT must be >= 60 (got \"30\")"])
    }

    @Test func everyProblemIsReported() async throws {
        let loaded = try await load(env: [
            "PORT": "eighty", "USE_PERSISTENT_SESSIONS": "maybe", "EMERGENCY_CLEANUP_THRESHOLD": "2",
            "LOG_LEVEL": "loud", "DATABASE_URL": "sqlite://",
        ])
        let names = loaded.problems.map { String($0.prefix(while: { $0 != " " })) }
        #expect(Set(names) == ["PORT", "USE_PERSISTENT_SESSIONS", "EMERGENCY_CLEANUP_THRESHOLD", "LOG_LEVEL", "DATABASE_URL"])
        #expect(throws: ConfigProblems.self) { try loaded.validated() }
    }

    @Test func secretValuesAreNeverEchoed() async throws {
        let loaded = try await load(env: ["CHAT_API_KEYS": "short-secret:tenant"])
        #expect(loaded.problems.count == 1)
        #expect(!loaded.problems[0].contains("short-secret"))
    }

    @Test func layersFlagOverEnvironmentOverFileOverDefault() async throws {
        let loaded = try await load(
            env: ["PORT": "9001", "HOST": "0.0.0.0"],
            flags: ["PORT": "9002"],
            file: "PORT=9000\nHOST=10.0.0.1\nMAX_TITLE_LENGTH=99\n")
        let config = try loaded.validated()
        #expect(config.port == 9002)
        #expect(loaded.values["PORT"]?.origin == .flag)
        #expect(config.host == "0.0.0.0")
        #expect(loaded.values["HOST"]?.origin == .environment)
        #expect(config.maxTitleLength == 99)
        #expect(loaded.values["LOG_LEVEL"]?.origin == .default)
    }

    @Test func unknownNamesInFileAreWarned() async throws {
        let loaded = try await load(file: "LOG_SESSION_OPERATIONS=true\n# COMMENTED=1\n")
        #expect(loaded.warnings.count == 1)
        #expect(loaded.warnings[0].hasPrefix("LOG_SESSION_OPERATIONS"))
    }

    @Test func geminiNeedsItsKey() async throws {
        let loaded = try await load(env: ["LLM_PROVIDER": "gemini"])
        #expect(loaded.problems == ["GEMINI_API_KEY must be set when LLM_PROVIDER=gemini"])
        let auto = try await load(env: ["GEMINI_API_KEY": "k-123456789"]).validated()
        #expect(auto.llm.effectiveProvider == "gemini")
    }

    @Test func databaseURLForms() {
        #expect(DatabaseLocation.parse("sqlite:///var/lib/oc.db")?.path == "/var/lib/oc.db")
        #expect(DatabaseLocation.parse("sqlite://data/x.db")?.path == "data/x.db")
        #expect(DatabaseLocation.parse("data/x.db")?.path == "data/x.db")
        #expect(DatabaseLocation.parse("") == nil)
        #expect(DatabaseLocation.parse("sqlite://") == nil)
    }

    /// A URL of a database this build cannot serve is refused by name, its password never shown;
    /// it was once taken for a file path under a folder named `postgres:`.
    @Test func anotherDatabasesURLIsRefusedNamingIt() async throws {
        let loaded = try await load(env: ["DATABASE_URL": "postgres://oracle:s3cret-pass@127.0.0.1:5432/oracle"])
        #expect(loaded.problems == [
            "DATABASE_URL must be a SQLite file path or sqlite:// URL; a PostgreSQL URL is a database this build cannot serve (got \"postgres://oracle:[redacted]@127.0.0.1:5432/oracle\")",
        ])
        #expect(DatabaseLocation.parse("postgresql://h/db") == nil && DatabaseLocation.parse("mysql://h/db") == nil)
        #expect(DatabaseLocation.problem("mysql://h/db")?.contains("a mysql:// URL") == true)
        #expect(DatabaseLocation.parse("data/odd://name.db")?.path == "data/odd://name.db", "a path that merely contains :// is not a URL")
        let spec = SettingsCatalog.all.first { $0.setting == .databaseURL }!
        #expect(spec.display("postgres://u:pw@h:5432/d?sslmode=require") == "postgres://u:[redacted]@h:5432/d?sslmode=require")
        #expect(spec.display("postgres://u@h/d") == "postgres://u@h/d" && spec.display("data/x.db") == "data/x.db")
    }

    @Test func chatKeysMapToTenants() throws {
        let map = try KeyTenantMap.parse("aaaaaaaaaaaaaaaa1:acme, bbbbbbbbbbbbbbbb2")
        #expect(map.tenant(forKey: "aaaaaaaaaaaaaaaa1") == "acme")
        #expect(map.tenant(forKey: "bbbbbbbbbbbbbbbb2") == "default")
        #expect(map.tenant(forKey: "aaaaaaaaaaaaaaaa") == nil)
    }

    @Test func redactorRemovesSecrets() {
        let redactor = Redactor(secrets: ["sk-abcdef", "sk-abc"])
        #expect(redactor.redact("key sk-abcdef and sk-abc") == "key [redacted] and [redacted]")
    }
}

/// OracleCoreTests depends on OracleCore only; a tiny temp folder helper.
struct TemporaryDirectoryForCore {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "oracle-core-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func remove() { try? FileManager.default.removeItem(atPath: path) }
}
