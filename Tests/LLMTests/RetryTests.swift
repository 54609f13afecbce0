import Foundation
import LLM
import Testing
import TestSupport

/// Real retries against the fake upstream; the recorded sleeps prove which delay was honoured.
@Suite struct RetryTests {
    private struct Stack {
        let upstream: FakeUpstream
        let provider: ResilientProvider
        let sleeps: SleepRecorder
        let transport: HTTPTransport

        func finish() async {
            await transport.shutdown()
            await upstream.stop()
        }
    }

    private func stack(_ kind: LLMConfiguration.ProviderKind = .gemini, configure: (inout LLMConfiguration) -> Void = { _ in }) async throws -> Stack {
        let upstream = try await FakeUpstream.start(replyText: "ok")
        var config = Fixture.configuration(kind, upstream: upstream)
        configure(&config)
        let sleeps = SleepRecorder()
        let transport = HTTPTransport(logger: LogCapture().logger)
        let provider = config.makeProvider(logger: LogCapture().logger, transport: transport, timing: sleeps.timing)
        return Stack(upstream: upstream, provider: provider, sleeps: sleeps, transport: transport)
    }

    @Test func honoursRetryAfterSeconds() async throws {
        let s = try await stack()
        s.upstream.enqueue(.rateLimited(retryAfter: "1"))
        let reply = try await bounded { try await s.provider.complete(Fixture.hello) }
        #expect(reply.text == "ok" && !reply.isFallback)
        #expect(s.upstream.requestCount == 2)
        #expect(s.sleeps.delays == [.seconds(1)])
        await s.finish()
    }

    @Test func honoursRetryAfterMilliseconds() async throws {
        let s = try await stack(.openai)
        s.upstream.enqueue(.rateLimitedMilliseconds(250))
        let reply = try await bounded { try await s.provider.complete(Fixture.hello) }
        #expect(reply.text == "ok")
        #expect(s.sleeps.delays == [.milliseconds(250)])
        await s.finish()
    }

    @Test func honoursGeminiRetryDelay() async throws {
        let s = try await stack()
        s.upstream.enqueue(.geminiRetryInfo(retryDelay: "0.2s"))
        let reply = try await bounded { try await s.provider.complete(Fixture.hello) }
        #expect(reply.text == "ok")
        #expect(s.sleeps.delays == [.milliseconds(200)])
        await s.finish()
    }

    @Test func retriesA503BurstWithJitteredBackoff() async throws {
        let s = try await stack(.openai) { $0.retry.maxAttempts = 4 }
        s.upstream.enqueue(.status(503), times: 3)
        let reply = try await bounded { try await s.provider.complete(Fixture.hello) }
        #expect(reply.text == "ok")
        #expect(s.upstream.requestCount == 4)
        // random() is 0.5: half of 10, 20, then 40 ms (capped at maxDelay 40).
        #expect(s.sleeps.delays == [.milliseconds(5), .milliseconds(10), .milliseconds(20)])
        await s.finish()
    }

    @Test func givesUpAfterMaxAttemptsWithAFallback() async throws {
        let s = try await stack()
        s.upstream.enqueue(.status(500), times: 5)
        let reply = try await bounded { try await s.provider.complete(Fixture.hello) }
        #expect(reply.isFallback)
        #expect(reply.text == ResilientProvider.defaultFallbackText)
        #expect(s.upstream.requestCount == 3)
        #expect(s.provider.health().lastError?.contains("HTTP 500") == true)
        await s.finish()
    }

    @Test(arguments: [400, 401, 403, 404, 422])
    func neverRetriesClientErrors(status: Int) async throws {
        let s = try await stack()
        s.upstream.enqueue(.status(status), times: 3)
        let reply = try await bounded { try await s.provider.complete(Fixture.hello) }
        #expect(reply.isFallback)
        #expect(s.upstream.requestCount == 1)
        #expect(s.sleeps.delays.isEmpty)
        #expect(s.provider.health().lastError?.contains("HTTP \(status)") == true)
        await s.finish()
    }

    @Test func retryAfterBeyondTheTotalCapFailsFast() async throws {
        let s = try await stack { $0.retry.totalCap = .seconds(2) }
        s.upstream.enqueue(.rateLimited(retryAfter: "30"))
        let reply = try await bounded { try await s.provider.complete(Fixture.hello) }
        #expect(reply.isFallback)
        #expect(s.upstream.requestCount == 1)
        #expect(s.sleeps.delays.isEmpty)
        await s.finish()
    }

