import Synchronization

/// A thread-safe stop request for the call running on one ``LuaState``: the count hook polls
/// it and fails the call with `.cancelled`. ``LuaStatePool`` wires Task cancellation to it.
///
/// ```swift
/// let interrupt = state.interrupt          // Sendable: hand it to another task
/// Task { interrupt.cancel() }
/// ```
public final class LuaInterrupt: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    /// Asks the current (or next) call to stop at the next hook check.
    public func cancel() { flag.store(true, ordering: .relaxed) }

    /// Clears a request so the state can serve another call.
    public func reset() { flag.store(false, ordering: .relaxed) }

    public var isCancelled: Bool { flag.load(ordering: .relaxed) }
}
