import Foundation
import Sessions
import Storage
import Testing

@Suite struct OverrideServiceTests {
    @Test func setAndClearApplyAtOnceAndLeaveAnAuditTrail() async throws {
        let f = try await SessionFixture.make(["GRADUAL_ROLLOUT_PERCENTAGE": "50"])
        defer { f.close() }
        let version = f.live.version
        try await f.overrides.set(name: "GRADUAL_ROLLOUT_PERCENTAGE", value: "25", reason: "halve", actor: "escalation:INC-7")
        #expect(f.live.sessions.rolloutPercentage == 25 && f.live.version > version)
        #expect(f.live.effective("GRADUAL_ROLLOUT_PERCENTAGE") == ("25", "override"))
        try await f.overrides.clear(name: "GRADUAL_ROLLOUT_PERCENTAGE", actor: "admin", reason: "recovered")
        #expect(f.live.sessions.rolloutPercentage == 50)
        #expect(f.live.effective("GRADUAL_ROLLOUT_PERCENTAGE") == ("50", "config"))

        let audit = try await f.store.overrideAudit(name: "GRADUAL_ROLLOUT_PERCENTAGE")
        #expect(audit.map(\.action) == ["clear", "set"])
        #expect(audit[1].actor == "escalation:INC-7" && audit[1].newValue == "25" && audit[1].oldValue == nil)
        #expect(audit[0].oldValue == "25" && audit[0].reason == "recovered")
    }

    @Test func refusesWhatConfigurationWouldRefuse() async throws {
        let f = try await SessionFixture.make()
        defer { f.close() }
        await #expect(throws: OverrideError.invalidValue(
            name: "GRADUAL_ROLLOUT_PERCENTAGE", message: "GRADUAL_ROLLOUT_PERCENTAGE must be an integer 0–100 (got \"150\")")) {
            try await f.overrides.set(name: "GRADUAL_ROLLOUT_PERCENTAGE", value: "150", reason: "x", actor: "admin")
        }
        await #expect(throws: OverrideError.unknownSetting("NOPE")) {
            try await f.overrides.set(name: "NOPE", value: "1", reason: "x", actor: "admin")
        }
        await #expect(throws: OverrideError.notOverridable("DATABASE_URL")) {
            try await f.overrides.set(name: "DATABASE_URL", value: "x.db", reason: "x", actor: "admin")
        }
        await #expect(throws: OverrideError.missingReason) {
            try await f.overrides.set(name: "CLEANUP_INTERVAL", value: "60", reason: "  ", actor: "admin")
        }
        await #expect(throws: OverrideError.notSet("CLEANUP_INTERVAL")) {
            try await f.overrides.clear(name: "CLEANUP_INTERVAL", actor: "admin", reason: "x")
        }
        #expect(f.live.snapshot.overrides.isEmpty)
        #expect(try await f.store.overrideAudit().isEmpty, "nothing half-written stays behind")
    }

    @Test func aLateWriterNeverAppliesStaleState() async throws {
        let f = try await SessionFixture.make()
        defer { f.close() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for n in 1...20 {
                group.addTask {
                    try await f.overrides.set(name: "MAX_PERSISTENT_SESSIONS", value: "\(n * 10)", reason: "r", actor: "admin")
                }
            }
            try await group.waitForAll()
        }
        let stored = try await f.store.activeOverrides().active.first { $0.name == "MAX_PERSISTENT_SESSIONS" }
        #expect(stored?.value == String(f.live.sessions.maxSessions))
    }
}
