import Synchronization
/// One async lock per session id: messages to one session run one after another, in arrival
/// order, while different sessions run in parallel. A holder must call ``release(_:)`` exactly
/// once; a streamed reply holds the lock until its stream ends.
///
/// ```swift
/// try await locks.withLock(sessionID) { try await send() }
/// ```
public final class SessionLocks: Sendable {
    /// Per held key, the callers waiting for it (first in, first served). An uncontended
    /// acquire and release never suspend: a Mutex, not an actor hop, on the message hot path.
    private let queues = Mutex<[String: [CheckedContinuation<Void, Never>]]>([:])

    public init() {}

    public func acquire(_ key: String) async {
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

    /// Hands the key to the next waiter, or frees it.
    public func release(_ key: String) {
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

    /// Keys held right now (tests check nothing leaks).
    public var heldCount: Int { queues.withLock { $0.count } }

    public func withLock<T>(
        _ key: String, isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> T
    ) async throws -> T {
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
}
