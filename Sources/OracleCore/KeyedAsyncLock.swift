import Synchronization

/// One FIFO async lock per key: holders of one key run one after another, in the order they
/// asked, while different keys run in parallel. Messages to one chat session and activations of
/// one policy are serialised with it.
///
/// A waiter suspends on a continuation, so no thread is blocked, and an uncontended acquire and
/// release never suspend (a Mutex, not an actor hop). Unlike an actor, the lock stays held while
/// the body is suspended: an actor method that awaits a closure lets the next call in at the
/// first suspension.
///
/// A waiting task that is cancelled keeps its place and still gets the lock: the line never
/// breaks, and the body, which sees `Task.isCancelled`, decides what cancellation means (a
/// message already accepted or a rollback already asked for is carried out).
///
/// ```swift
/// let locks = KeyedAsyncLock<String>()
/// try await locks.withLock(sessionID) { try await send() }
/// ```
public final class KeyedAsyncLock<Key: Hashable & Sendable>: Sendable {
    /// Per held key, the callers waiting for it (first in, first served).
    private let queues = Mutex<[Key: [CheckedContinuation<Void, Never>]]>([:])

    public init() {}

    /// Waits until `key` is free and takes it. Pair every call with one ``release(_:)``.
    public func acquire(_ key: Key) async {
        let acquired = queues.withLock { queues -> Bool in
            guard queues[key] == nil else { return false }
            queues[key] = []
            return true
        }
        guard !acquired else { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let free = queues.withLock { queues -> Bool in
                // Released between the two looks: take it now.
                guard queues[key] != nil else {
                    queues[key] = []
                    return true
                }
                queues[key]!.append(continuation)
                return false
            }
            if free { continuation.resume() }
        }
    }

    /// Hands `key` to the next waiter (it stays held), or frees it.
    public func release(_ key: Key) {
        let next = queues.withLock { queues -> CheckedContinuation<Void, Never>? in
            guard var waiting = queues[key] else { return nil }
            guard !waiting.isEmpty else {
                queues[key] = nil
                return nil
            }
            let next = waiting.removeFirst()
            queues[key] = waiting
            return next
        }
        next?.resume()
    }

    /// Runs `body` holding `key`, and releases it however the body ends.
    public func withLock<T>(
        _ key: Key, isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> T
    ) async rethrows -> T {
        await acquire(key)
        do {
            let result = try await body()
            release(key)
            return result
        } catch {
            release(key)
            throw error
        }
    }

    /// Keys held right now (tests check nothing leaks).
    public var heldCount: Int { queues.withLock { $0.count } }

    /// Callers waiting for `key` behind its holder.
    public func waitingCount(_ key: Key) -> Int { queues.withLock { $0[key]?.count ?? 0 } }
}
