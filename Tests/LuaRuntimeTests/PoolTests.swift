import Dispatch
import Synchronization
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

    /// Starts a call that holds the pool's only state (on the pool's thread) until `release` is
    /// signalled; returns once it runs.
    static func occupy(_ pool: LuaStatePool) async -> (Task<Int, any Error>, DispatchSemaphore) {
        let started = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        let busy = Task { try await pool.withState { _ in started.signal(); release.wait(); return 1 } }
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { started.wait(); continuation.resume() }
        }
        return (busy, release)
    }

    @Test func cancelledWaiterNeverRuns() async throws {
        let pool = LuaStatePool(maxStates: 1) { try makeState(Self.rollout) }
        let (busy, release) = await Self.occupy(pool)
        let ran = Atomic<Bool>(false)
        let waiter = Task { try await pool.withState { _ in ran.store(true, ordering: .relaxed); return 2 } }
        while pool.queuedCount == 0 { await Task.yield() }
        waiter.cancel()
        release.signal()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        #expect(ran.load(ordering: .relaxed) == false)
        #expect(try await busy.value == 1)
        #expect(try await pool.withState { _ in 3 } == 3)
    }

    @Test func callsRunOffTheCallersThread() async throws {
        // A call stuck for its whole time limit holds a pool thread, not the caller's: other
        // work on the cooperative pool goes on meanwhile.
        let pool = LuaStatePool(maxStates: 1) {
            try makeState(Self.rollout + "\nfunction spin() while true do end end",
                          limits: LuaLimits(instructionBudget: Int.max / 4, timeout: .seconds(30)))
        }
        let stuck = Task { try await pool.withState { try $0.call("spin") } }
        while pool.stateCount == 0 { await Task.yield() }
        // Two cooperative tasks still complete while the Lua thread spins.
        async let a = Task { 1 }.value
        async let b = Task { 2 }.value
        #expect(await a + b == 3)
        stuck.cancel()
        let error = await #expect(throws: LuaError.self) { try await stuck.value }
        #expect(error?.kind == .cancelled)
    }

    @Test func aWaitingCallFailsOnTimeEvenWhenNoStateEverFreesUp() async throws {
        let pool = LuaStatePool(maxStates: 1, waitLimit: .milliseconds(50)) { try makeState(Self.rollout) }
        let (busy, release) = await Self.occupy(pool)
        // The only state stays held until after the late call has failed.
        let error = await #expect(throws: LuaError.self) { try await pool.withState { _ in 2 } }
        #expect(error?.kind == .timeout)
        #expect(pool.queuedCount == 0, "a call that ended while waiting leaves the queue")
        release.signal()
        #expect(try await busy.value == 1)
        #expect(try await pool.withState { _ in 3 } == 3)
    }

    @Test func aCancelledWaitingCallEndsWithoutAFreeState() async throws {
        let pool = LuaStatePool(maxStates: 1) { try makeState(Self.rollout) }
        let (busy, release) = await Self.occupy(pool)
        let waiter = Task { try await pool.withState { _ in 2 } }
        while pool.queuedCount == 0 { await Task.yield() }
        waiter.cancel()
        // Ends while the only state is still held.
        await #expect(throws: CancellationError.self) { try await waiter.value }
        #expect(pool.queuedCount == 0)
        release.signal()
        #expect(try await busy.value == 1)
    }

    @Test func aCallThatWaitedTooLongFailsWithoutRunning() async throws {
        let pool = LuaStatePool(maxStates: 1, waitLimit: .milliseconds(1)) { try makeState(Self.rollout) }
        let (busy, release) = await Self.occupy(pool)
        let ran = Atomic<Bool>(false)
        let late = Task { try await pool.withState { _ in ran.store(true, ordering: .relaxed); return 2 } }
        // Hold the state until the late call has queued, and then past its wait limit.
        while pool.queuedCount == 0 { await Task.yield() }
        try await Task.sleep(for: .milliseconds(20))
        release.signal()
        let error = await #expect(throws: LuaError.self) { try await late.value }
        #expect(error?.kind == .timeout)
        #expect(ran.load(ordering: .relaxed) == false)
        #expect(try await busy.value == 1)
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
