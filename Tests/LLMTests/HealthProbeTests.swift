import Foundation
import LLM
import Synchronization
import Testing
import TestSupport

/// The active health probe (``ResilientProvider/probeHealth(timeouts:)``) against a real
/// loopback upstream: what it asks, what it records, and what it leaves alone.
@Suite struct HealthProbeTests {
    /// Roomy: an answer the upstream does give must arrive in time on a busy machine.
    static let probeTimeouts = TransportTimeouts(connect: .seconds(20), firstByte: .seconds(20), idle: .seconds(20), total: .seconds(20))
    /// For the upstream that never answers: far shorter than its 30 s stall.
    static let stallTimeouts = TransportTimeouts(connect: .seconds(20), firstByte: .seconds(1), idle: .seconds(1), total: .seconds(1))

    private func make(_ kind: LLMConfiguration.ProviderKind, _ upstream: FakeUpstream, _ transport: HTTPTransport,
                      metrics: RecordingMetrics = RecordingMetrics(), timing: RetryTiming = SleepRecorder().timing,
                      configure: (inout LLMConfiguration) -> Void = { _ in }) -> ResilientProvider {
        var config = Fixture.configuration(kind, upstream: upstream)
        configure(&config)
        return config.makeProvider(logger: LogCapture().logger, transport: transport, timing: timing, metricsFactory: metrics)
    }

