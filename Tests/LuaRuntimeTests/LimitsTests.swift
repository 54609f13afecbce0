import Dispatch
import Testing
@testable import LuaRuntime

@Suite struct LimitsTests {
    static let source = """
    function spin() while true do end end
    function swallow()
      for _ = 1, 100 do pcall(function() while true do end end) end
      return "escaped"
    end
    function bomb() local t = {} for i = 1, 100 do t[i] = string.rep("x", 2e5) .. i end return #t end
    function grow() local t = {} for i = 1, 1e8 do t[i] = i end return #t end
    function caught_bomb() local ok = pcall(function() local t = {} for i = 1, 100 do t[i] = string.rep("x", 2e5) .. i end end) return ok end
    function small() return 1 + 1 end
    function loop(n) local s = 0 for i = 1, n do s = s + i end return s end
    """

    @Test func infiniteLoopFailsWithBudgetAndStateStaysUsable() throws {
        let state = try makeState(Self.source, limits: LuaLimits(instructionBudget: 100_000))
        let error = luaError { try state.call("spin") }
        #expect(error?.kind == .instructionBudgetExceeded)
        #expect(error?.chunkName == "test.lua")
        #expect(error?.line == 1)
        #expect(state.stackTop == 0)
        #expect(try state.call("small") == 2)
    }

    @Test func pcallCannotSwallowBudget() throws {
        let state = try makeState(Self.source, limits: LuaLimits(instructionBudget: 100_000))
        #expect(luaError { try state.call("swallow") }?.kind == .instructionBudgetExceeded)
        #expect(state.stackTop == 0)
        #expect(try state.call("small") == 2)
    }

    @Test func budgetAppliesToLoading() throws {
        let state = try LuaState(limits: LuaLimits(instructionBudget: 10_000))
        #expect(luaError { try state.load(source: "while true do end", chunkName: "top.lua") }?.kind == .instructionBudgetExceeded)
        #expect(state.stackTop == 0)
    }

    @Test(arguments: ["bomb", "grow"])
    func memoryBombFailsAndStateSurvives(function: String) throws {
        let state = try makeState(Self.source, limits: LuaLimits(instructionBudget: 500_000_000, memoryLimitBytes: 8 << 20))
        let error = luaError { try state.call(function) }
        #expect(error?.kind == .memoryLimitExceeded)
        #expect(state.stackTop == 0)
        #expect(state.memoryBytes < 8 << 20)
        #expect(try state.call("small") == 2)
    }

    @Test func pcallCannotSwallowTheMemoryCap() throws {
        // Were the refusal catchable, a policy could measure its headroom, which is not the same
        // in a test (the harness shares the state) as in a live call, and behave differently.
        let state = try makeState(Self.source, limits: LuaLimits(instructionBudget: 100_000_000, memoryLimitBytes: 8 << 20))
        let error = luaError { try state.call("caught_bomb") }
        #expect(error?.kind == .memoryLimitExceeded)
        #expect(state.stackTop == 0)
        #expect(try state.call("small") == 2)
    }

    @Test func statsCountInstructionsAtHookGranularity() throws {
        let state = try makeState(Self.source, limits: LuaLimits(hookGranularity: 1))
        _ = try state.call("loop", [1000])
        let exact = state.lastCallStats.instructions
        #expect(exact >= 2000 && exact < 2100)  // FORLOOP + ADD per iteration, plus setup
        state.limits = LuaLimits(hookGranularity: 1000)
        _ = try state.call("loop", [1000])
        #expect(state.lastCallStats.instructions == exact / 1000 * 1000)
        #expect(state.lastCallStats.duration > .zero)
    }

    @Test func cancellationStopsALongCall() async throws {
        let pool = LuaStatePool(maxStates: 1) {
            try makeState(Self.source, limits: LuaLimits(instructionBudget: 20_000_000_000, timeout: nil))
        }
        let task = Task { try await pool.withState { try $0.call("spin") } }
        // Cancel from a Dispatch thread: the spinning call holds a cooperative thread (there
        // may be only two), so a sleeping test task might not get one to send the cancel.
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(50)) { task.cancel() }
        let result = await task.result
        // Interrupted mid-call: LuaError(.cancelled); cancelled before the task got a thread
        // (a loaded machine): CancellationError, and the call never starts.
        switch result {
        case .failure(let error as LuaError): #expect(error.kind == .cancelled)
        case .failure(let error): #expect(error is CancellationError)
        case .success: Issue.record("a cancelled call returned a result")
        }
        // The state went back to the pool, reset and usable.
        #expect(try await pool.withState { try $0.call("small") } == 2)
        #expect(pool.stateCount == 1)
    }

    @Test func timeLimitStopsALongCallAndStateStaysUsable() throws {
        let state = try makeState(Self.source, limits: LuaLimits(instructionBudget: Int.max / 4, timeout: .milliseconds(20)))
        let error = luaError { try state.call("spin") }
        #expect(error?.kind == .timeout)
        #expect(error?.message == "time limit of 20 ms exceeded")
        #expect(error?.line == 1)
        #expect(state.stackTop == 0)
        #expect(try state.call("small") == 2)
    }

    @Test func theWatchdogStopsACallBetweenTwoHookChecks() throws {
        // The count hook fires only every 2^31 - 1 instructions here, so it would first notice
        // the budget (2^31 - 2), seconds later; the watchdog's signal makes the next instruction
        // read the clock. (Some single instructions are slow enough that 1,000 of them, one hook
        // period, overran a 50 ms limit by half a second.)
        let state = try makeState(Self.source, limits: LuaLimits(instructionBudget: Int(Int32.max) - 1,
                                                                  hookGranularity: Int(Int32.max), timeout: .milliseconds(20)))
        let error = luaError { try state.call("spin") }
        #expect(error?.kind == .timeout)
        #expect(error?.line == 1)
        #expect(try state.call("small") == 2)
        // The next call is not stopped by a late signal meant for the last one.
        #expect(try state.call("loop", [100_000]) == 5_000_050_000)
    }

    @Test func pcallCannotSwallowTimeLimit() throws {
        let state = try makeState(Self.source, limits: LuaLimits(instructionBudget: Int.max / 4, timeout: .milliseconds(20)))
        #expect(luaError { try state.call("swallow") }?.kind == .timeout)
        #expect(try state.call("small") == 2)
    }

    @Test func interruptBeforeCallFailsFast() throws {
        let state = try makeState(Self.source)
        state.interrupt.cancel()
        #expect(luaError { try state.call("small") }?.kind == .cancelled)
        state.interrupt.reset()
        #expect(try state.call("small") == 2)
    }
}
