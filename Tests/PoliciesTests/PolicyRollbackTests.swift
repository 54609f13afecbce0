import Foundation
import Logging
import LuaRuntime
@testable import Policies
import Storage
import Testing

/// Rollback restores a version with the tests it passed, and only after they pass again.
@Suite struct PolicyRollbackTests {
    /// v2: rollout paused for everybody, with tests that say so (the shipped tests fail on it).
    static let pausedRollout = """
        function decide(ctx)
          return {enabled = false, reason = "rollout paused"}
        end
        """
    static let pausedTests = """
        function test_everybody_is_paused()
          local d = decide({session_id = "s", tenant_id = "t",
                            settings = {use_persistent_sessions = true, rollout_percentage = 100}})
          expect_eq(d, {enabled = false, reason = "rollout paused"})
        end
        """

    func testFile(_ fixture: PolicyHostFixture, _ kind: PolicyKind = .rollout) -> String {
        (fixture.policies as NSString).appendingPathComponent("tests/\(kind.testFileName)")
    }

    func readTests(_ fixture: PolicyHostFixture) throws -> String {
        try String(contentsOfFile: testFile(fixture), encoding: .utf8)
    }

    func writeTests(_ fixture: PolicyHostFixture, _ text: String) throws {
        try text.write(toFile: testFile(fixture), atomically: true, encoding: .utf8)
    }

    @Test func rollbackRestoresThePolicyWithTheTestsItPassedAndARestartAgrees() async throws {
        let fixture = try await PolicyHostFixture()
        defer { fixture.remove() }
        let host = fixture.makeHost()
        _ = await host.reload(.rollout)
        let v1 = try fixture.read(.rollout)
        let t1 = try readTests(fixture)
        try writeTests(fixture, Self.pausedTests)
        try fixture.write(.rollout, Self.pausedRollout)
        #expect(await host.reload(.rollout) == .activated(hash: PolicySource.hash(of: Self.pausedRollout)))
        let stored = try await fixture.store.policyActivations(policy: "rollout")
        #expect(stored.map(\.tests) == [.file(Self.pausedTests), .file(t1)], "each version carries the tests it passed")

        let rollback = try await host.rollback(.rollout)
        #expect(rollback == PolicyRollback(hash: PolicySource.hash(of: v1), tests: .restored))
        #expect(try fixture.read(.rollout) == v1)
        #expect(try readTests(fixture) == t1)
        #expect(host.status().first { $0.name == "rollout" }?.state == "ok")

        let report = PolicyTestRunner(policiesDirectory: fixture.policies, luaDirectory: fixture.lua,
                                      limits: PolicyHostFixture.runnerLimits).run()
        #expect(report.failed == 0 && report.passed > 0, "\(report.summaryLine)")

        let restarted = fixture.makeHost()
        await restarted.start()
        #expect(restarted.overallState == "ok")
        #expect(restarted.activeHash(.rollout) == PolicySource.hash(of: v1))
        #expect(restarted.failure(.rollout) == nil)
    }

    /// The stored tests run against the target before anything is written or swapped: when they
    /// no longer pass (here a fixture they read changed), the rollback is refused and nothing moves.
    @Test func aRollbackWhoseStoredTestsFailIsRefusedAndChangesNothing() async throws {
        let fixture = try await PolicyHostFixture()
        defer { fixture.remove() }
        let fixtureFile = (fixture.policies as NSString).appendingPathComponent("tests/fixtures/rollout_everyone.json")
        let everyone = #"{"session_id": "s", "tenant_id": "t", "settings": {"use_persistent_sessions": true, "rollout_percentage": 100}}"#
        try everyone.write(toFile: fixtureFile, atomically: true, encoding: .utf8)
        let t1 = try readTests(fixture) + """

            function test_everyone_from_fixture()
              expect_true(decide(fixture("rollout_everyone.json")).enabled)
            end
            """
        try writeTests(fixture, t1)
        let host = fixture.makeHost()
        _ = await host.reload(.rollout)
        let v1 = try #require(host.activeHash(.rollout))
        try writeTests(fixture, Self.pausedTests)
        try fixture.write(.rollout, Self.pausedRollout)
        _ = await host.reload(.rollout)
        let v2 = PolicySource.hash(of: Self.pausedRollout)
        #expect(host.activeHash(.rollout) == v2)

        try everyone.replacingOccurrences(of: "true", with: "false").write(toFile: fixtureFile, atomically: true, encoding: .utf8)
        do {
            _ = try await host.rollback(.rollout, to: v1)
            Issue.record("the rollback should have been refused")
        } catch {
            guard case .rejected(let failure) = error else { throw error }
            #expect(failure.stage == .tests)
            #expect(failure.message.contains("test_everyone_from_fixture"), "\(failure.message)")
            #expect(failure.location?.hasPrefix(testFile(fixture)) == true, "names the real test file: \(failure.location ?? "-")")
        }
        #expect(host.activeHash(.rollout) == v2)
        #expect(try fixture.read(.rollout) == Self.pausedRollout)
        #expect(try readTests(fixture) == Self.pausedTests)
        #expect(host.status().first { $0.name == "rollout" }?.state == "ok", "the serving version and its files are fine")
    }

    /// A version that went live without a test file comes back without one.
    @Test func aVersionWithoutTestsRemovesTheTestFile() async throws {
        let fixture = try await PolicyHostFixture()
        defer { fixture.remove() }
        try FileManager.default.removeItem(atPath: testFile(fixture, .cleanup))
        let host = fixture.makeHost()
        _ = await host.reload(.cleanup)
        let v1 = try #require(host.activeHash(.cleanup))
        let v2 = try fixture.read(.cleanup) + "\n-- v2, with a test\n"
        try "function test_plan_exists() expect_eq(type(plan), 'function') end\n"
            .write(toFile: testFile(fixture, .cleanup), atomically: true, encoding: .utf8)
        try fixture.write(.cleanup, v2)
        _ = await host.reload(.cleanup)
        #expect(try await host.rollback(.cleanup) == PolicyRollback(hash: v1, tests: .removed))
        #expect(!FileManager.default.fileExists(atPath: testFile(fixture, .cleanup)))
        let restarted = fixture.makeHost()
        await restarted.start()
        #expect(restarted.overallState == "ok")
    }

    /// A version stored before versions kept their tests rolls back as before: the policy file
    /// only, no tests run, and the answer says so.
    @Test func aVersionStoredBeforeTestsWereKeptRollsBackThePolicyOnly() async throws {
        let fixture = try await PolicyHostFixture()
        defer { fixture.remove() }
        let legacy = try fixture.read(.cleanup) + "\n-- stored by an older build\n"
        try await fixture.store.recordActivation(policy: "cleanup", hash: PolicySource.hash(of: legacy), source: legacy,
                                                 origin: "file", at: Date(timeIntervalSinceNow: -3600))
        let host = fixture.makeHost()
        _ = await host.reload(.cleanup)
        let tests = try String(contentsOfFile: testFile(fixture, .cleanup), encoding: .utf8)
        let rollback = try await host.rollback(.cleanup)
        #expect(rollback == PolicyRollback(hash: PolicySource.hash(of: legacy), tests: .notRecorded))
        #expect(try fixture.read(.cleanup) == legacy)
        #expect(try String(contentsOfFile: testFile(fixture, .cleanup), encoding: .utf8) == tests)
        #expect(try await fixture.store.policyActivations(policy: "cleanup", limit: 1).first?.tests == .notRecorded)
    }
}
