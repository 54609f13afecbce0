import Foundation
import HTTPServer
import Hummingbird
import HummingbirdTesting
import LLM
import Operations
import OracleCore
import Synchronization
import Testing
import TestSupport

/// The active AI health probe as the server runs it: one round against the loopback upstream
/// shows in `/health/ai` and in the severity input; the offline provider never probes.
@Suite struct AIHealthProbeTests {
    /// Roomy: an answer the upstream does give must arrive in time on a busy machine.
    static let roomy = TransportTimeouts(connect: .seconds(20), firstByte: .seconds(20), idle: .seconds(20), total: .seconds(20))
    /// For the upstream that never answers: far shorter than its 30 s stall.
    static let short = TransportTimeouts(connect: .seconds(20), firstByte: .seconds(1), idle: .seconds(1), total: .seconds(1))

    private func service(_ app: UpstreamApp, timeouts: TransportTimeouts = roomy,
                         sleep: @escaping @Sendable (Duration) async throws -> Void = { _ in }) -> AIHealthProbeService {
        AIHealthProbeService(provider: app.provider, interval: .seconds(60), timeouts: timeouts, sleep: sleep, logger: app.logs.logger)
    }

    @Test(arguments: [UpstreamApp.Wire.openAI, .gemini])
    func upstreamAnswering500ShowsBeforeAnyUserAsks(wire: UpstreamApp.Wire) async throws {
        try await withUpstreamApp(wire) { client, app in
            let probe = service(app)
            app.upstream.enqueue(.status(500))
            #expect(await probe.probeOnce() == .failed)

            let ai = try await client.get("/health/ai").json
            #expect(ai["status"] as? String == "degraded")
            let lastError = try #require(ai["last_error"] as? String)
            #expect(lastError.contains("health probe") && lastError.contains("500"))
            #expect(!lastError.contains(UpstreamApp.openAIKey) && !lastError.contains(UpstreamApp.geminiKey))
            #expect(ai.value(at: ".probe.outcome") as? String == "failed")
            #expect(ai["requests"] as? Int == 0, "a probe is not a user request")
            #expect(ai.value(at: ".window.requests") as? Int == 0)

            let input = try await client.get("/api/v1/monitoring/health/detailed").json
            #expect(input.value(at: ".severity_input.ai.status") as? String == "degraded")
            #expect(input.value(at: ".severity_input.ai.probe") as? String == "failed")
            #expect(input.value(at: ".severity_input.ai.requests") as? Int == 0)
            #expect(try await app.logs.line(containing: "AI health probe failed").contains("500"))
            #expect(!app.logs.text.contains(UpstreamApp.openAIKey) && !app.logs.text.contains(UpstreamApp.geminiKey))

            #expect(await probe.probeOnce() == .ok)
            let healed = try await client.get("/health/ai").json
            #expect(healed["status"] as? String == "healthy")
            #expect(healed.value(at: ".probe.outcome") as? String == "ok")
            _ = try await app.logs.line(containing: "AI health probe succeeds again")
        }
    }

    @Test func upstreamThatNeverAnswersFailsTheProbeWithinItsTimeout() async throws {
        try await withUpstreamApp(.openAI) { client, app in
            app.upstream.enqueue(.slowFirstByte(.seconds(30)))
            #expect(await service(app, timeouts: Self.short).probeOnce() == .failed)
            let ai = try await client.get("/health/ai").json
            #expect(ai["status"] as? String == "degraded")
            #expect((ai["last_error"] as? String)?.contains("timed out") == true)
            #expect(await service(app).probeOnce() == .ok)
            #expect(try await client.get("/health/ai").json["status"] as? String == "healthy")
        }
    }

    /// The service's waits are observed as they start (a stream, not a polled deadline), so a busy
    /// machine can make this slower but not wrong.
    @Test(.timeLimit(.minutes(2)))
    func runProbesOnceAnIntervalAndNotAtStartup() async throws {
        try await withUpstreamApp(.openAI) { _, app in
            let firstInterval = AsyncLatch()
            let (waitsStarted, started) = AsyncStream.makeStream(of: Duration.self)
            let count = Mutex(0)
            let probe = service(app) { interval in
                started.yield(interval)
                // The first wait ends when the test says; the second lasts until cancelled.
                if count.withLock({ $0 += 1; return $0 }) == 1 { try await firstInterval.wait() } else { try await Task.sleep(for: .seconds(3600)) }
            }
            let running = Task { try await probe.run() }
            var waits = waitsStarted.makeAsyncIterator()
            #expect(await waits.next() == .seconds(60))
            #expect(app.upstream.requestCount == 0, "nothing asked before the first interval is up")
            firstInterval.open()
            #expect(await waits.next() == .seconds(60), "the next wait starts only after the probe")
            #expect(app.upstream.requestCount == 1)
            #expect(app.provider.health().probe?.outcome == "ok")
            running.cancel()
            _ = try? await running.value
        }
    }

    @Test func offlineProviderNeverProbes() async throws {
        try await withUpstreamApp(.openAI, ["LLM_PROVIDER": "offline", "AI_HEALTH_PROBE_INTERVAL": "1"]) { client, app in
            #expect(!app.state.backgroundServices.contains { $0 is AIHealthProbeService })
            _ = try await app.logs.line(containing: "AI health probe off: the offline provider")
            #expect(await service(app).probeOnce() == .skipped)
            let ai = try await client.get("/health/ai").json
            #expect(ai["status"] as? String == "offline")
            #expect(ai["probe"] is NSNull)
            #expect(app.upstream.requestCount == 0)
        }
    }

    @Test func serverRunsTheProbeOnlyWhenAnIntervalIsSet() async throws {
        try await withUpstreamApp(.openAI) { _, app in
            #expect(app.state.backgroundServices.contains { $0 is AIHealthProbeService }, "on by default (60 s)")
            _ = try await app.logs.line(containing: "AI health probe on")
        }
        try await withUpstreamApp(.openAI, ["AI_HEALTH_PROBE_INTERVAL": "0"]) { _, app in
            #expect(!app.state.backgroundServices.contains { $0 is AIHealthProbeService })
            _ = try await app.logs.line(containing: "AI health probe off (AI_HEALTH_PROBE_INTERVAL=0)")
        }
    }
}
