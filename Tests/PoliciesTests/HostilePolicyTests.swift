import Foundation
import LuaRuntime
import OracleCore
import Policies
import Testing
import TestSupport

/// Hostile policy files hot-reloaded into a host, as an operator with write access to
/// `policies/` could write them: each is refused, or contained at evaluation, and the host keeps
/// serving its last good version or the safe default.
@Suite struct HostilePolicyTests {
    /// The shipped rollout.lua, misbehaving only on live-looking session ids (36 characters, as
    /// the server makes them): it passes its tests and the sample inputs.
    static func trojan(_ payload: String, shipped: String) -> String {
        shipped.replacingOccurrences(of: "function decide(ctx)\n",
                                     with: "function decide(ctx)\n  if #ctx.session_id == 36 then\n\(payload)\n  end\n")
    }

    static let liveInput = RolloutInput(sessionID: "0b3f2a10-5c1e-4d8a-9f27-3c5d6e7f8a9b", tenantID: "default",
                                        settings: .init(usePersistentSessions: true, rolloutPercentage: 100))

    @Test(arguments: [
        #"return string.rep("", math.maxinteger)"#,
        #"return ("a"):rep(400):find(".-.-.-b")"#,
        #"return string.find(("a"):rep(16), ("a*"):rep(16) .. "b")"#,
        #"for i = 1, 1000 do string.rep("x", 2e5) end"#,
        #"while true do end"#,
        #"local a, b = ("x"):rep(2e5), ("x"):rep(2e5 - 1) .. "y" while true do local _ = a == b end"#,
        #"return table.concat(setmetatable({}, {__index = tostring}), "", 1, 1e12)"#,
        #"return { enabled = true, reason = ("x"):rep(2e5) }"#,
        #"return { enabled = 0/0 > 1, reason = tostring(0/0), weight = 0/0 }"#,
        #"error(string.rep("E", 2e5))"#,
    ])
    func aTrojanIsContainedAtEvaluation(payload: String) async throws {
        let fixture = try await PolicyHostFixture()
        defer { fixture.remove() }
        let host = fixture.makeHost(limits: LuaLimits(timeout: .milliseconds(100)))
        await host.start()
        try fixture.write(.rollout, Self.trojan(payload, shipped: try fixture.read(.rollout)))
        guard case .activated = await host.reload(.rollout) else {
            Issue.record("the trojan should pass its checks: it only misbehaves on live-looking ids")
            return
        }
        for _ in 0..<3 {
            let decision = await host.decideRollout(Self.liveInput)
            #expect(decision.isFallback)
            #expect(decision.value.enabled == false)
            #expect((decision.error?.utf8.count ?? 0) < 8 << 10)
        }
        // Test inputs still get real answers.
        #expect(await !host.decideRollout(PolicyHostFixture.rolloutInput).isFallback)
    }

    @Test(arguments: [
        ("error = function() end", "cannot replace built-in 'error'"),
        ("pcall = function() return true end", "cannot replace built-in 'pcall'"),
        ("string = {}", "cannot replace built-in 'string'"),
        ("expect_eq = function() end", "test"),
    ])
    func aPolicyCannotSwitchOffItsTestGate(sabotage: String, reason: String) async throws {
        let fixture = try await PolicyHostFixture()
        defer { fixture.remove() }
        let host = fixture.makeHost()
        await host.start()
        let good = host.activeHash(.rollout)
        // Enables everyone: the shipped tests for the master switch and 0% fail on it.
        try fixture.write(.rollout, sabotage + "\nfunction decide(ctx) return { enabled = true, reason = 'always' } end")
        guard case .rejected(let failure) = await host.reload(.rollout) else {
            Issue.record("a policy whose tests fail went live")
            return
        }
        #expect(failure.message.contains(reason) || failure.stage == .tests, "\(failure)")
        #expect(host.activeHash(.rollout) == good)
    }

    @Test func aPolicyCannotSeeTheTestHelpers() async throws {
        let fixture = try await PolicyHostFixture()
        defer { fixture.remove() }
        let host = fixture.makeHost()
        await host.start()
        // Would answer correctly only under test, if it could tell.
        try fixture.write(.rollout, """
            function decide(ctx)
              local ok = pcall(function() return expect_eq end)
              if ok then return { enabled = false, reason = "under test" } end
              return { enabled = true, reason = "live" }
            end
            """)
        guard case .rejected(let failure) = await host.reload(.rollout) else {
            Issue.record("the test-detecting policy went live")
            return
        }
        #expect(failure.stage == .tests)
    }

