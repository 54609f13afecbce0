import Foundation
import Logging
import OracleCore
import Policies
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

@Suite struct RolloutGatePolicyReloadTests {
    /// A new rollout.lua applies to sessions already decided, not only to new ones.
    @Test func aReloadedRolloutPolicyReplacesKeptDecisions() async throws {
        let dir = try TemporaryDirectory("oracle-rollout-reload")
        defer { dir.remove() }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        try FileManager.default.copyItem(atPath: root.appendingPathComponent("policies").path, toPath: dir.file("policies"))
        try FileManager.default.copyItem(atPath: root.appendingPathComponent("lua").path, toPath: dir.file("lua"))
        let host = PolicyHost(configuration: .init(policiesDirectory: dir.file("policies"), luaDirectory: dir.file("lua")),
                              store: nil, logger: Logger(label: "test"))
        await host.start()
        let config = try await TestConfig.make(["USE_PERSISTENT_SESSIONS": "true", "GRADUAL_ROLLOUT_PERCENTAGE": "100"], in: dir)
        let gate = RolloutGate(policies: host, live: LiveSettings(config: config))
        #expect(await gate.isEnabled(sessionID: "s1", tenant: "default"))

        try FileManager.default.removeItem(atPath: dir.file("policies/tests/rollout_test.lua"))
        try "function decide(ctx) return {enabled = false, reason = 'paused by the operator'} end"
            .write(toFile: dir.file("policies/rollout.lua"), atomically: true, encoding: .utf8)
        guard case .activated = await host.reload(.rollout) else {
            Issue.record("the new rollout.lua was not activated")
            return
        }
        #expect(await gate.isEnabled(sessionID: "s1", tenant: "default") == false)
    }
}
