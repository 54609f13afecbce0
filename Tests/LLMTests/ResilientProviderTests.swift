import Foundation
import LLM
import Testing
import TestSupport

@Suite struct ResilientProviderTests {
    private func make(_ kind: LLMConfiguration.ProviderKind, _ upstream: FakeUpstream, _ transport: HTTPTransport,
                      configure: (inout LLMConfiguration) -> Void = { _ in }) -> ResilientProvider {
        var config = Fixture.configuration(kind, upstream: upstream)
        configure(&config)
        return config.makeProvider(logger: LogCapture().logger, transport: transport, timing: SleepRecorder().timing)
    }

    @Test(arguments: [LLMConfiguration.ProviderKind.gemini, .openai])
    func streamFallsBackWhenNothingWasStreamed(kind: LLMConfiguration.ProviderKind) async throws {
        let upstream = try await FakeUpstream.start()
        let transport = HTTPTransport(logger: LogCapture().logger)
        upstream.enqueue(.status(401))
        let collected = try await collect(make(kind, upstream, transport).stream(Fixture.hello))
        #expect(collected.error == nil)
        #expect(collected.deltas == [ResilientProvider.defaultFallbackText])
        let done = try #require(collected.done)
        #expect(done.isFallback)
        #expect(done.provider == kind.rawValue)
        #expect(done.model == (kind == .gemini ? "gemini-test" : "gpt-test"))
        await transport.shutdown()
        await upstream.stop()
    }

    @Test(arguments: [LLMConfiguration.ProviderKind.gemini, .openai])
    func resetMidStreamEndsWithAnErrorAfterTheDeltas(kind: LLMConfiguration.ProviderKind) async throws {
        let upstream = try await FakeUpstream.start(replyText: "a b c d e")
        let transport = HTTPTransport(logger: LogCapture().logger)
        upstream.enqueue(.resetMidStream(afterDeltas: 2))
        let provider = make(kind, upstream, transport)
        let collected = try await collect(provider.stream(Fixture.hello))
        #expect(collected.deltas == ["a ", "b "])
        #expect(collected.done == nil)
        guard case .transport? = collected.error as? LLMError else {
            Issue.record("expected LLMError.transport, got \(String(describing: collected.error))")
            return
        }
        #expect(upstream.requestCount == 1)  // never retried after a delta
        #expect(provider.health().status == .degraded)
        #expect(transport.liveHandleCount == 0)
        await transport.shutdown()
        await upstream.stop()
    }

    @Test func stalledStreamEndsWithIdleTimeout() async throws {
        let upstream = try await FakeUpstream.start(replyText: "a b c d e")
        let transport = HTTPTransport(logger: LogCapture().logger)
        upstream.enqueue(.stall(afterDeltas: 1, duration: .seconds(5)))
        let collected = try await collect(make(.gemini, upstream, transport).stream(Fixture.hello), seconds: 5)
        #expect(collected.deltas == ["a "])
        #expect(collected.error as? LLMError == .timeout("idle stream"))
        await transport.shutdown()
        await upstream.stop()
    }

    @Test func cancellingAStreamAbortsTheTransfer() async throws {
        let upstream = try await FakeUpstream.start(replyText: "a b c")
        let transport = HTTPTransport(logger: LogCapture().logger)
        upstream.enqueue(.stall(afterDeltas: 1, duration: .seconds(5)))
        let provider = make(.openai, upstream, transport) { $0.timeouts.idle = .seconds(30) }
        let consumer = Task {
            var deltas = 0
            for try await chunk in provider.stream(Fixture.hello) {
                if case .delta = chunk { deltas += 1 }
            }
            return deltas
        }
        // Cancel once the upstream is mid-response.
        try await bounded(5) { while upstream.requestCount == 0 { try await Task.sleep(for: .milliseconds(10)) } }
        try await Task.sleep(for: .milliseconds(50))
        #expect(transport.liveHandleCount == 1)
        consumer.cancel()
        _ = try? await bounded(5) { try await consumer.value }
        try await bounded(5) { while transport.liveHandleCount > 0 { try await Task.sleep(for: .milliseconds(10)) } }
        #expect(transport.liveHandleCount == 0)
        #expect(upstream.requestCount == 1)
        await transport.shutdown()
        await upstream.stop()
    }

