import Foundation
import HTTPServer
import Hummingbird
import HummingbirdTesting
import LLM
import Logging
import OracleCore
import Policies
import Storage
import Synchronization
import Testing
import TestSupport

let adminKey = "admin-key-0123456789"
let adminAuth: HTTPFields = [.authorization: "Bearer \(adminKey)"]

/// Runs a test against the full application with the shipped policies and an admin key, on the
/// database file `database` (kept between calls when given, for restart tests).
func withSessionApp(
    _ settings: [String: String] = [:], database: String? = nil, logger: Logger = Logger(label: "test"),
    _ test: @escaping @Sendable (any TestClientProtocol, ServerState) async throws -> Void
) async throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    var values = ["ADMIN_API_KEY": adminKey]
    values["DATABASE_URL"] = database
    values.merge(settings) { $1 }
    let config = try await TestConfig.make(values, in: dir)
    let store = try SQLiteStore(location: config.database)
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    let policies = PolicyHost(configuration: .init(policiesDirectory: root + "/policies", luaDirectory: root + "/lua"),
                              store: store, logger: logger)
    let state = ServerState(config: config, store: store, provider: OfflineProvider(), logger: logger, policies: policies)
    let app = OracleApplication.make(state: state, logger: logger)
    try await app.test(.router) { client in try await test(client, state) }
    try store.close()
}

extension TestClientProtocol {
    func put(_ uri: String, _ json: String, headers: HTTPFields = adminAuth) async throws -> TestResponse {
        try await execute(uri: uri, method: .put, headers: headers, body: ByteBuffer(string: json))
    }

    func sessionsHealth() async throws -> [String: Any] {
        try await get("/api/v1/monitoring/health/sessions").json["session_management"] as? [String: Any] ?? [:]
    }

    func persistentSessions() async throws -> String? {
        (try await get("/health").json["services"] as? [String: Any])?["persistent_sessions"] as? String
    }
}

@Suite struct SessionCacheAppTests {
    @Test func monitoringShowsTheFieldsTheSeedScriptsRead() async throws {
        try await withSessionApp(["USE_PERSISTENT_SESSIONS": "true", "GRADUAL_ROLLOUT_PERCENTAGE": "100"]) { client, _ in
            let empty = try await client.sessionsHealth()
            #expect(empty["active_sessions"] as? Int == 0)
            #expect(((empty["cache_performance"] as? [String: Any])?["cache_hit_ratio"] as? NSNumber)?.doubleValue == 0)

            let id = try await client.createSession()
            for n in 1...4 {
                #expect(try await client.post("/api/v1/sessions/\(id)/messages", #"{"content":"q\#(n)"}"#).status == .ok)
            }
            let management = try await client.sessionsHealth()
            #expect(management["active_sessions"] as? Int == 1)
            let performance = management["cache_performance"] as? [String: Any]
            #expect((performance?["cache_hit_ratio"] as? NSNumber)?.doubleValue == 1.0, "the first message of a new session is no miss")
            #expect(performance?["hits"] as? Int == 3 && performance?["misses"] as? Int == 0)
            #expect(management["persistent_sessions"] as? String == "enabled")
            #expect(management["rollout_percentage"] as? Int == 100)
            #expect(management["capacity"] as? Int == 500)
            #expect((management["evictions"] as? [String: Any])?["lru"] as? Int == 0)
        }
    }

    /// Past `SESSION_CACHE_MAX_BYTES` the least recently used sessions go, and the monitoring
    /// shows the bytes held under their bound.
    @Test func monitoringShowsTheByteBoundKept() async throws {
        let settings = ["USE_PERSISTENT_SESSIONS": "true", "GRADUAL_ROLLOUT_PERCENTAGE": "100",
                        "SESSION_CACHE_MAX_BYTES": "65536", "CONTEXT_TOKEN_BUDGET": "100000"]
        try await withSessionApp(settings) { client, _ in
            let big = String(repeating: "x", count: 30_000)
            for _ in 0..<3 {
                let id = try await client.createSession()
                #expect(try await client.post("/api/v1/sessions/\(id)/messages", #"{"content":"\#(big)"}"#).status == .ok)
            }
            let management = try await client.sessionsHealth()
            #expect(management["active_sessions"] as? Int == 2, "two 30 KB contexts fit in 64 KiB, three do not")
            #expect(management["capacity_bytes"] as? Int == 65_536)
            let bytes = try #require(management["cache_bytes"] as? Int)
            #expect(bytes > 60_000 && bytes <= 65_536)
            #expect((management["evictions"] as? [String: Any])?["lru"] as? Int == 1)
        }
    }

    @Test func deletingASessionDropsItsCachedContext() async throws {
        try await withSessionApp(["USE_PERSISTENT_SESSIONS": "true", "GRADUAL_ROLLOUT_PERCENTAGE": "100"]) { client, state in
            let id = try await client.createSession()
            _ = try await client.post("/api/v1/sessions/\(id)/messages", #"{"content":"hello"}"#)
            #expect(state.sessionCache.contains(id))
            #expect(try await client.execute(uri: "/api/v1/sessions/\(id)", method: .delete).status == .noContent)
            #expect(!state.sessionCache.contains(id))
        }
    }

    /// After a restart the cache is warmed with the sessions active before it, and the rollout
    /// policy answers that warming: the policies are active before anything consults them.
    @Test(.timeLimit(.minutes(5)))
    func aRestartWarmsTheCacheWithThePoliciesAlreadyActive() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let database = dir.file("restarted.db")
        let settings = ["USE_PERSISTENT_SESSIONS": "true", "GRADUAL_ROLLOUT_PERCENTAGE": "100"]
        let session = Mutex("")
        try await withSessionApp(settings, database: database) { client, _ in
            let id = try await client.createSession()
            #expect(try await client.post("/api/v1/sessions/\(id)/messages", #"{"content":"hello"}"#).status == .ok)
            session.withLock { $0 = id }
        }
        let id = session.withLock { $0 }
        let logs = LogCapture()
        try await withSessionApp(settings, database: database, logger: logs.logger) { client, state in
            let warmed = try await logs.line(containing: "session cache warmed")
            #expect(warmed.contains("session_cache.warmed=1"), "\(warmed)")
            #expect(state.sessionCache.contains(id))
            let rollout = try await state.policies?.decisionLog.recent(policy: .rollout) ?? []
            #expect(rollout.allSatisfy { !$0.fallback }, "\(rollout.compactMap(\.error))")
            let unanswered = logs.text.split(separator: "\n").filter { $0.contains("no active version") }
            #expect(unanswered.isEmpty, "\(unanswered.first ?? "")")
            #expect(try await client.sessionsHealth()["active_sessions"] as? Int == 1)
        }
    }

    @Test func emergencyCleanupIsForbiddenWithoutAnAdminKey() async throws {
        try await withSessionApp(["ADMIN_API_KEY": ""]) { client, _ in
            let response = try await client.post("/api/v1/sessions/cleanup/emergency", "", headers: adminAuth)
            #expect(response.status == .forbidden)
        }
    }
}