    @Test func totalCapBoundsRealWaiting() async throws {
        let upstream = try await FakeUpstream.start(replyText: "ok")
        var config = Fixture.configuration(.openai, upstream: upstream)
        config.retry = RetryPolicy(maxAttempts: 10, baseDelay: .milliseconds(100), maxDelay: .milliseconds(100), totalCap: .milliseconds(350))
        upstream.enqueue(.status(503), times: 10)
        let transport = HTTPTransport(logger: LogCapture().logger)
        // Live timing: real sleeps, full jitter.
        let provider = config.makeProvider(logger: LogCapture().logger, transport: transport, timing: RetryTiming(random: { 0.99 }))
        let reply = try await bounded { try await provider.complete(Fixture.hello) }
        #expect(reply.isFallback)
        // Ten attempts were allowed: two to four means the 350 ms cap stopped the retries.
        #expect((2...4).contains(upstream.requestCount))
        await transport.shutdown()
        await upstream.stop()
    }

    @Test func retriesAFirstByteTimeoutAndAClosedPort() async throws {
        let s = try await stack { $0.timeouts.firstByte = .milliseconds(200) }
        s.upstream.enqueue(.slowFirstByte(.seconds(2)))
        let reply = try await bounded { try await s.provider.complete(Fixture.hello) }
        #expect(reply.text == "ok")
        #expect(s.upstream.requestCount == 2)
        await s.finish()

        let closed = try await stack()
        await closed.upstream.stop()
        let fallback = try await bounded { try await closed.provider.complete(Fixture.hello) }
        #expect(fallback.isFallback)
        #expect(closed.sleeps.delays.count == 2)
        #expect(closed.provider.health().lastError?.contains("could not connect") == true)
        await closed.transport.shutdown()
    }

    @Test func streamsRetryBeforeTheFirstDelta() async throws {
        let s = try await stack(.openai)
        s.upstream.enqueue(.status(503))
        let collected = try await collect(s.provider.stream(Fixture.hello))
        #expect(collected.error == nil)
        #expect(collected.deltas.joined() == "ok")
        #expect(collected.done?.isFallback == false)
        #expect(s.upstream.requestCount == 2)
        await s.finish()
    }

    @Test func retryAfterParsing() throws {
        let policy = RetryPolicy(baseDelay: .milliseconds(100), maxDelay: .seconds(1))
        #expect(policy.delay(afterAttempt: 1, hint: nil, unitRandom: 1) == .milliseconds(100))
        #expect(policy.delay(afterAttempt: 3, hint: nil, unitRandom: 1) == .milliseconds(400))
        #expect(policy.delay(afterAttempt: 9, hint: nil, unitRandom: 1) == .seconds(1))
        #expect(policy.delay(afterAttempt: 9, hint: nil, unitRandom: 0) == .zero)
        #expect(policy.delay(afterAttempt: 1, hint: .seconds(7), unitRandom: 0.3) == .seconds(7))
        #expect(RetryPolicy.isRetryable(.http(status: 429, message: "")))
        #expect(RetryPolicy.isRetryable(.http(status: 408, message: "")))
        #expect(RetryPolicy.isRetryable(.timeout("first byte")))
        #expect(!RetryPolicy.isRetryable(.timeout("idle stream")))
        #expect(!RetryPolicy.isRetryable(.http(status: 501, message: "")))
        #expect(!RetryPolicy.isRetryable(.invalidResponse("x")))
    }

    @Test func retryAfterHTTPDate() async throws {
        let upstream = try await FakeUpstream.start(replyText: "ok")
        let date = Date().addingTimeInterval(3)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        upstream.enqueue(.rateLimited(retryAfter: formatter.string(from: date)))
        let transport = HTTPTransport(logger: LogCapture().logger)
        let gemini = GeminiProvider(apiKey: "k", model: "m", baseURL: upstream.baseURL, transport: transport)
        do {
            _ = try await bounded { try await gemini.complete(Fixture.hello) }
            Issue.record("expected a 429")
        } catch let failure as UpstreamError {
            let hint = try #require(failure.retryAfter)
            #expect(hint > .seconds(1) && hint <= .seconds(3))
        }
        await transport.shutdown()
        await upstream.stop()
    }
}
