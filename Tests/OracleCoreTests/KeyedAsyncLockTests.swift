import OracleCore
import Synchronization
import Testing

/// What ran, in order.
private final class Events: Sendable {
    private let list = Mutex<[String]>([])
    func append(_ event: String) { list.withLock { $0.append(event) } }
    var all: [String] { list.withLock { $0 } }
    func contains(_ event: String) -> Bool { all.contains(event) }
}

@Suite struct KeyedAsyncLockTests {
    /// The body holding the lock is suspended on a continuation the test controls: the next
    /// caller of the same key must wait for it, not run in the gap (an actor whose method awaits
    /// the body would let it in at that suspension).
    @Test func aSuspendedHolderKeepsTheNextCallerWaiting() async throws {
        let lock = KeyedAsyncLock<String>()
        let events = Events()
        let aStarted = AsyncLatch()
        let releaseA = AsyncLatch()
        let a = Task {
            await lock.withLock("policy") {
                events.append("A start")
                aStarted.open()
                try? await releaseA.wait()
                events.append("A end")
            }
        }
        try await aStarted.wait()
        let b = Task { await lock.withLock("policy") { events.append("B") } }
        // Until B is queued behind A or, were the lock not to serialise, has run.
        while lock.waitingCount("policy") == 0 && !events.contains("B") { await Task.yield() }
        #expect(!events.contains("B"), "B ran while A held the lock")
        releaseA.open()
        await a.value
        await b.value
        #expect(events.all == ["A start", "A end", "B"])
        #expect(lock.heldCount == 0)
    }

    /// Waiters are served in the order they came; another key is not held up at all.
    @Test func waitersAreServedFirstInFirstOutAndOtherKeysRunMeanwhile() async throws {
        let lock = KeyedAsyncLock<Int>()
        let events = Events()
        let held = AsyncLatch()
        let release = AsyncLatch()
        let holder = Task {
            await lock.withLock(1) {
                held.open()
                try? await release.wait()
                events.append("holder")
            }
        }
        try await held.wait()
        var waiters: [Task<Void, Never>] = []
        for n in 1...5 {
            waiters.append(Task { await lock.withLock(1) { events.append("waiter \(n)") } })
            while lock.waitingCount(1) < n { await Task.yield() }
        }
        await lock.withLock(2) { events.append("other key") }
        #expect(events.all == ["other key"])
        release.open()
        await holder.value
        for waiter in waiters { await waiter.value }
        #expect(events.all == ["other key", "holder"] + (1...5).map { "waiter \($0)" })
        #expect(lock.heldCount == 0)
    }

    /// A cancelled waiter keeps its place and still runs (its body sees the cancellation); the
    /// ones behind it are served after it and the lock ends up free.
    @Test func cancellingAWaiterDoesNotBreakTheLine() async throws {
        let lock = KeyedAsyncLock<String>()
        let events = Events()
        let held = AsyncLatch()
        let release = AsyncLatch()
        let holder = Task {
            await lock.withLock("k") {
                held.open()
                try? await release.wait()
                events.append("holder")
            }
        }
        try await held.wait()
        let cancelled = Task { await lock.withLock("k") { events.append(Task.isCancelled ? "cancelled ran" : "not cancelled") } }
        while lock.waitingCount("k") < 1 { await Task.yield() }
        let next = Task { await lock.withLock("k") { events.append("next") } }
        while lock.waitingCount("k") < 2 { await Task.yield() }
        cancelled.cancel()
        release.open()
        await holder.value
        await cancelled.value
        await next.value
        #expect(events.all == ["holder", "cancelled ran", "next"])
        #expect(lock.heldCount == 0)
        await lock.withLock("k") { events.append("after") }
        #expect(events.all.last == "after")
    }

    @Test func aThrowingBodyReleasesTheLock() async {
        struct Boom: Error {}
        let lock = KeyedAsyncLock<String>()
        await #expect(throws: Boom.self) { try await lock.withLock("k") { throw Boom() } }
        #expect(lock.heldCount == 0)
    }
}

@Suite struct AsyncLatchTests {
    @Test func waitersPassOnceOpenAndLateWaitersPassAtOnce() async throws {
        let latch = AsyncLatch()
        let waiters = (0..<3).map { _ in Task { try await latch.wait() } }
        #expect(!latch.isOpen)
        latch.open()
        for waiter in waiters { try await waiter.value }
        try await latch.wait()
        latch.open()
        #expect(latch.isOpen)
    }

    @Test func aCancelledWaiterStopsWaitingAndTheOthersStillPass() async throws {
        let latch = AsyncLatch()
        let cancelled = Task { try await latch.wait() }
        let other = Task { try await latch.wait() }
        cancelled.cancel()
        await #expect(throws: CancellationError.self) { try await cancelled.value }
        #expect(!latch.isOpen)
        latch.open()
        try await other.value
    }
}
