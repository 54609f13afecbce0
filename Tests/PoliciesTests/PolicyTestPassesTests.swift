import Foundation
@testable import Policies
import Storage
import Testing

/// A recorded pass stands only for exactly the inputs it covered.
@Suite struct PolicyTestPassesTests {
    @Test func theDigestChangesWithEveryInputOfTheRun() async throws {
        let fixture = try await PolicyHostFixture()
        defer { fixture.remove() }
        let runner = PolicyTestRunner(policiesDirectory: fixture.policies, luaDirectory: fixture.lua)
        let testFile = fixture.dir.file("policies/tests/rollout_test.lua")
        let policy = try fixture.read(.rollout)
        let tests = try String(contentsOfFile: testFile, encoding: .utf8)
        func digest(_ policy: String, _ tests: String, runner: PolicyTestRunner = runner) -> String? {
            PolicyTestPasses.digest(of: PolicySource(kind: .rollout, text: policy, chunkName: "rollout.lua"),
                                    tests: tests, testFile: testFile, runner: runner)
        }
        let base = try #require(digest(policy, tests))
        #expect(digest(policy, tests) == base)
        #expect(digest(policy + "\n-- edited", tests) != base)
        #expect(digest(policy, tests + "\n-- edited") != base)
        var stricter = runner
        stricter.limits.instructionBudget /= 2
        #expect(digest(policy, tests, runner: stricter) != base)
        // The test library and the fixtures are read by the tests: editing either changes it.
        let library = fixture.dir.file("lua/testing.lua")
        try (String(contentsOfFile: library, encoding: .utf8) + "\n-- edited").write(toFile: library, atomically: true, encoding: .utf8)
        let afterLibrary = try #require(digest(policy, tests))
        #expect(afterLibrary != base)
        let fixtures = fixture.dir.file("policies/tests/fixtures")
        try FileManager.default.createDirectory(atPath: fixtures, withIntermediateDirectories: true)
        try "{}".write(toFile: fixtures + "/new.json", atomically: true, encoding: .utf8)
        #expect(digest(policy, tests) != afterLibrary)
    }

    @Test func aPassRecordedInTheDatabaseIsFoundByALaterProcess() async throws {
        let fixture = try await PolicyHostFixture()
        defer { fixture.remove() }
        let digest = "test-digest-\(UUID().uuidString)"
        #expect(try await fixture.store.hasPolicyTestPass(digest: digest) == false)
        await PolicyTestPasses(store: fixture.store).record(digest, policy: .rollout)
        #expect(try await fixture.store.hasPolicyTestPass(digest: digest))
        // At most 50 kept per policy: the oldest go.
        for n in 0..<60 {
            try await fixture.store.recordPolicyTestPass(digest: "bulk-\(n)", policy: "severity",
                                                         at: Date(timeIntervalSince1970: Double(n)))
        }
        #expect(try await fixture.store.hasPolicyTestPass(digest: "bulk-59"))
        #expect(try await fixture.store.hasPolicyTestPass(digest: "bulk-0") == false)
    }
}