    @Test func aPolicyCannotTellItsTestsFromLiveCallsByTheStringLimit() async throws {
        // Tests run under the serving memory, string and result caps (a caught refusal would
        // otherwise tell them apart); only the budget and time limit, whose stops cannot be
        // caught, are raised for tests.
        let fixture = try await PolicyHostFixture()
        defer { fixture.remove() }
        let host = fixture.makeHost()
        await host.start()
        let good = host.activeHash(.rollout)
        let probe = "function decide(ctx)\n  if not pcall(string.rep, \"x\", 300000) then return { enabled = true, reason = \"live\" } end\n"
        try fixture.write(.rollout, (try fixture.read(.rollout)).replacingOccurrences(of: "function decide(ctx)\n", with: probe))
        guard case .rejected(let failure) = await host.reload(.rollout) else {
            Issue.record("a policy that enables everyone outside its tests went live")
            return
        }
        #expect(failure.stage == .tests)
        #expect(host.activeHash(.rollout) == good)
    }

    @Test func aFIFOOrAHugeFileInPlaceOfThePolicyIsRefusedAtRead() async throws {
        let fixture = try await PolicyHostFixture()
        defer { fixture.remove() }
        let host = fixture.makeHost()
        await host.start()
        let good = host.activeHash(.rollout)
        let path = (fixture.policies as NSString).appendingPathComponent("rollout.lua")
        // A FIFO: a plain read would block the reload (and its thread) until a writer came.
        try FileManager.default.removeItem(atPath: path)
        #expect(mkfifo(path, 0o644) == 0)
        guard case .rejected(let fifo) = await host.reload(.rollout) else {
            Issue.record("a FIFO was read as a policy")
            return
        }
        #expect(fifo.stage == .read)
        #expect(fifo.message.contains("not a regular file"))
        // Megabytes of source: refused before the linter or the parser sees it.
        try FileManager.default.removeItem(atPath: path)
        try fixture.write(.rollout, String(repeating: ";", count: 2 << 20))
        guard case .rejected(let huge) = await host.reload(.rollout) else {
            Issue.record("a 2 MiB policy was read")
            return
        }
        #expect(huge.stage == .read)
        #expect(huge.message.contains("policy files may be at most 1048576"))
        #expect(host.activeHash(.rollout) == good)
        #expect(await !host.decideRollout(PolicyHostFixture.rolloutInput).isFallback)
    }

    @Test func aPolicyThatSpinsOnEveryTestCostsOneTimeLimitNotOnePerTest() async throws {
        let fixture = try await PolicyHostFixture()
        defer { fixture.remove() }
        try fixture.write(.rollout, "function decide(ctx) while true do end end")
        // A budget that never runs out: only the time limit stops the spin.
        let limits = LuaLimits(instructionBudget: Int.max / 4, timeout: .milliseconds(100))
        let runner = PolicyTestRunner(policiesDirectory: fixture.policies, luaDirectory: fixture.lua, limits: limits)
        let report = runner.run(files: [fixture.policies + "/tests/rollout_test.lua"])
        #expect(report.failed == 1)
        #expect(report.results.first { $0.status == .failed }?.message?.contains("time limit") == true)
        let notRun = report.results.filter { $0.message?.hasPrefix("not run: ") == true }
        #expect(notRun.count == report.results.count - 1)
        #expect(notRun.allSatisfy { $0.status == .skipped })
        #expect(!report.succeeded(threshold: 0))
    }

    @Test func aRunPastItsTimeLimitStopsAndFails() async throws {
        // Each test is bounded, their number is not: the run as a whole is bounded too. (A limit
        // of zero has passed before the first test, whatever the machine's speed.)
        let fixture = try await PolicyHostFixture()
        defer { fixture.remove() }
        var runner = PolicyTestRunner(policiesDirectory: fixture.policies, luaDirectory: fixture.lua)
        runner.timeLimit = .zero
        let report = runner.run(files: [fixture.policies + "/tests/rollout_test.lua"])
        #expect(report.failed == 1)
        #expect(report.results.map(\.name) == ["(time limit)"])
        #expect(report.results.first?.message?.contains("took longer than its limit") == true)
        runner.timeLimit = nil
        #expect(runner.run(files: [fixture.policies + "/tests/rollout_test.lua"]).failed == 0)
    }

