/// One async lock per session id: messages to one session run one after another, in arrival
/// order, while different sessions run in parallel. A holder must call ``release(_:)`` exactly
/// once; a streamed reply holds the lock until its stream ends.
///
/// ```swift
/// try await locks.withLock(sessionID) { try await send() }
/// ```
public final class SessionLocks: Sendable {
    private let queues = LockQueues()

    public init() {}

    public func acquire(_ key: String) async {
        await queues.acquire(key)
    }

    public func release(_ key: String) async {
        await queues.release(key)
    }

    /// Sessions currently locked (for tests and diagnostics).
    public var heldCount: Int {
        get async { await queues.heldCount }
    }

    public func withLock<T>(
        _ key: String, isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> T
    ) async throws -> T {
        await acquire(key)
        do {
            let result = try await body()
            await release(key)
            return result
        } catch {
            await release(key)
            throw error
        }
    }
}

/// The lock state: held keys, each with the waiters queued behind the holder.
private actor LockQueues {
    private var queues: [String: [CheckedContinuation<Void, Never>]] = [:]

    var heldCount: Int { queues.count }

    func acquire(_ key: String) async {
        guard queues[key] != nil else {
            queues[key] = []
            return
        }
        await withCheckedContinuation { queues[key, default: []].append($0) }
    }

    func release(_ key: String) {
        guard var queue = queues[key] else { return }
        guard !queue.isEmpty else {
            queues[key] = nil
            return
        }
        let next = queue.removeFirst()
        queues[key] = queue
        next.resume()
    }
}