    @Test(arguments: [LLMConfiguration.ProviderKind.gemini, .openai])
    func failedProbeDegradesHealthAndALaterOKOneRestoresIt(kind: LLMConfiguration.ProviderKind) async throws {
        let upstream = try await FakeUpstream.start()
        let transport = HTTPTransport(logger: LogCapture().logger)
        let metrics = RecordingMetrics()
        let provider = make(kind, upstream, transport, metrics: metrics)
        let key = kind == .gemini ? Fixture.geminiKey : Fixture.openAIKey
        upstream.enqueue(.status(500, body: #"{"error":{"message":"boom for \#(key)"}}"#))

        #expect(try await bounded(30) { await provider.probeHealth(timeouts: Self.probeTimeouts) } == .failed)
        var health = provider.health()
        #expect(health.status == .degraded)
        let lastError = try #require(health.lastError)
        #expect(lastError.hasPrefix("health probe: upstream answered HTTP 500"))
        #expect(!lastError.contains(key), "the key the upstream echoed is redacted")
        #expect(health.probe?.outcome == "failed")
        #expect(health.window.probe == "failed")
        // Not a user request: none of the counts users read as requests moved.
        #expect(health.requests == 0 && health.failures == 0 && health.window.requests == 0)
        #expect(metrics.value("llm_requests_total", [("provider", kind.rawValue), ("outcome", "error")]) == nil)
        #expect(metrics.value("llm_health_probes_total", [("provider", kind.rawValue), ("outcome", "failed")]) == 1)

        // The cheap question, asked the way the provider's own requests send the key.
        let asked = try #require(upstream.requests.first)
        #expect(asked.method == "GET")
        switch kind {
        case .gemini:
            #expect(asked.path == "/v1beta/models/gemini-test")
            #expect(asked.header("x-goog-api-key") == key)
        default:
            #expect(asked.path == "/v1/models")
            #expect(asked.header("authorization") == "Bearer \(key)")
        }

        #expect(try await bounded(30) { await provider.probeHealth(timeouts: Self.probeTimeouts) } == .ok)
        health = provider.health()
        #expect(health.status == .healthy)
        #expect(health.probe?.outcome == "ok" && health.window.probe == "ok")
        #expect(metrics.value("llm_health_probes_total", [("provider", kind.rawValue), ("outcome", "ok")]) == 1)
        await transport.shutdown()
        await upstream.stop()
    }

    @Test func probeTheUpstreamNeverAnswersFailsWithinItsTimeout() async throws {
        let upstream = try await FakeUpstream.start()
        let transport = HTTPTransport(logger: LogCapture().logger)
        let provider = make(.openai, upstream, transport)
        upstream.enqueue(.slowFirstByte(.seconds(30)))
        #expect(try await bounded(30) { await provider.probeHealth(timeouts: Self.stallTimeouts) } == .failed)
        #expect(provider.health().status == .degraded)
        #expect(provider.health().lastError?.hasPrefix("health probe: upstream timed out") == true)
        #expect(transport.liveHandleCount == 0)
        await transport.shutdown()
        await upstream.stop()
    }

    @Test func failingProbesLeaveTheBreakerToUserTraffic() async throws {
        let upstream = try await FakeUpstream.start()
        let transport = HTTPTransport(logger: LogCapture().logger)
        let provider = make(.openai, upstream, transport) { config in
            config.breaker = CircuitBreaker.Configuration(windowSize: 2, minimumRequests: 1, failureRateThreshold: 0.5)
        }
        upstream.enqueue(.status(503), times: 3)
        for _ in 0..<3 {
            #expect(try await bounded(30) { await provider.probeHealth(timeouts: Self.probeTimeouts) } == .failed)
        }
        #expect(provider.breaker.state == .closed)
        let reply = try await bounded(30) { try await provider.complete(Fixture.hello) }
        #expect(!reply.isFallback, "a user's request still reaches the upstream")
        #expect(provider.health().status == .healthy, "a chat request that works clears the failed probe")
        await transport.shutdown()
        await upstream.stop()
    }

    @Test func aProbeNeverOverlapsAnother() async throws {
        let upstream = try await FakeUpstream.start()
        let transport = HTTPTransport(logger: LogCapture().logger)
        let provider = make(.openai, upstream, transport)
        let timeouts = Self.probeTimeouts
        upstream.enqueue(.slowFirstByte(.seconds(30)))
        let first = Task { await provider.probeHealth(timeouts: timeouts) }
        try await bounded(30) { while upstream.requestCount == 0 { try await Task.sleep(for: .milliseconds(10)) } }
        #expect(await provider.probeHealth(timeouts: timeouts) == .skipped)
        #expect(upstream.requestCount == 1, "the second probe asked nothing")
        first.cancel()
        #expect(await first.value == .skipped, "a cancelled probe records nothing")
        #expect(provider.health().probe == nil)
        await transport.shutdown()
        await upstream.stop()
    }

    @Test func offlineProviderNeverProbes() async throws {
        let provider = LLMConfiguration(provider: .offline).makeProvider(logger: LogCapture().logger)
        #expect(!provider.canProbe)
        #expect(await provider.probeHealth(timeouts: Self.probeTimeouts) == .skipped)
        #expect(provider.health().status == .offline)
        #expect(provider.health().probe == nil)
    }

    @Test func windowCountsRequestsAndTheLatestProbeOverItsTime() async throws {
        let upstream = try await FakeUpstream.start()
        let transport = HTTPTransport(logger: LogCapture().logger)
        let clock = ManualInstant()
        let provider = make(.openai, upstream, transport, timing: RetryTiming(now: { clock.now }, sleep: { _ in }, random: { 0 })) {
            $0.healthWindow = .seconds(60)
            $0.retry = RetryPolicy(maxAttempts: 1)
        }
        upstream.enqueue(.status(500))
        for _ in 0..<3 { _ = try await bounded(30) { try await provider.complete(Fixture.hello) } }
        upstream.enqueue(.status(500))
        _ = try await bounded(30) { await provider.probeHealth(timeouts: Self.probeTimeouts) }
        // The two successes took no time on the stopped clock.
        #expect(provider.health().window == AIHealth.Window(seconds: 60, requests: 3, failures: 1, probe: "failed", averageLatencyMs: 0))

        clock.advance(by: .seconds(59))
        #expect(provider.health().window.requests == 3, "still inside the window")
        clock.advance(by: .seconds(3))
        #expect(provider.health().window == AIHealth.Window(seconds: 60, requests: 0, failures: 0, probe: nil))
        #expect(provider.health().requests == 3, "the counts since the start stay")
        await transport.shutdown()
        await upstream.stop()
    }
}

/// A clock the test moves by hand.
final class ManualInstant: Sendable {
    private let instant = Mutex(ContinuousClock.now)
    var now: ContinuousClock.Instant { instant.withLock { $0 } }
    func advance(by duration: Duration) { instant.withLock { $0 += duration } }
}
