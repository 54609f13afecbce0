import Foundation
import LuaRuntime
import OracleCore
@testable import Policies
import Storage
import Testing
import TestSupport

/// Whatever a policy raises, returns or is given, what is kept about it stays small.
@Suite struct DecisionLogBoundsTests {
    /// A rollout policy that raises an 8 MiB error, or returns a 100 KB reason, for some sessions.
    static let hostileRollout = """
        function decide(ctx)
          if ctx.session_id == "huge-error" then error(string.rep("E", 8 << 20)) end
          if ctx.session_id == "huge-reason" then return {enabled = false, reason = string.rep("R", 100000)} end
          return {enabled = true, reason = "ok"}
        end
        """

    func input(_ session: String, tenant: String = "default") -> RolloutInput {
        RolloutInput(sessionID: session, tenantID: tenant, settings: .init(usePersistentSessions: true, rolloutPercentage: 100))
    }

    func hostileHost(_ fixture: PolicyHostFixture, redactor: Redactor = Redactor(secrets: [])) async throws -> PolicyHost {
        try fixture.write(.rollout, Self.hostileRollout)
        try FileManager.default.removeItem(atPath: (fixture.policies as NSString).appendingPathComponent("tests/rollout_test.lua"))
        // The Lua host cuts errors at 4 KiB and results at 64 KiB before the log sees them; with
        // those raised (nothing stops an operator), the log's own bounds must still hold.
        let generous = LuaLimits(instructionBudget: 100_000_000, memoryLimitBytes: 64 << 20, timeout: .seconds(10),
                                 maxStringBytes: 16 << 20, maxResultBytes: 1 << 20, maxErrorBytes: 16 << 20)
        let host = fixture.makeHost(limits: generous, redactor: redactor)
        _ = await host.reload(.rollout)
        #expect(host.activeHash(.rollout) == PolicySource.hash(of: Self.hostileRollout))
        return host
    }

    /// Ten evaluations that each raise 8 MiB used to write 160 MiB of decision log.
    @Test func aHugeErrorIsRecordedSmall() async throws {
        let fixture = try await PolicyHostFixture()
        defer { fixture.remove() }
        let host = try await hostileHost(fixture)
        for _ in 0..<10 {
            let decision = await host.decideRollout(input("huge-error"))
            #expect(decision.isFallback && decision.value.enabled == false)
        }
        let recorded = try await host.decisionLog.recent(policy: .rollout)
        #expect(recorded.count == 10)
        for decision in recorded {
            let error = try #require(decision.error)
            #expect(error.utf8.count <= PolicyFailure.maxMessageBytes + 200, "the failure's message is cut at 2 KiB")
            #expect(error.contains("bytes in all]"), "says it was cut")
            #expect(decision.output.utf8.count <= DecisionLog.maxFieldBytes)
        }
        let total = recorded.reduce(0) { $0 + $1.input.utf8.count + $1.output.utf8.count + ($1.error?.utf8.count ?? 0) }
        #expect(total < 100_000, "10 decisions, \(total) bytes")
    }

    /// An input or output over 16 KiB is recorded as a small JSON object that says how big it was,
    /// and replay skips it rather than evaluate the marker.
    @Test func anOversizeInputOrOutputIsReplacedByAMarker() async throws {
        let fixture = try await PolicyHostFixture()
        defer { fixture.remove() }
        let host = try await hostileHost(fixture)
        let longTenant = String(repeating: "t", count: 50_000)
        _ = await host.decideRollout(input("big-input", tenant: longTenant))
        _ = await host.decideRollout(input("huge-reason"))
        let recorded = try await host.decisionLog.recent(policy: .rollout)
        let bigInput = try #require(recorded.first { !$0.output.contains("truncated") })
        let bigOutput = try #require(recorded.first { $0.output.contains("truncated") })

        let input = try LuaHelpers.jsonDecode(bigInput.input)
        #expect(DecisionLog.isTruncationMarker(input))
        #expect((input["original_bytes"]?.integerValue ?? 0) > 50_000)
        #expect(bigInput.output.contains("\"enabled\":true"), "the small output is kept as it was")

        let output = try LuaHelpers.jsonDecode(bigOutput.output)
        #expect(DecisionLog.isTruncationMarker(output))
        #expect((output["original_bytes"]?.integerValue ?? 0) > 100_000)
        #expect(bigOutput.input.contains("huge-reason"))

        let replay = try PolicyReplay(candidate: PolicySource(kind: .rollout, text: Self.hostileRollout, chunkName: "rollout.lua"))
            .run(recorded)
        #expect(replay.unreadable == 2 && replay.replayed == 0 && replay.errors == 0)
    }

