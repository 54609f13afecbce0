import Synchronization

/// Hand-over point between callers on any thread and the ``CurlMultiDriver`` thread:
/// new transfers and cancellations are queued under a lock, then the driver is woken.
final class TransportMailbox: Sendable {
    typealias Continuation = AsyncThrowingStream<HTTPResponsePart, any Error>.Continuation

    struct Submission: Sendable {
        let id: UInt64
        let request: HTTPRequest
        let continuation: Continuation
    }

    struct Inbox {
        var submissions: [Submission] = []
        var cancellations: [UInt64] = []
        var stopping = false
    }

    private struct State {
        var inbox = Inbox()
        var nextID: UInt64 = 1
        var wakeup: CurlWakeup?
        var finished = false
        var exitWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())
    let counter = LiveHandleCounter()

    /// Queues a transfer; `nil` once the transport has shut down.
    func submit(_ request: HTTPRequest, continuation: Continuation) -> UInt64? {
        state.withLock { state in
            guard !state.finished, !state.inbox.stopping else { return nil }
            let id = state.nextID
            state.nextID += 1
            state.inbox.submissions.append(Submission(id: id, request: request, continuation: continuation))
            state.wakeup?.wake()
            return id
        }
    }

    func cancel(_ id: UInt64) {
        state.withLock { state in
            guard !state.finished else { return }
            state.inbox.cancellations.append(id)
            state.wakeup?.wake()
        }
    }

    func stop() {
        state.withLock { state in
            state.inbox.stopping = true
            state.wakeup?.wake()
        }
    }

    /// Driver side: everything queued since the last call.
    func take() -> Inbox {
        state.withLock { state in
            let inbox = state.inbox
            state.inbox.submissions.removeAll()
            state.inbox.cancellations.removeAll()
            return inbox
        }
    }

    /// Driver side: wake-ups may now reach the multi handle.
    func attach(_ wakeup: CurlWakeup) {
        state.withLock { $0.wakeup = wakeup }
    }

    /// Driver side, before `curl_multi_cleanup`: no more wake-ups or submissions; returns
    /// submissions that arrived too late so the driver can fail them.
    func detach() -> [Submission] {
        state.withLock { state in
            state.wakeup = nil
            state.inbox.stopping = true
            let late = state.inbox.submissions
            state.inbox.submissions.removeAll()
            return late
        }
    }

    /// Driver side, after `curl_multi_cleanup`: releases everyone waiting in ``waitUntilFinished()``.
    func markFinished() {
        let waiters = state.withLock { state in
            state.finished = true
            let waiters = state.exitWaiters
            state.exitWaiters.removeAll()
            return waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Suspends until the driver thread has released its multi handle.
    func waitUntilFinished() async {
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let finished = state.withLock { state in
                if state.finished { return true }
                state.exitWaiters.append(waiter)
                return false
            }
            if finished { waiter.resume() }
        }
    }
}
