import Synchronization

/// A small pool of identical ``LuaState``s for concurrent callers (one pool per policy version).
///
/// Every state comes from `factory`, so all of them load the same prelude and policy source.
/// A caller gets a state to itself for the duration of `body`. When all states are busy the
/// pool creates another one up to `maxStates`, otherwise the caller *suspends* (a continuation,
/// never a blocked thread) until a state is released. Task cancellation interrupts the running
/// Lua call through the state's ``LuaInterrupt``, and cancels a caller still waiting.
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
// @unchecked Sendable: the LuaStates it holds are not Sendable, but an idle state is reachable
// only inside `storage` (guarded by the Mutex), and acquire removes it there before handing it
// to exactly one caller, who returns it through release. So no state is ever touched by two
// threads at once, which is the only invariant LuaState needs.
public final class LuaStatePool: @unchecked Sendable {
    /// A state passing between the pool and its one current owner (see the comment above for
    /// why sending it is safe); region checking cannot see that ownership, so it is stated here.
    private struct Handoff: Sendable {
        nonisolated(unsafe) let state: LuaState
    }

    private typealias Waiter = (id: UInt64, continuation: CheckedContinuation<Handoff?, any Error>)

    private struct Storage {
        var idle: [Handoff] = []
        var created = 0
        var waiters: [Waiter] = []
        var nextWaiterID: UInt64 = 0
        var isClosed = false
    }

    /// A caller's next step, decided under the lock.
    private enum Grant {
        case state(Handoff)
        case create
        case wait
    }

    public let maxStates: Int
    private let factory: @Sendable () throws -> LuaState
    private let storage = Mutex(Storage())

    /// - Parameters:
    ///   - maxStates: upper bound of live states (at least 1).
    ///   - factory: builds a ready (loaded, locked) state; called lazily, up to `maxStates` times.
    public init(maxStates: Int, factory: @escaping @Sendable () throws -> LuaState) {
        self.maxStates = max(1, maxStates)
        self.factory = factory
    }

    /// Runs `body` with a state of its own. Throws `CancellationError` if cancelled while
    /// waiting, `LuaError(.cancelled)` if cancelled while Lua runs, or the factory's error.
    public func withState<T>(
        isolation: isolated (any Actor)? = #isolation, _ body: (LuaState) throws -> T
    ) async throws -> T {
        // A caller cancelled before it got here must not start a call on a freshly idle state.
        try Task.checkCancellation()
        // The fast path is synchronous so an uncontended call never leaves the caller's executor.
        var handoff = try takeIdleOrCreate()
        if handoff == nil { handoff = try await waitForState() }
        let state = handoff!.state
        defer { release(state) }
        let interrupt = state.interrupt
        return try await withTaskCancellationHandler {
            try body(state)
        } onCancel: {
            interrupt.cancel()
        }
    }

    /// Live states (idle + in use).
    public var stateCount: Int { storage.withLock { $0.created } }

    /// Drops idle states and fails waiting callers; states in use are dropped when released.
    public func close() {
        let waiters = storage.withLock { storage -> [Waiter] in
            storage.isClosed = true
            storage.created -= storage.idle.count
            storage.idle.removeAll()
            defer { storage.waiters.removeAll() }
            return storage.waiters
        }
        for waiter in waiters { waiter.continuation.resume(throwing: LuaError(.cancelled, "state pool closed")) }
    }

    /// An idle state, or a new one if below `maxStates`; nil when the caller has to wait.
    private func takeIdleOrCreate() throws -> Handoff? {
        switch try storage.withLock({ storage throws(LuaError) -> Grant in try Self.grant(&storage, max: maxStates) }) {
        case .state(let state): return state
        case .create: return try create()
        case .wait: return nil
        }
    }

    /// Suspends until a state is released (or a slot frees up), or the task is cancelled.
    private func waitForState() async throws -> Handoff {
        let id = storage.withLock { storage in
            storage.nextWaiterID += 1
            return storage.nextWaiterID
        }
        let granted = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Handoff?, any Error>) in
                // Re-check under the lock: a state may have been released since the fast path.
                let grant = storage.withLock { storage -> Result<Grant, any Error> in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    let grant = Result { () throws(LuaError) -> Grant in try Self.grant(&storage, max: maxStates) }
                    if case .success(.wait) = grant { storage.waiters.append((id, continuation)) }
                    return grant.mapError { $0 }
                }
                switch grant {
                case .success(.state(let state)): continuation.resume(returning: state)
                case .success(.create): continuation.resume(returning: nil)
                case .success(.wait): break
                case .failure(let error): continuation.resume(throwing: error)
                }
            }
        } onCancel: {
            let waiter = storage.withLock { storage -> Waiter? in
                guard let index = storage.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return storage.waiters.remove(at: index)
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
        return try granted ?? create()
    }

    private static func grant(_ storage: inout Storage, max: Int) throws(LuaError) -> Grant {
        if storage.isClosed { throw LuaError(.cancelled, "state pool closed") }
        if let state = storage.idle.popLast() { return .state(state) }
        if storage.created < max {
            storage.created += 1
            return .create
        }
        return .wait
    }

    /// Runs the factory for a slot already counted in `created`; gives the slot back on failure.
    private func create() throws -> Handoff {
        do {
            return Handoff(state: try factory())
        } catch {
            freeSlot()
            throw error
        }
    }

    private func release(_ state: LuaState) {
        state.interrupt.reset()
        guard state.handle != nil, state.stackTop == 0 else {
            state.close()
            freeSlot()
            return
        }
        let waiter = storage.withLock { storage -> Waiter? in
            if storage.isClosed {
                storage.created -= 1
                return nil
            }
            if !storage.waiters.isEmpty { return storage.waiters.removeFirst() }
            storage.idle.append(Handoff(state: state))
            return nil
        }
        waiter?.continuation.resume(returning: Handoff(state: state))
    }

    /// A state was dropped: hand its slot to the longest waiter, who will create a new one.
    private func freeSlot() {
        let waiter = storage.withLock { storage -> Waiter? in
            guard !storage.waiters.isEmpty, !storage.isClosed else {
                storage.created -= 1
                return nil
            }
            return storage.waiters.removeFirst()
        }
        waiter?.continuation.resume(returning: nil)
    }
}
