import Foundation
import Synchronization

/// A small set of identical ``LuaState``s, each confined to a thread of its own, for concurrent
/// callers (one pool per policy version).
///
/// Lua runs on the pool's threads, never on the caller's: a call stuck in C library code or
/// burning its whole time limit holds one of these threads, not a thread of Swift's cooperative
/// pool or of an HTTP event loop, so a slow or hostile policy cannot stall anything else (the
/// way GRDB confines each SQLite connection to its own queue). Callers suspend on a
/// continuation until their call is done.
///
/// Threads and their states are made lazily, up to `maxStates`, each state by `factory` on its
/// own thread. Calls wait in one FIFO queue; a call that found every state busy and waited
/// longer than `waitLimit` for one fails with `.timeout` without running. Task cancellation interrupts the running
/// Lua call through the state's ``LuaInterrupt``, and a call cancelled while waiting never runs.
///
/// States are kept after every ``LuaError``, memory errors included: Lua unwinds a refused
/// allocation (`LUA_ERRMEM`) cleanly and the state stays consistent. A state whose stack was
/// left unbalanced or that was closed is discarded and replaced on demand.
///
/// ```swift
/// let pool = LuaStatePool(maxStates: 4) {
///     let state = try LuaState()
///     try state.load(source: rolloutSource, chunkName: "rollout.lua")
///     state.lock()
///     return state
/// }
/// let result = try await pool.withState { try $0.call("decide", [ctx]) }
/// ```
public final class LuaStatePool: Sendable {
    public let maxStates: Int
    let name: String
    let waitLimit: Duration?
    private let factory: @Sendable () throws -> LuaState
    private let shared = Shared()

    /// One call waiting for, or running on, a state. Exactly one of three parties claims it,
    /// and only the claimant resumes its caller: the worker that runs it, the timer that fails
    /// it when it waited too long, or the caller's cancellation while it still waits.
    private final class Job: @unchecked Sendable {
        let interrupt: LuaInterrupt
        let enqueued = ContinuousClock.now
        /// Set when the call found every state busy: it then fails if it waits past `waitLimit`.
        /// (Guarded by the queue's lock; a call served by an idle or new thread has no limit.)
        var queuedBehindBusyStates = false
        private let claimed = Atomic<Bool>(false)
        let execute: @Sendable (LuaState) -> Void
        let fail: @Sendable (any Error) -> Void

        init(interrupt: LuaInterrupt, execute: @escaping @Sendable (LuaState) -> Void, fail: @escaping @Sendable (any Error) -> Void) {
            self.interrupt = interrupt
            self.execute = execute
            self.fail = fail
        }

        /// True for the first caller only.
        func claim() -> Bool { !claimed.exchange(true, ordering: .acquiringAndReleasing) }
    }

    /// The job of one `withState` call, for its cancellation handler.
    private final class JobSlot: Sendable {
        let job = Mutex<Job?>(nil)
    }

    /// The queue and the counts, guarded by `condition` (which the workers also wait on).
    private final class Shared: @unchecked Sendable {
        let condition = NSCondition()
        var jobs: [Job] = []
        var head = 0
        var threads = 0
        var waiting = 0
        var states = 0
        var isClosed = false

        var queued: Int { jobs.count - head }

        /// Drops a job that ended while it waited (timed out or cancelled), so that callers
        /// failing on time behind stuck states do not pile up here.
        func remove(_ job: Job) {
            if let index = jobs[head...].firstIndex(where: { $0 === job }) { jobs.remove(at: index) }
        }

        func take() -> Job? {
            guard head < jobs.count else { return nil }
            let job = jobs[head]
            head += 1
            if head > 64, head * 2 > jobs.count {
                jobs.removeFirst(head)
                head = 0
            }
            return job
        }
    }

    /// - Parameters:
    ///   - maxStates: upper bound of threads and live states (at least 1).
    ///   - name: names the threads (`oracle-chat.lua.<name>`).
    ///   - waitLimit: how long a call may wait for a free state before it fails with `.timeout`.
    ///   - factory: builds a ready (loaded, locked) state; called on the thread that will own it.
    public init(maxStates: Int, name: String = "pool", waitLimit: Duration? = nil,
                factory: @escaping @Sendable () throws -> LuaState) {
        self.maxStates = max(1, maxStates)
        self.name = name
        self.waitLimit = waitLimit
        self.factory = factory
    }