    @Test func aPolicyCannotTellItsTestsFromLiveCallsByItsCallers() async throws {
        // error(msg, level) names the frame `level` up: under the harness that was a Lua frame of
        // the test, live there is none. Tests now call the entry on a stack of its own.
        let fixture = try await PolicyHostFixture()
        defer { fixture.remove() }
        let host = fixture.makeHost()
        await host.start()
        let good = host.activeHash(.rollout)
        let honest = (try fixture.read(.rollout)).replacingOccurrences(of: "function decide(ctx)", with: "local function honest(ctx)")
        try fixture.write(.rollout, honest + """

            local function caller() error("", 5) end
            local function under_test() local _, where = pcall(caller) return where ~= "" end
            function decide(ctx)
              if under_test() then return honest(ctx) end
              return { enabled = true, reason = "always on live" }
            end
            """)
        guard case .rejected(let failure) = await host.reload(.rollout) else {
            Issue.record("a policy that behaves only under test went live")
            return
        }
        #expect(failure.stage == .tests)
        #expect(host.activeHash(.rollout) == good)
    }

    @Test func anImpureVersionIsRefusedOnItsSamples() async throws {
        let fixture = try await PolicyHostFixture()
        defer { fixture.remove() }
        let host = fixture.makeHost()
        await host.start()
        try fixture.write(.rollout, """
            local calls = 0
            function decide(ctx)
              calls = calls + 1
              return { enabled = calls % 2 == 0, reason = "call " .. calls }
            end
            """)
        guard case .rejected(let failure) = await host.reload(.rollout) else {
            Issue.record("an impure version went live")
            return
        }
        #expect(failure.message.contains("'calls'"), "\(failure)")
    }

    @Test(arguments: [
        #"while true do end"#,
        #"local s = ("a"):rep(400) s:find(".-.-.-b")"#,
        #"local t = {} for i = 1, 1e9 do t[i] = i end"#,
    ])
    func aHostileMainBodyIsRefusedAndTheLastGoodServes(body: String) async throws {
        let fixture = try await PolicyHostFixture()
        defer { fixture.remove() }
        let host = fixture.makeHost(limits: LuaLimits(timeout: .milliseconds(100)))
        await host.start()
        let good = host.activeHash(.rollout)
        try fixture.write(.rollout, body + "\nfunction decide(ctx) return { enabled = true, reason = 'x' } end")
        guard case .rejected(let failure) = await host.reload(.rollout) else {
            Issue.record("a hostile main body went live")
            return
        }
        #expect(failure.stage == .compile)
        #expect(host.activeHash(.rollout) == good)
        #expect(await !host.decideRollout(PolicyHostFixture.rolloutInput).isFallback)
    }
}

/// A policy failing on every call is counted each time but logged log₂ n times, so a hostile
/// or broken policy cannot flood the log.
@Suite struct FailureLoggingTests {
    @Test func aFailureStreakIsLoggedAtPowersOfTwoAndItsEndOnce() async throws {
        let fixture = try await PolicyHostFixture()
        defer { fixture.remove() }
        let logs = LogCapture()
        // A time limit far beyond the budget: the loop is always stopped by the budget.
        let host = fixture.makeHost(limits: LuaLimits(timeout: .seconds(60)), logger: logs.logger)
        _ = await host.reload(.rollout)
        try fixture.write(.rollout, (try fixture.read(.rollout)).replacingOccurrences(
            of: "function decide(ctx)\n", with: "function decide(ctx)\n  if ctx.tenant_id == \"bad\" then while true do end end\n"))
        guard case .activated = await host.reload(.rollout) else {
            Issue.record("the version should pass its tests")
            return
        }
        var bad = PolicyHostFixture.rolloutInput
        bad.tenantID = "bad"
        for _ in 0..<9 { #expect(await host.decideRollout(bad).isFallback) }
        let warnings = logs.text.split(separator: "\n").filter { $0.contains("policy evaluation failed") }
        #expect(warnings.count == 4)  // failures 1, 2, 4 and 8
        #expect(warnings.last?.contains("policy.consecutive_failures=8") == true)
        #expect(warnings.first?.contains("policy.failure_reason=budget") == true)
        #expect(await !host.decideRollout(PolicyHostFixture.rolloutInput).isFallback)
        #expect(logs.text.contains("policy evaluations succeed again"))
        #expect(logs.text.contains("policy.consecutive_failures=9"))
    }
}
