import LLM
import Synchronization
import Testing
import TestSupport

@Suite struct CircuitBreakerTests {
    /// A clock the test moves by hand.
    final class ManualClock: Sendable {
        private let instant = Mutex(ContinuousClock.now)
        var now: ContinuousClock.Instant { instant.withLock { $0 } }
        func advance(_ duration: Duration) { instant.withLock { $0 += duration } }
    }

    private let config = CircuitBreaker.Configuration(windowSize: 4, minimumRequests: 4, failureRateThreshold: 0.5,
                                                      openDuration: .seconds(10), halfOpenProbes: 1)

    @Test func opensAtTheFailureRateAfterTheMinimumCount() throws {
        let clock = ManualClock()
        let breaker = CircuitBreaker(provider: "p", configuration: config, now: { clock.now })
        for outcome in [CircuitBreaker.Outcome.success, .failure, .success] {
            breaker.record(outcome, for: try breaker.acquire())
        }
        #expect(breaker.state == .closed)  // 1 failure in 3: below the minimum count anyway
        breaker.record(.failure, for: try breaker.acquire())
        #expect(breaker.state == .open)  // 2 of 4 = 50 %
        #expect(throws: LLMError.circuitOpen(provider: "p")) { try breaker.acquire() }
    }

    @Test func neutralOutcomesDoNotCount() throws {
        let breaker = CircuitBreaker(provider: "p", configuration: config)
        for _ in 0..<10 { breaker.record(.neutral, for: try breaker.acquire()) }
        #expect(breaker.state == .closed)
    }

    @Test func slidingWindowForgetsOldOutcomes() throws {
        let breaker = CircuitBreaker(provider: "p", configuration: config)
        for _ in 0..<8 { breaker.record(.success, for: try breaker.acquire()) }
        breaker.record(.failure, for: try breaker.acquire())
        #expect(breaker.state == .closed)
        // 2 failures in 10 overall, but 2 of the last 4.
        breaker.record(.failure, for: try breaker.acquire())
        #expect(breaker.state == .open)
    }

    @Test func halfOpenProbeClosesOrReopens() throws {
        let clock = ManualClock()
        let changes = Mutex<[CircuitBreaker.State]>([])
        let breaker = CircuitBreaker(provider: "p", configuration: config, now: { clock.now },
                                     onStateChange: { state in changes.withLock { $0.append(state) } })
        for _ in 0..<4 { breaker.record(.failure, for: try breaker.acquire()) }
        #expect(breaker.state == .open)
        clock.advance(.seconds(10))
        #expect(breaker.state == .halfOpen)
        let probe = try breaker.acquire()
        #expect(throws: LLMError.self) { try breaker.acquire() }  // one probe at a time
        breaker.record(.failure, for: probe)
        #expect(breaker.state == .open)
        clock.advance(.seconds(10))
        let second = try breaker.acquire()
        breaker.record(.success, for: second)
        #expect(breaker.state == .closed)
        #expect(changes.withLock { $0 } == [.open, .halfOpen, .open, .halfOpen, .closed])
    }

    @Test func lateOutcomesFromBeforeAStateChangeAreIgnored() throws {
        let clock = ManualClock()
        let breaker = CircuitBreaker(provider: "p", configuration: config, now: { clock.now })
        let early = try breaker.acquire()
        for _ in 0..<4 { breaker.record(.failure, for: try breaker.acquire()) }
        clock.advance(.seconds(10))
        let probe = try breaker.acquire()
        breaker.record(.success, for: early)
        #expect(breaker.state == .halfOpen)
        breaker.record(.success, for: probe)
        #expect(breaker.state == .closed)
    }

    /// closed → open → (fail fast, no upstream call) → half_open → closed, against the fake upstream.
    @Test func providerTransitionsAndFailsFast() async throws {
        let upstream = try await FakeUpstream.start(replyText: "ok")
        var config = Fixture.configuration(.gemini, upstream: upstream)
        config.retry.maxAttempts = 1
        config.breaker = .init(windowSize: 4, minimumRequests: 4, failureRateThreshold: 0.5,
                               openDuration: .milliseconds(300), halfOpenProbes: 1)
        let metrics = RecordingMetrics()
        let transport = HTTPTransport(logger: LogCapture().logger)
        let clock = ManualClock()
        let provider = config.makeProvider(logger: LogCapture().logger, transport: transport,
                                           timing: RetryTiming(now: { clock.now }), metricsFactory: metrics)
        let gauge = { metrics.value("llm_circuit_state", [("provider", "gemini")]) }
        #expect(gauge() == 0)

        upstream.enqueue(.status(503), times: 4)
        for _ in 0..<4 { _ = try await bounded { try await provider.complete(Fixture.hello) } }
        #expect(provider.breaker.state == .open)
        #expect(provider.health().status == .unavailable)
        #expect(gauge() == 1)

        let fast = try await bounded { try await provider.complete(Fixture.hello) }
        #expect(fast.isFallback)
        #expect(upstream.requestCount == 4)  // failed fast: no request went out

        clock.advance(.milliseconds(300))
        #expect(provider.health().status == .degraded)
        #expect(provider.breaker.state == .halfOpen)
        #expect(gauge() == 2)
        let probe = try await bounded { try await provider.complete(Fixture.hello) }
        #expect(probe.text == "ok")
        #expect(provider.breaker.state == .closed)
        #expect(provider.health().status == .healthy)
        #expect(gauge() == 0)
        #expect(upstream.requestCount == 5)
        #expect(metrics.value("llm_fallbacks_total", [("provider", "gemini")]) == 5)
        #expect(metrics.value("llm_requests_total", [("provider", "gemini"), ("outcome", "success")]) == 1)
        await transport.shutdown()
        await upstream.stop()
    }

    @Test func aFailedProbeReopens() async throws {
        let upstream = try await FakeUpstream.start(replyText: "ok")
        var config = Fixture.configuration(.openai, upstream: upstream)
        config.retry.maxAttempts = 1
        config.breaker = .init(windowSize: 2, minimumRequests: 2, failureRateThreshold: 1, openDuration: .milliseconds(200))
        let transport = HTTPTransport(logger: LogCapture().logger)
        let clock = ManualClock()
        let provider = config.makeProvider(logger: LogCapture().logger, transport: transport, timing: RetryTiming(now: { clock.now }))
        upstream.enqueue(.status(500), times: 3)
        for _ in 0..<2 { _ = try await bounded { try await provider.complete(Fixture.hello) } }
        #expect(provider.breaker.state == .open)
        clock.advance(.milliseconds(200))
        _ = try await bounded { try await provider.complete(Fixture.hello) }
        #expect(provider.breaker.state == .open)
        #expect(upstream.requestCount == 3)
        await transport.shutdown()
        await upstream.stop()
    }
}