    /// An error text over 16 KiB is cut at a character boundary with a marker, after redaction,
    /// so not even the start of a secret that straddles the cut is kept.
    @Test func anOversizeErrorIsCutAtACharacterBoundaryAfterRedaction() async throws {
        let fixture = try await PolicyHostFixture()
        defer { fixture.remove() }
        let secret = "sk-live-0123456789abcdef"
        let host = fixture.makeHost(redactor: Redactor(secrets: [secret]))
        let before = String(repeating: "é", count: (DecisionLog.maxFieldBytes - 40) / 2)
        let error = before + secret + String(repeating: "é", count: 20_000)
        host.decisionLog.record(.severity, version: nil, input: [:], output: [:], duration: .zero, fallback: true, error: error)
        let recorded = try #require(try await host.decisionLog.recent(policy: .severity).first?.error)
        #expect(recorded.utf8.count <= DecisionLog.maxFieldBytes)
        #expect(recorded.hasPrefix(String(repeating: "é", count: 1000)))
        #expect(recorded.hasSuffix("[cut: \(error.utf8.count - secret.utf8.count + "[redacted]".utf8.count) bytes in all]"))
        #expect(!recorded.contains("sk-live"), "no part of the secret survives the cut")
        #expect(!recorded.unicodeScalars.contains("\u{FFFD}"), "no character was split")
    }

    /// DECISION_LOG_MAX_BYTES: when the log is written, the oldest decisions go until the
    /// recorded inputs, outputs and errors fit.
    @Test func theLogIsKeptUnderItsByteLimitOldestFirst() async throws {
        let fixture = try await PolicyHostFixture()
        defer { fixture.remove() }
        let limit = 4096
        let host = PolicyHost(configuration: .init(policiesDirectory: fixture.policies, luaDirectory: fixture.lua,
                                                   decisionLogByteLimit: limit),
                              store: fixture.store, logger: .init(label: "test"))
        _ = await host.reload(.rollout)
        for n in 0..<50 {
            _ = await host.decideRollout(input("session-\(n)"))
            if n % 10 == 9 { await host.decisionLog.flush() }
        }
        let kept = try await host.decisionLog.recent(policy: nil, limit: 1000)
        let bytes = kept.reduce(0) { $0 + $1.recordedBytes }
        #expect(bytes <= limit && bytes > limit - 500, "\(kept.count) decisions, \(bytes) bytes")
        #expect(kept.first?.input.contains("session-49") == true, "the newest is kept")
        #expect(kept.count < 50)
        #expect(kept.map(\.id) == kept.map(\.id).sorted(by: >), "what remains is the newest, in one run")
        let all = try await fixture.store.decisions(policy: nil, since: nil, limit: 1000)
        #expect(all.count == kept.count)
    }

    /// `last_failure.message` and the warning logged for a refused version stay small, whatever
    /// the policy raised.
    @Test func aRefusedVersionsHugeErrorIsCutInItsFailureAndLogLine() async throws {
        let fixture = try await PolicyHostFixture()
        defer { fixture.remove() }
        let logs = LogCapture()
        // Raised Lua caps (see hostileHost): the failure's own bound must still hold.
        let generous = LuaLimits(instructionBudget: 100_000_000, memoryLimitBytes: 64 << 20, timeout: .seconds(10),
                                 maxStringBytes: 16 << 20, maxResultBytes: 1 << 20, maxErrorBytes: 16 << 20)
        let host = fixture.makeHost(limits: generous, logger: logs.logger)
        _ = await host.reload(.severity)
        try fixture.write(.severity, "error(string.rep('E', 8 << 20))\nfunction classify(m) return {reasons = {}} end\n")
        guard case .rejected(let failure) = await host.reload(.severity) else {
            Issue.record("the version should have been refused")
            return
        }
        #expect(failure.stage == .compile)
        #expect(failure.message.utf8.count <= PolicyFailure.maxMessageBytes)
        #expect(failure.message.hasSuffix("bytes in all]"))
        #expect(host.failure(.severity)?.message == failure.message)
        let longest = logs.text.split(separator: "\n").map(\.utf8.count).max() ?? 0
        #expect(longest < 4096, "longest log line: \(longest) bytes")
    }
}
