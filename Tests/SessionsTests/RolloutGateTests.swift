import Foundation
import OracleCore
import Sessions
import Testing
import TestSupport

@Suite struct RolloutGateTests {
    /// Through the real rollout.lua: a higher percentage only adds sessions, and each share is
    /// within two points of the percentage.
    @Test func rolloutIsStickyAndMonotonicOverTenThousandSessions() async throws {
        let policies = await SessionFixture.policies()
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let config = try await TestConfig.make(["USE_PERSISTENT_SESSIONS": "true"], in: dir)
        let gate = RolloutGate(policies: policies, live: LiveSettings(config: config))
        let ids = (0..<10_000).map { _ in UUID().uuidString.lowercased() }
        var previous: Set<String> = []
        for percentage in [0, 1, 10, 25, 50, 75, 100] {
            var settings = config.sessions
            settings.rolloutPercentage = percentage
            var enabled: Set<String> = []
            for id in ids {
                if await gate.decide(sessionID: id, tenant: "default", settings: settings) { enabled.insert(id) }
            }
            #expect(previous.isSubset(of: enabled), "raising to \(percentage)% removed sessions")
            #expect(abs(Double(enabled.count) / 100 - Double(percentage)) <= 2, "\(percentage)%: \(enabled.count) of 10000")
            previous = enabled
        }
        var off = config.sessions
        off.usePersistentSessions = false
        off.rolloutPercentage = 100
        #expect(await gate.decide(sessionID: ids[0], tenant: "default", settings: off) == false)
    }

    @Test func decisionsAreKeptUntilTheSettingsChange() async throws {
        let f = try await SessionFixture.make(["GRADUAL_ROLLOUT_PERCENTAGE": "30"])
        defer { f.close() }
        let ids = (0..<300).map { "session-\($0)" }
        var at30: Set<String> = []
        for id in ids {
            if await f.cache.rollout.isEnabled(sessionID: id, tenant: "default") { at30.insert(id) }
        }
        try await f.overrides.set(name: "GRADUAL_ROLLOUT_PERCENTAGE", value: "60", reason: "phase 4", actor: "admin")
        var at60: Set<String> = []
        for id in ids {
            if await f.cache.rollout.isEnabled(sessionID: id, tenant: "default") { at60.insert(id) }
        }
        #expect(at30.isSubset(of: at60) && at60.count > at30.count)
        try await f.overrides.set(name: "USE_PERSISTENT_SESSIONS", value: "false", reason: "rollback", actor: "admin")
        for id in at60 { #expect(await f.cache.rollout.isEnabled(sessionID: id, tenant: "default") == false) }
    }
}