    @Test func cancellingCompleteThrowsCancelledNotAFallback() async throws {
        let upstream = try await FakeUpstream.start()
        let transport = HTTPTransport(logger: LogCapture().logger)
        upstream.enqueue(.slowFirstByte(.seconds(3)))
        let provider = make(.gemini, upstream, transport)
        let call = Task { try await provider.complete(Fixture.hello) }
        try await bounded(5) { while transport.liveHandleCount == 0 { try await Task.sleep(for: .milliseconds(10)) } }
        call.cancel()
        let result = try await bounded(5) { await call.result }
        #expect(throws: LLMError.cancelled) { try result.get() }
        try await bounded(5) { while transport.liveHandleCount > 0 { try await Task.sleep(for: .milliseconds(10)) } }
        #expect(provider.health().fallbacks == 0)
        await transport.shutdown()
        await upstream.stop()
    }

    @Test func withoutFallbackTextFailuresThrow() async throws {
        let upstream = try await FakeUpstream.start()
        let transport = HTTPTransport(logger: LogCapture().logger)
        upstream.enqueue(.status(400))
        let provider = make(.openai, upstream, transport) { $0.fallbackText = nil }
        await #expect(throws: LLMError.http(status: 400, message: "fake upstream error 400")) {
            try await bounded { try await provider.complete(Fixture.hello) }
        }
        await transport.shutdown()
        await upstream.stop()
    }

    @Test func healthCountsAndEncodesSnakeCase() async throws {
        let upstream = try await FakeUpstream.start()
        let transport = HTTPTransport(logger: LogCapture().logger)
        let provider = make(.gemini, upstream, transport)
        #expect(provider.health().status == .healthy)
        upstream.enqueue(.status(404))
        _ = try await bounded { try await provider.complete(Fixture.hello) }
        var health = provider.health()
        #expect(health.status == .degraded)
        #expect(health.requests == 1 && health.failures == 1 && health.fallbacks == 1 && health.consecutiveFailures == 1)
        #expect(health.lastError == "upstream answered HTTP 404: fake upstream error 404")
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(health)) as? [String: Any]
        #expect(Set(json?.keys.map { $0 } ?? []) == ["status", "provider", "model", "offline", "circuit_state", "last_error",
                                                      "last_error_at", "consecutive_failures", "requests", "failures", "fallbacks",
                                                      "probe", "window"])
        #expect(json?["circuit_state"] as? String == "closed")
        let stamp = try #require(json?["last_error_at"] as? String)
        #expect(try Date(stamp, strategy: .iso8601) <= Date())
        #expect(try JSONDecoder().decode(AIHealth.self, from: JSONEncoder().encode(health)).lastError == health.lastError)

        _ = try await bounded { try await provider.complete(Fixture.hello) }
        health = provider.health()
        #expect(health.status == .healthy && health.consecutiveFailures == 0 && health.requests == 2)
        #expect(health.lastError != nil)  // history stays visible
        await transport.shutdown()
        await upstream.stop()
    }

    @Test func offlineConfigurationAnswersOffline() async throws {
        let provider = LLMConfiguration().makeProvider(logger: LogCapture().logger)
        let reply = try await bounded { try await provider.complete(Fixture.hello) }
        #expect(reply.provider == "offline" && !reply.isFallback)
        let health = provider.health()
        #expect(health.status == .offline && health.offline)
        let streamed = try await collect(provider.stream(Fixture.hello))
        #expect(streamed.done?.text == reply.text)
    }

    /// The offline provider's token figures are word counts: runs between spaces and line feeds.
    @Test func offlineUsageCountsWords() async throws {
        let request = CompletionRequest(messages: [.init(role: .system, content: "  be  brief \n"),
                                                   .init(role: .user, content: "héllo wörld\n\nthree 🦀 ")])
        let reply = try await OfflineProvider().complete(request)
        #expect(reply.usage.promptTokens == 2 + 4)
        #expect(reply.usage.completionTokens == reply.text.split(whereSeparator: { $0 == " " || $0 == "\n" }).count)
        #expect(reply.usage.totalTokens == reply.usage.promptTokens + reply.usage.completionTokens)
    }
}
