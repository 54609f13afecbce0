import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TestSupport
import Testing

/// `oracle-chat serve` as operators run it: the executable bootstraps swift-metrics once, so
/// everything any module records reaches `GET /metrics`.
@Suite struct MetricsServeTests {
    static var root: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }

    func fetch(_ server: ServerProcess, _ method: String, _ path: String, body: String? = nil,
               admin: String? = nil) async throws -> (Int, String) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(server.port)\(path)")!)
        request.httpMethod = method
        request.timeoutInterval = 10
        if let body { request.httpBody = Data(body.utf8) }
        if let admin { request.setValue("Bearer \(admin)", forHTTPHeaderField: "Authorization") }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    @Test func metricsFromEveryModuleReachTheScrape() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let admin = "admin-key-metrics-0123456789"
        let server = try await ServerProcess(environment: [
            "DATABASE_URL": "sqlite://" + dir.file("data/oracle_sessions.db"), "ADMIN_API_KEY": admin,
            "POLICIES_DIR": Self.root + "/policies", "LUA_DIR": Self.root + "/lua", "LLM_PROVIDER": "offline",
        ])
        let (created, session) = try await server.request("POST", "/api/v1/sessions/", body: #"{"title":"metrics"}"#)
        #expect(created == 201)
        let id = try #require(session["id"] as? String)
        let (sent, _) = try await server.request("POST", "/api/v1/sessions/\(id)/messages", body: #"{"content":"hello"}"#)
        #expect(sent == 200)
        let input = #"{"reachable":true,"requests":0,"database":{"status":"healthy"},"ai":{"status":"healthy"}}"#
        let (evaluated, _) = try await fetch(server, "POST", "/api/v1/policies/severity/evaluate", body: input, admin: admin)
        #expect(evaluated == 200)

        let (status, text) = try await fetch(server, "GET", "/metrics")
        #expect(status == 200)
        #expect(text.contains(#"http_requests_total{route="/api/v1/sessions/{id}/messages",method="POST",status="200"} 1"#))
        #expect(text.contains(#"llm_requests_total{provider="offline",outcome="success"} 1"#))
        #expect(text.contains(#"policy_evaluation_duration_seconds_count{policy="severity"}"#))
        #expect(text.contains("policy_evaluations_total{"))
        #expect(text.contains("process_resident_memory_bytes "))
        #expect(!text.contains(id))
        _ = await server.stop()
    }
}
