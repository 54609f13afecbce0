import Foundation
import LLM
import Testing
import TestSupport
import OracleCore

/// API keys never reach logs, errors, `/health/ai` or descriptions.
@Suite struct SecretTests {
    @Test func configurationDescriptionsHideKeys() {
        var config = LLMConfiguration(provider: .gemini)
        config.geminiAPIKey = Fixture.geminiKey
        config.openAIAPIKey = Fixture.openAIKey
        for text in [config.description, config.debugDescription, String(describing: config), String(reflecting: config)] {
            #expect(!text.contains(Fixture.geminiKey))
            #expect(!text.contains(Fixture.openAIKey))
        }
        #expect(config.description.contains("apiKey: set"))
    }

    @Test func redactorRemovesEverySecret() {
        let redactor = Redactor(secrets: ["abc123", nil, "", "abc123-long"])
        #expect(redactor.redact("k=abc123-long and abc123") == "k=\(Redactor.mask) and \(Redactor.mask)")
        #expect(redactor.redact(LLMError.http(status: 401, message: "bad abc123")) == .http(status: 401, message: "bad \(Redactor.mask)"))
    }

    @Test(arguments: [LLMConfiguration.ProviderKind.gemini, .openai])
    func keysStayOutOfErrorsHealthAndLogs(kind: LLMConfiguration.ProviderKind) async throws {
        let upstream = try await FakeUpstream.start()
        let key = kind == .gemini ? Fixture.geminiKey : Fixture.openAIKey
        // An upstream that echoes the key back in its error message, as some proxies do.
        upstream.enqueue(.status(401, body: #"{"error":{"message":"API key \#(key) not valid"}}"#))
        upstream.enqueue(.status(500, body: "internal error for key \(key)"), times: 3)
        let logs = LogCapture()
        var config = Fixture.configuration(kind, upstream: upstream)
        config.fallbackText = nil
        let transport = HTTPTransport(logger: logs.logger)
        let provider = config.makeProvider(logger: logs.logger, transport: transport, timing: SleepRecorder().timing)

        var errors: [String] = []
        for _ in 0..<2 {
            do { _ = try await bounded { try await provider.complete(Fixture.hello) } } catch { errors.append("\(error)") }
        }
        let streamed = try await collect(provider.stream(Fixture.hello))
        errors.append("\(String(describing: streamed.error))")
        let health = provider.health()
        let healthJSON = String(decoding: try JSONEncoder().encode(health), as: UTF8.self)

        #expect(errors.count == 3)
        #expect(health.lastError?.contains(Redactor.mask) == true)
        #expect(logs.count > 0)
        for text in errors + [healthJSON, logs.text, "\(provider.descriptor)"] {
            #expect(!text.contains(key), "key leaked into: \(text)")
        }
        // It did reach the upstream, in the right header only.
        let sent = upstream.requests.first
        #expect(sent?.header(kind == .gemini ? "x-goog-api-key" : "authorization")?.contains(key) == true)
        #expect(sent?.path.contains(key) == false)
        await transport.shutdown()
        await upstream.stop()
    }
}
