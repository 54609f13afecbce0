import Foundation
import HTTPServer
import Hummingbird
import HummingbirdTesting
import LLM
import Logging
import OracleCore
import Storage
import Synchronization
import TestSupport

/// The application with the real provider stack (libcurl transport, retries, breaker,
/// fallback) pointed at a ``FakeUpstream``, and every log line captured.
struct UpstreamApp: Sendable {
    enum Wire: Sendable { case openAI, gemini }

    static let openAIKey = "sk-test-OPENAI-secret-0123456789"
    static let geminiKey = "AIza-test-GEMINI-secret-0123456789"

    let upstream: FakeUpstream
    let transport: HTTPTransport
    let provider: ResilientProvider
    let state: ServerState
    let logs: LogCapture

    /// Messages of the default tenant's session, oldest first.
    func stored(_ sessionID: String) async throws -> [StoredMessage] {
        try await state.store.messages(sessionID: sessionID, tenant: "default", last: nil)
    }
}

/// Runs `test` against the application configured through settings (`LLM_PROVIDER`,
/// `OPENAI_BASE_URL`/`GEMINI_BASE_URL` and keys) to use a fresh ``FakeUpstream``.
/// Retries wait about a millisecond. `mode` `.live` serves on a real socket (`client.port`).
func withUpstreamApp(
    _ wire: UpstreamApp.Wire = .openAI,
    _ settings: [String: String] = [:],
    replyText: String? = nil,
    mode: TestingSetup = .router,
    _ test: @escaping @Sendable (any TestClientProtocol, UpstreamApp) async throws -> Void
) async throws {
    let upstream = try await FakeUpstream.start(replyText: replyText, usage: FakeUpstreamUsage(prompt: 12, completion: 5, cached: 4))
    let dir = try TemporaryDirectory()
    var values = ["LLM_RETRY_BASE_DELAY_MS": "1", "LLM_RETRY_MAX_DELAY_MS": "2"]
    switch wire {
    case .openAI:
        values.merge(["LLM_PROVIDER": "openai", "OPENAI_BASE_URL": upstream.openAIBaseURL,
                      "OPENAI_API_KEY": UpstreamApp.openAIKey, "OPENAI_MODEL": "fake-gpt"]) { $1 }
    case .gemini:
        values.merge(["LLM_PROVIDER": "gemini", "GEMINI_BASE_URL": upstream.baseURL,
                      "GEMINI_API_KEY": UpstreamApp.geminiKey, "GEMINI_MODEL": "fake-gemini"]) { $1 }
    }
    values.merge(settings) { $1 }
    let logs = LogCapture()
    let transport = HTTPTransport(logger: logs.logger)
    var failure: (any Error)?
    do {
        let config = try await TestConfig.make(values, in: dir)
        let provider = LLMConfiguration(settings: config.llm).makeProvider(logger: logs.logger, transport: transport)
        let store = try SQLiteStore(location: config.database)
        let state = ServerState(config: config, store: store, provider: provider, logger: logs.logger)
        let app = OracleApplication.make(state: state, logger: logs.logger)
        let context = UpstreamApp(upstream: upstream, transport: transport, provider: provider, state: state, logs: logs)
        do {
            try await app.test(mode) { client in try await test(client, context) }
        } catch {
            failure = error
        }
        try? store.close()
    } catch {
        failure = error
    }
    await transport.shutdown()
    await upstream.stop()
    dir.remove()
    if let failure { throw failure }
}

/// Polls `condition` every 20 ms for up to `timeout`: for effects that land after a response.
func eventually(_ timeout: Duration = .seconds(5), _ condition: @Sendable () async throws -> Bool) async rethrows -> Bool {
    let end = ContinuousClock.now + timeout
    while ContinuousClock.now < end {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}

extension TestResponse {
    /// The `data:` payloads of a Server-Sent Events body, in order (`[DONE]` included).
    var sseData: [String] {
        text.components(separatedBy: "\n").filter { $0.hasPrefix("data: ") }.map { String($0.dropFirst(6)) }
    }

    /// The `data:` payloads that are JSON objects.
    var sseObjects: [[String: Any]] {
        sseData.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
    }
}
