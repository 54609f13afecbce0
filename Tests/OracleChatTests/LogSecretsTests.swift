import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TestSupport
import Testing

/// `oracle-chat serve` at `LOG_LEVEL=trace` — which writes every line any other level writes, and
/// more — with every kind of secret configured and used: none of them reaches the log.
@Suite struct LogSecretsTests {
    static let clientKey = "client-key-5e1f0c0ffee0001"
    static let adminKey = "admin-key-9d2b7e4a1c3f0002"
    static let openAIKey = "sk-openai-secret-7c4d0003"
    static let geminiKey = "gemini-secret-b8a1e0004"
    static let webhookToken = "hooktoken0005"
    static let webhookPassword = "hookpass0006"
    static let namedAdminKey = "named-admin-key-3f7a0007"

    @Test func noSecretAppearsInATraceLog() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // An upstream that refuses connections: every send fails and logs its error path.
        let closedPort = try Self.unusedPort()
        let server = try await ServerProcess(environment: [
            "DATABASE_URL": "sqlite://" + dir.file("data/oracle_sessions.db"), "LOG_LEVEL": "trace",
            "POLICIES_DIR": MetricsServeTests.root + "/policies", "LUA_DIR": MetricsServeTests.root + "/lua",
            "CHAT_API_KEYS": "\(Self.clientKey):acme", "ADMIN_API_KEY": Self.adminKey,
            "ADMIN_API_KEYS": "ops.carol:\(Self.namedAdminKey)",
            "LLM_PROVIDER": "openai", "OPENAI_API_KEY": Self.openAIKey, "OPENAI_BASE_URL": "http://127.0.0.1:\(closedPort)/v1",
            "GEMINI_API_KEY": Self.geminiKey, "LLM_MAX_ATTEMPTS": "2", "LLM_RETRY_BASE_DELAY_MS": "1",
            "ALERT_WEBHOOK_URL": "http://ops:\(Self.webhookPassword)@127.0.0.1:\(closedPort)/hooks/\(Self.webhookToken)",
        ])
        let client = ["Authorization": "Bearer \(Self.clientKey)"]
        let (created, session) = try await Self.fetch(server, "POST", "/api/v1/sessions", #"{"title":"s"}"#, client)
        #expect(created == 201)
        let id = session["id"] as? String ?? "none"
        // The provider is unreachable: the answer is the configured fallback.
        let (sent, reply) = try await Self.fetch(server, "POST", "/api/v1/sessions/\(id)/messages", #"{"content":"hi"}"#, client)
        #expect(sent == 200 && reply["fallback"] as? Bool == true)
        let (wrong, _) = try await Self.fetch(server, "GET", "/api/v1/sessions", nil, ["Authorization": "Bearer \(Self.adminKey)x"])
        #expect(wrong == 401)
        let (admin, _) = try await Self.fetch(server, "GET", "/api/v1/policies/decisions", nil, ["Authorization": "Bearer \(Self.adminKey)"])
        #expect(admin == 200)
        // A named key's action is logged under its name, never its key.
        let (set, _) = try await Self.fetch(server, "PUT", "/api/v1/admin/overrides/CLEANUP_BATCH_SIZE",
                                            #"{"value": 60, "reason": "audit"}"#, ["Authorization": "Bearer \(Self.namedAdminKey)"])
        #expect(set == 200)
        let (completion, _) = try await Self.fetch(server, "POST", "/v1/chat/completions",
                                                   #"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#, client)
        #expect(completion == 502, "/v1 answers an unreachable provider honestly, never with the fallback")
        let log = await server.stopAndReadLog()
        #expect(log.contains("trace"), "the log is at trace level")
        #expect(log.contains("ops.carol"), "the override's log line names the key")
        for secret in [Self.clientKey, Self.adminKey, Self.namedAdminKey, Self.openAIKey, Self.geminiKey, Self.webhookToken,
                       Self.webhookPassword] {
            #expect(!log.contains(secret), "\(secret) appears in the log")
        }
    }

    static func fetch(_ server: ServerProcess, _ method: String, _ path: String, _ body: String?,
                      _ headers: [String: String]) async throws -> (Int, [String: Any]) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(server.port)\(path)")!)
        request.httpMethod = method
        request.timeoutInterval = 30
        if let body { request.httpBody = Data(body.utf8) }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, json)
    }

    /// A loopback port nothing listens on (bound, then released).
    static func unusedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw CocoaError(.featureUnsupported) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
