import Foundation
import LuaRuntime
import OracleCore
@testable import Policies
import Testing
import TestSupport

@Suite struct PolicyHostTests {
    @Test func startsWithEveryShippedPolicyActive() async throws {
        let fixture = try await PolicyHostFixture()
        defer { fixture.remove() }
        let host = fixture.makeHost()
        await host.start()
        #expect(host.status().map(\.state) == Array(repeating: "ok", count: PolicyKind.allCases.count))
        #expect(host.overallState == "ok")
        let decision = await host.decideRollout(PolicyHostFixture.rolloutInput)
        #expect(decision.value.enabled)
        #expect(!decision.isFallback)
        #expect(decision.version == PolicySource.hash(of: try fixture.read(.rollout)))
    }

    /// Every way to break a file: the last good version keeps serving and the failure is reported.
    @Test(arguments: [
        ("function decide(ctx) return {enabled = true, reason = 'x' end", PolicyFailure.Stage.compile),
        ("function decid(ctx) return {enabled = true, reason = 'x'} end", .entry),
        ("function decide(ctx) error('boom') end", .contract),
        ("function decide(ctx) return {enabled = 'yes', reason = 'x'} end", .contract),
        ("function decide(ctx) return {enabled = false, reason = 'never'} end", .tests),
        ("local x = nil .. 'a'\nfunction decide(ctx) return {enabled = true, reason = 'x'} end", .compile),
    ])
    func brokenVersionsNeverReplaceTheLastGood(source: String, stage: PolicyFailure.Stage) async throws {
        let fixture = try await PolicyHostFixture()
        defer { fixture.remove() }
        let host = fixture.makeHost()
        await host.start()
        let good = try #require(host.activeHash(.rollout))
        try fixture.write(.rollout, source)
        let outcome = await host.reload(.rollout)
        guard case .rejected(let failure) = outcome else {
            Issue.record("expected a rejection, got \(outcome)")
            return
        }
        #expect(failure.stage == stage)
        #expect(host.activeHash(.rollout) == good)
        #expect(host.failure(.rollout)?.stage == stage)
        #expect(host.status().first { $0.name == "rollout" }?.state == "failing")
        let decision = await host.decideRollout(PolicyHostFixture.rolloutInput)
        #expect(!decision.isFallback)
        #expect(decision.version == good)
    }

    @Test func failureNamesTheLine() async throws {
        let fixture = try await PolicyHostFixture()
        defer { fixture.remove() }
        let host = fixture.makeHost()
        await host.start()
        try fixture.write(.cleanup, "-- line 1\n-- line 2\nfunction plan(s)\n  return {idle_ttl = 'soon'\nend\n")
        _ = await host.reload(.cleanup)
        let failure = try #require(host.failure(.cleanup))
        #expect(failure.location?.hasSuffix("cleanup.lua:5") == true, "\(failure)")
    }

    @Test func goodEditActivatesAndIsRecorded() async throws {
        let fixture = try await PolicyHostFixture()
        defer { fixture.remove() }
        let host = fixture.makeHost()
        await host.start()
        let original = try fixture.read(.severity)
        let edited = original + "\n-- tuned by the on-call engineer\n"
        try fixture.write(.severity, edited)
        #expect(await host.reload(.severity) == .activated(hash: PolicySource.hash(of: edited)))
        #expect(await host.reload(.severity) == .unchanged(hash: PolicySource.hash(of: edited)))
        let versions = try await host.versions(.severity)
        #expect(versions.map(\.hash) == [PolicySource.hash(of: edited), PolicySource.hash(of: original)])
        #expect(versions.first?.isActive == true)
    }