    /// Runs `body` with a state of its own, on that state's thread. Throws `CancellationError`
    /// if cancelled before the call started, `LuaError(.cancelled)` if cancelled while Lua ran,
    /// `LuaError(.timeout)` if it waited longer than `waitLimit`, or the factory's error.
    public func withState<T: Sendable>(_ body: @escaping @Sendable (LuaState) throws -> T) async throws -> T {
        try Task.checkCancellation()
        let interrupt = LuaInterrupt()
        let slot = JobSlot()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                let job = Job(interrupt: interrupt, execute: { state in
                    continuation.resume(with: Result { try body(state) })
                }, fail: { error in
                    continuation.resume(throwing: error)
                })
                slot.job.withLock { $0 = job }
                if let error = enqueue(job), job.claim() { continuation.resume(throwing: error) }
            }
        } onCancel: {
            interrupt.cancel()
            // Still waiting for a state: end now (a running call stops at its next instruction).
            if let job = slot.job.withLock({ $0 }), job.claim() {
                dequeue(job)
                job.fail(CancellationError())
            }
        }
    }

    /// Live states (idle and in use).
    public var stateCount: Int {
        shared.condition.lock()
        defer { shared.condition.unlock() }
        return shared.states
    }

    /// Calls waiting for a state.
    var queuedCount: Int {
        shared.condition.lock()
        defer { shared.condition.unlock() }
        return shared.queued
    }

    /// Refuses new calls; calls already queued still run, then the threads end and their states
    /// are closed.
    public func close() {
        shared.condition.lock()
        shared.isClosed = true
        shared.condition.broadcast()
        shared.condition.unlock()
    }

    private func dequeue(_ job: Job) {
        shared.condition.withLock { shared.remove(job) }
    }

    private func enqueue(_ job: Job) -> LuaError? {
        shared.condition.lock()
        guard !shared.isClosed else {
            shared.condition.unlock()
            return LuaError(.cancelled, "state pool closed")
        }
        shared.jobs.append(job)
        let mustWait = shared.queued > shared.waiting
        let spawn = mustWait && shared.threads < maxStates
        if spawn { shared.threads += 1 }
        job.queuedBehindBusyStates = mustWait && !spawn
        shared.condition.signal()
        shared.condition.unlock()
        if job.queuedBehindBusyStates, let waitLimit {
            // Fail it on time even if no state ever frees up (every state stuck in a long call).
            Task.detached { [shared] in
                try? await Task.sleep(for: waitLimit)
                guard job.claim() else { return }
                shared.condition.withLock { shared.remove(job) }
                job.fail(LuaError(.timeout, "waited longer than \(LuaState.describe(waitLimit)) for a free Lua state"))
            }
        }
        if spawn {
            // The thread holds the queue and the factory, not the pool: dropping the pool closes it.
            let worker = Worker(shared: shared, factory: factory, waitLimit: waitLimit)
            let thread = Thread { worker.work() }
            thread.name = "oracle-chat.lua.\(name)"
            thread.start()
        }
        return nil
    }

    deinit { close() }

    /// What a worker thread needs: the queue, the factory and the wait limit.
    private struct Worker: Sendable {
        let shared: Shared
        let factory: @Sendable () throws -> LuaState
        let waitLimit: Duration?

        /// Owns one state and runs queued calls on it until the pool closes.
        func work() {
            var state: LuaState?
            while true {
                shared.condition.lock()
                var job = shared.take()
                while job == nil, !shared.isClosed {
                    shared.waiting += 1
                    shared.condition.wait()
                    shared.waiting -= 1
                    job = shared.take()
                }
                guard let job else {
                    shared.threads -= 1
                    if state != nil { shared.states -= 1 }
                    shared.condition.unlock()
                    state?.close()
                    return
                }
                shared.condition.unlock()
                run(job, on: &state)
            }
        }

        private func run(_ job: Job, on state: inout LuaState?) {
            guard job.claim() else { return }  // already failed: timed out or cancelled while waiting
            if job.interrupt.isCancelled {
                job.fail(CancellationError())
                return
            }
            if let waitLimit, job.queuedBehindBusyStates, ContinuousClock.now - job.enqueued > waitLimit {
                job.fail(LuaError(.timeout, "waited longer than \(LuaState.describe(waitLimit)) for a free Lua state"))
                return
            }
            if state == nil {
                do {
                    state = try factory()
                    adjustStates(by: 1)
                } catch {
                    job.fail(error)
                    return
                }
            }
            guard let current = state else { return }
            current.interrupt = job.interrupt
            job.execute(current)
            current.interrupt = LuaInterrupt()
            if current.handle == nil || current.stackTop != 0 {
                current.close()
                state = nil
                adjustStates(by: -1)
            }
        }

        private func adjustStates(by delta: Int) {
            shared.condition.lock()
            shared.states += delta
            shared.condition.unlock()
        }
    }
}
