import Foundation
import HTTPServer
import Hummingbird
import HummingbirdTesting
import LLM
import Logging
import NIOCore
import OracleCore
import Storage
import TestSupport

/// Runs a test against the full application (router mode) on a temporary database.
func withApp(
    _ settings: [String: String] = [:],
    provider: any LLMProvider = OfflineProvider(),
    logger: Logger = Logger(label: "test"),
    _ test: @escaping @Sendable (any TestClientProtocol, ServerState) async throws -> Void
) async throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let config = try await TestConfig.make(settings, in: dir)
    let store = try SQLiteStore(location: config.database)
    let state = ServerState(config: config, store: store, provider: provider, logger: logger)
    let app = OracleApplication.make(state: state, logger: logger)
    try await app.test(.router) { client in try await test(client, state) }
    try store.close()
}

extension TestResponse {
    /// The body as a JSON object.
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] ?? [:]
    }
    var text: String { String(buffer: body) }
    var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
    var errorMessage: String { (json["error"] as? [String: Any])?["message"] as? String ?? "" }
}

extension TestClientProtocol {
    func post(_ uri: String, _ json: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        try await execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: json))
    }

    func get(_ uri: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        try await execute(uri: uri, method: .get, headers: headers)
    }

    /// Creates a session and returns its id.
    func createSession(_ title: String = "Test Session", headers: HTTPFields = [:]) async throws -> String {
        let response = try await post("/api/v1/sessions/", "{\"title\": \"\(title)\"}", headers: headers)
        return response.json["id"] as? String ?? ""
    }
}
