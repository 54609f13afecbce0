import Dispatch
import Testing
@testable import LuaRuntime

@Suite struct PoolTests {
    static let rollout = """
    function decide(ctx)
      local pct = ctx.settings.rollout_percentage
      local b = bucket(ctx.session_id)
      return { enabled = b <= pct, reason = "bucket " .. b }
    end
    """

    @Test func concurrentCallersGetCorrectResults() async throws {
        let pool = LuaStatePool(maxStates: 3) { try makeState(Self.rollout) }
        try await withThrowingTaskGroup(of: Int.self) { group in
            for task in 0..<8 {
                group.addTask {
                    var checked = 0
                    for call in 0..<500 {
                        let id = "t\(task)-c\(call)"
                        let ctx: LuaValue = ["session_id": .string(id), "settings": ["rollout_percentage": 50]]
                        let result = try await pool.withState { state in
                            let value = try state.call("decide", [ctx])
                            #expect(state.stackTop == 0)
                            return value
                        }
                        let bucket = LuaHelpers.bucket(id)
                        #expect(result == ["enabled": .bool(bucket <= 50), "reason": .string("bucket \(bucket)")])
                        checked += 1
                    }
                    return checked
                }
            }
            var total = 0
            for try await count in group { total += count }
            #expect(total == 4000)
        }
        #expect(pool.stateCount <= 3)
        #expect(pool.stateCount >= 1)
    }

    @Test func waitersSuspendUntilAStateIsReleased() async throws {
        let pool = LuaStatePool(maxStates: 1) { try makeState(Self.rollout + "\nfunction spin(n) local s = 0 for i = 1, n do s = s + i end return s end") }
        async let first = pool.withState { try $0.call("spin", [200_000]) }
        async let second = pool.withState { try $0.call("spin", [10]) }
        let results = try await [first, second]
        #expect(results == [.integer(20_000_100_000), 55])
        #expect(pool.stateCount == 1)
    }

    @Test func cancelledWaiterLeavesThePool() async throws {
        let pool = LuaStatePool(maxStates: 1) {
            try makeState(Self.rollout + "\nfunction spin() while true do end end", limits: LuaLimits(instructionBudget: 20_000_000_000))
        }
        let busy = Task { try await pool.withState { try $0.call("spin") } }
        // The waiter must queue behind the busy call, so wait until that call holds the only state.
        while pool.stateCount == 0 { try await Task.sleep(for: .milliseconds(5)) }
        try await Task.sleep(for: .milliseconds(20))
        let waiter = Task { try await pool.withState { _ in 1 } }
        // Cancel from Dispatch: the spinning call occupies a cooperative thread.
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(100)) { waiter.cancel() }
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(200)) { busy.cancel() }
        await #expect(throws: CancellationError.self) { try await waiter.value }
        // (.cancelled either mid-call, with a line, or just before the call if it started late)
        let busyError = await #expect(throws: LuaError.self) { try await busy.value }
        #expect(busyError?.kind == .cancelled)
        #expect(try await pool.withState { _ in 2 } == 2)
    }

    @Test func factoryFailureIsReportedAndSlotReturned() async throws {
        let pool = LuaStatePool(maxStates: 1) {
            let state = try LuaState()
            try state.load(source: "function decide( return end", chunkName: "broken.lua")
            return state
        }
        for _ in 0..<2 {
            await #expect(throws: LuaError.self) { try await pool.withState { _ in 0 } }
        }
        #expect(pool.stateCount == 0)
    }
}
