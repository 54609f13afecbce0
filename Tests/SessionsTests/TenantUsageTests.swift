import Foundation
import OracleCore
import Sessions
import Storage
import Testing
import TestSupport

/// The sliding windows admission.lua reads: what counts, when it leaves, and the retry-after
/// computed from them, on a clock the test moves (no sleeps).
@Suite struct TenantUsageTests {
    static let start = 1_700_000_000.5

    func usage(_ clock: ManualClock) -> TenantUsage { TenantUsage(clock: clock.read) }

    func clock() -> ManualClock {
        let clock = ManualClock()
        clock.advance(Self.start - clock.now)
        return clock
    }

    @Test func theMinuteWindowsSlideBySecond() {
        let clock = clock(), usage = usage(clock)
        let limits = TenantLimits.Limits(requestsPerMinute: 2, tokensPerMinute: 100)
        usage.recordAdmitted(tenant: "acme", estimatedPrompt: 40)
        clock.advance(10)
        usage.recordAdmitted(tenant: "acme", estimatedPrompt: 40)
        usage.recordCompletion(tenant: "acme", estimatedPrompt: 40, usage: TokenUsage(promptTokens: 50, completionTokens: 5))
        var reading = usage.reading(tenant: "acme", need: 20, limits: limits)
        // 40 + 40, then the reported prompt's 10 beyond the estimate and 5 completion tokens.
        #expect(reading.requestsPerMinute == .init(used: 2, retryAfterSeconds: 50))
        #expect(reading.tokensPerMinute == .init(used: 95, retryAfterSeconds: 50))
        #expect(reading.tokensPerDay == .init(used: 95, retryAfterSeconds: nil))
        // The first second leaves the window 60 s after it: 1_700_000_060.
        clock.advance(49)
        reading = usage.reading(tenant: "acme", need: 20, limits: limits)
        #expect(reading.tokensPerMinute == .init(used: 95, retryAfterSeconds: 1))
        clock.advance(1)
        reading = usage.reading(tenant: "acme", need: 20, limits: limits)
        #expect(reading.requestsPerMinute == .init(used: 1, retryAfterSeconds: nil))
        #expect(reading.tokensPerMinute == .init(used: 55, retryAfterSeconds: nil))
        // Another tenant has windows of its own.
        #expect(usage.reading(tenant: "globex", need: 20, limits: limits).tokensPerMinute == .init(used: 0))
    }

    @Test func aNeedLargerThanTheLimitWaitsTheWholeWindow() {
        let clock = clock(), usage = usage(clock)
        let reading = usage.reading(tenant: "acme", need: 500, limits: .init(tokensPerMinute: 100, tokensPerDay: 400))
        #expect(reading.tokensPerMinute.retryAfterSeconds == 60 && reading.tokensPerDay.retryAfterSeconds == 86_400)
    }

    @Test func theDayWindowSlidesByMinuteAndSurvivesARestart() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try SQLiteStore(location: DatabaseLocation(path: dir.file("usage.db")))
        try await store.migrate()
        let clock = clock(), usage = usage(clock)
        usage.recordAdmitted(tenant: "acme", estimatedPrompt: 300)
        clock.advance(3600)
        usage.recordAdmitted(tenant: "acme", estimatedPrompt: 200)
        try await usage.flush(to: store)
        // Nothing changed since: a second flush writes nothing and loses nothing.
        try await usage.flush(to: store)

        clock.advance(120)
        let restarted = TenantUsage(clock: clock.read)
        try await restarted.load(from: store)
        let limits = TenantLimits.Limits(tokensPerDay: 600)
        let reading = restarted.reading(tenant: "acme", need: 150, limits: limits)
        #expect(reading.tokensPerDay.used == 500)
        #expect(reading.tokensPerMinute.used == 0, "both minutes are over a minute old")
        // The first minute (1_699_999_980 ... 1_700_000_039) leaves once its last second is a day old.
        let leaves = 1_700_000_039.0 + 86_400
        #expect(reading.tokensPerDay.retryAfterSeconds == Int((leaves - clock.now).rounded(.up)))
        #expect(restarted.summaries() == [TenantUsage.Summary(
            tenant: "acme", requestsLastMinute: 0, tokensLastMinute: 0, requestsLastDay: 2,
            promptTokensLastDay: 500, completionTokensLastDay: 0)])
        clock.advance(leaves - clock.now)
        #expect(restarted.reading(tenant: "acme", need: 150, limits: limits).tokensPerDay == .init(used: 200))
        try store.close()
    }

    @Test func aRestoredMinuteStillCountsInTheMinuteWindow() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try SQLiteStore(location: DatabaseLocation(path: dir.file("usage.db")))
        try await store.migrate()
        let clock = clock(), usage = usage(clock)
        usage.recordAdmitted(tenant: "acme", estimatedPrompt: 90)
        try await usage.flush(to: store)
        clock.advance(5)
        let restarted = TenantUsage(clock: clock.read)
        try await restarted.load(from: store)
        // Counted at its minute's last second, or the restart's if that is earlier (…00_005):
        // never earlier than it happened, so it never leaves the window early.
        let reading = restarted.reading(tenant: "acme", need: 20, limits: .init(tokensPerMinute: 100))
        #expect(reading.tokensPerMinute == .init(used: 90, retryAfterSeconds: 60))
        try store.close()
    }
}