    @Test func rollbackToPreviousAndToAGivenVersion() async throws {
        let fixture = try await PolicyHostFixture()
        defer { fixture.remove() }
        let host = fixture.makeHost()
        await host.start()
        let v1 = try fixture.read(.cleanup)
        let v2 = v1 + "\n-- v2\n"
        try fixture.write(.cleanup, v2)
        _ = await host.reload(.cleanup)
        #expect(try await host.rollback(.cleanup).hash == PolicySource.hash(of: v1))
        #expect(host.activeHash(.cleanup) == PolicySource.hash(of: v1))
        #expect(try fixture.read(.cleanup) == v1, "the file follows the rollback so a restart agrees")
        let hashV2 = PolicySource.hash(of: v2)
        #expect(try await host.rollback(.cleanup, to: String(hashV2.prefix(6))).hash == hashV2)
        #expect(host.activeHash(.cleanup) == hashV2)
        await #expect(throws: PolicyRollbackError.versionNotFound("ffffffff")) {
            _ = try await host.rollback(.cleanup, to: "ffffffff")
        }
    }

    @Test func restartWithABrokenFileServesTheLastGoodStoredVersion() async throws {
        let fixture = try await PolicyHostFixture()
        defer { fixture.remove() }
        let first = fixture.makeHost()
        await first.start()
        let good = try #require(first.activeHash(.escalation))
        try fixture.write(.escalation, "function escalate(i) return nil")  // broken while the server is down
        let second = fixture.makeHost()
        await second.start()
        #expect(second.activeHash(.escalation) == good)
        #expect(second.status().first { $0.name == "escalation" }?.active?.origin == "stored")
        #expect(second.failure(.escalation)?.stage == .compile)
        #expect(second.overallState == "degraded")
    }

    @Test func missingPolicyWithNothingStoredUsesTheSafeDefault() async throws {
        let fixture = try await PolicyHostFixture()
        defer { fixture.remove() }
        try FileManager.default.removeItem(atPath: (fixture.policies as NSString).appendingPathComponent("rollout.lua"))
        let host = fixture.makeHost()
        await host.start()
        #expect(host.status().first { $0.name == "rollout" }?.state == "unavailable")
        let decision = await host.decideRollout(PolicyHostFixture.rolloutInput)
        #expect(decision.isFallback)
        #expect(decision.value.enabled == false)
    }

    /// A policy that passes its checks but loops or allocates without bound on some input:
    /// that call fails quickly, the safe default answers, the server keeps going.
    @Test func hostileInputsHitTheBudgetAndTheMemoryCap() async throws {
        let fixture = try await PolicyHostFixture()
        defer { fixture.remove() }
        try fixture.write(.rollout, """
            function decide(ctx)
              if ctx.session_id == "loop" then while true do end end
              if ctx.session_id == "bomb" then local s = string.rep("x", 1 << 30) end
              return {enabled = true, reason = "ok"}
            end
            """)
        try FileManager.default.removeItem(atPath: (fixture.policies as NSString).appendingPathComponent("tests/rollout_test.lua"))
        let host = fixture.makeHost(limits: LuaLimits(instructionBudget: 100_000, memoryLimitBytes: 8 << 20))
        await host.start()
        for id in ["loop", "bomb"] {
            var input = PolicyHostFixture.rolloutInput
            input.sessionID = id
            let decision = await host.decideRollout(input)
            #expect(decision.isFallback, "\(id)")
            #expect(decision.value.enabled == false)
            #expect(decision.error != nil)
        }
        #expect(await host.decideRollout(PolicyHostFixture.rolloutInput).isFallback == false)
    }

    /// POLICY_INSTRUCTION_BUDGET bounds one call; a policy's tests, which call it thousands of
    /// times, run under at least the CLI's limits, so lowering the budget rejects no policy.
    @Test func aLowCallBudgetStillActivatesEveryShippedPolicy() async throws {
        let fixture = try await PolicyHostFixture()
        defer { fixture.remove() }
        let host = fixture.makeHost(limits: LuaLimits(instructionBudget: 20_000))
        await host.start()
        for kind in PolicyKind.allCases {
            #expect(host.activeVersion(kind) != nil, "\(kind) not active")
        }
    }

    /// Reloads while evaluations run: every evaluation answers from one version or the other,
    /// never fails, never a fallback.
    @Test func reloadRacesWithConcurrentEvaluation() async throws {
        let fixture = try await PolicyHostFixture()
        defer { fixture.remove() }
        let host = fixture.makeHost()
        await host.start()
        let original = try fixture.read(.rollout)
        let hashes = Set((0..<5).map { PolicySource.hash(of: original + "\n-- v\($0)\n") } + [PolicySource.hash(of: original)])
        let results = try await withThrowingTaskGroup(of: [String?].self) { group in
            for _ in 0..<4 {
                group.addTask {
                    var seen: [String?] = []
                    for _ in 0..<300 {
                        let d = await host.decideRollout(PolicyHostFixture.rolloutInput, record: false)
                        seen.append(d.isFallback ? nil : d.version)
                    }
                    return seen
                }
            }
            group.addTask {
                for i in 0..<5 {
                    try fixture.write(.rollout, original + "\n-- v\(i)\n")
                    _ = await host.reload(.rollout)
                }
                return []
            }
            return try await group.reduce(into: [String?]()) { $0 += $1 }
        }
        #expect(results.count == 1200)
        #expect(results.allSatisfy { $0 != nil && hashes.contains($0!) })
        #expect(host.activeHash(.rollout) == PolicySource.hash(of: original + "\n-- v4\n"))
    }

    @Test func decisionLogIsSampledBoundedAndFreeOfSecrets() async throws {
        let fixture = try await PolicyHostFixture()
        defer { fixture.remove() }
        let host = fixture.makeHost(sampleRates: [.rollout: 0.25], redactor: Redactor(secrets: ["tenant-secret-key"]))
        await host.start()
        var input = PolicyHostFixture.rolloutInput
        input.tenantID = "tenant-secret-key"
        for _ in 0..<40 { _ = await host.decideRollout(input) }
        _ = await host.classifySeverity(.unreachable)
        let rollout = try await host.decisionLog.recent(policy: .rollout, limit: 100)
        #expect(rollout.count == 10)
        #expect(rollout.allSatisfy { !$0.input.contains("tenant-secret-key") && $0.input.contains("[redacted]") })
        #expect(try await host.decisionLog.recent(policy: .severity).count == 1)
    }

    @Test func evaluateRawDoesNotRecord() async throws {
        let fixture = try await PolicyHostFixture()
        defer { fixture.remove() }
        let host = fixture.makeHost()
        await host.start()
        let result = await host.evaluateRaw(.cleanup, [
            "now": 1, "active": 10, "capacity": 100, "memory": ["used_percent": 20.0], "emergency_requested": false,
            "settings": ["timeout": 3600, "batch_size": 50, "emergency_threshold": 0.95],
        ])
        #expect(result.output["emergency"] == false)
        #expect(try await host.decisionLog.recent(policy: nil).isEmpty)
    }

    /// An admin trying severity.lua on made-up input must not change what the incident loop
    /// falls back on when the policy fails: that stays the last live classification.
    @Test func evaluateRawLeavesTheLiveFallbackAlone() async throws {
        let fixture = try await PolicyHostFixture()
        defer { fixture.remove() }
        let logs = LogCapture()
        let host = fixture.makeHost(logger: logs.logger)
        await host.start()
        // An input no typed snapshot can be: severity.lua fails on it, as a live call could fail.
        let failing: LuaValue = ["reachable": true, "persistent_sessions": 5]
        let quiet = MonitoringSnapshot(
            reachable: true, requests: 0, errorRate: 0, errorRatePerHour: 0, avgResponseMs: 0, p95ResponseMs: 0,
            cacheHitRatio: nil, memory: PolicyMemory(usedPercent: 40), database: .init(status: "healthy"), ai: .init(status: "healthy"),
            persistentSessions: .init(enabled: false, failing: false), tenantsAffected: 0)
        #expect(await host.classifySeverity(quiet).value.severity == nil)

        #expect(await host.evaluateRaw(.severity, ["reachable": false]).output["severity"] == "P0")
        let tried = await host.evaluateRaw(.severity, failing)
        #expect(tried.isFallback && tried.error?.contains("attempt to index a number value") == true)
        #expect(!logs.text.contains("policy evaluation failed"), "a dry run is no failure of the live policy")

        let live = await host.evaluate(.severity, failing, as: SeverityDecision.self, record: false)
        #expect(live.isFallback)
        #expect(live.value.severity == nil, "the fallback is the last live classification, not the admin's P0")
    }
}
