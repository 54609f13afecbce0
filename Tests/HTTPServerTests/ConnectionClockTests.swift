import Foundation
@testable import HTTPServer
import NIOCore
import Synchronization
import Testing

/// The connection's time limits, driven by made-up instants: no timer, no sleeping.
@Suite struct ConnectionClockTests {
    static let limits = ConnectionClock.Limits(head: .seconds(10), body: .seconds(30), keepAlive: .seconds(60))
    static func at(_ seconds: Int64) -> NIODeadline { .uptimeNanoseconds(UInt64(seconds) * 1_000_000_000) }

    @Test func aFreshConnectionMustSendItsHeadWithinTheHeadLimit() {
        let clock = ConnectionClock(limits: Self.limits, openedAt: Self.at(100))
        #expect(clock.deadline == Self.at(110))
        #expect(clock.expiry(at: Self.at(109)) == nil)
        #expect(clock.expiry(at: Self.at(110)) == .headTimedOut)
    }

    @Test func theBodyLimitRunsFromTheHeadAndStopsAtTheEnd() {
        var clock = ConnectionClock(limits: Self.limits, openedAt: Self.at(0))
        clock.bytesReceived(at: Self.at(1))
        clock.headReceived(at: Self.at(2))
        #expect(clock.deadline == Self.at(32))
        #expect(clock.expiry(at: Self.at(40)) == .bodyTimedOut)
        clock.requestEnded(at: Self.at(5))
        // Answering has no limit: a streamed reply may take as long as it takes.
        #expect(clock.deadline == nil)
        #expect(clock.expiry(at: Self.at(10_000)) == nil)
    }

    @Test func betweenRequestsTheKeepAliveLimitRunsUntilTheNextFirstByte() {
        var clock = ConnectionClock(limits: Self.limits, openedAt: Self.at(0))
        clock.headReceived(at: Self.at(1))
        clock.requestEnded(at: Self.at(1))
        clock.responseEnded(at: Self.at(3))
        #expect(clock.deadline == Self.at(63))
        #expect(clock.isIdle)
        #expect(clock.expiry(at: Self.at(63)) == .closeIdle)
        // A first byte switches to the head limit, from that byte.
        clock.bytesReceived(at: Self.at(50))
        #expect(clock.deadline == Self.at(60))
        #expect(clock.expiry(at: Self.at(60)) == .headTimedOut)
        #expect(!clock.isIdle)
    }

    @Test func anEarlyAnswerLeavesTheBodyLimitRunningUntilTheBodyEnds() {
        var clock = ConnectionClock(limits: Self.limits, openedAt: Self.at(0))
        clock.headReceived(at: Self.at(1))
        clock.responseEnded(at: Self.at(2))   // e.g. a 401 before the body was read
        #expect(clock.expiry(at: Self.at(31)) == .bodyTimedOut)
        clock.requestEnded(at: Self.at(4))
        #expect(clock.deadline == Self.at(64))
    }

    @Test func pipelinedRequestsStayAnsweringUntilTheLastResponse() {
        var clock = ConnectionClock(limits: Self.limits, openedAt: Self.at(0))
        clock.headReceived(at: Self.at(1))
        clock.requestEnded(at: Self.at(1))
        clock.headReceived(at: Self.at(1))
        clock.requestEnded(at: Self.at(1))
        clock.responseEnded(at: Self.at(2))
        #expect(clock.deadline == nil)
        #expect(clock.unanswered == 1)
        clock.responseEnded(at: Self.at(3))
        #expect(clock.deadline == Self.at(63))
    }
}

/// Which connections are served, which may only probe liveness, which are turned away.
@Suite struct ConnectionBudgetTests {
    @Test func atTheLimitTheLongestIdleIsEvictedBeforeAnyOverflow() {
        let budget = ConnectionBudget(limit: 2)
        let evicted = Mutex<[String]>([])
        #expect(budget.admit() == .served)
        #expect(budget.admit() == .served)
        let a = NSObject(), b = NSObject()
        budget.markIdle(ObjectIdentifier(a)) { evicted.withLock { $0.append("a") } }
        budget.markIdle(ObjectIdentifier(b)) { evicted.withLock { $0.append("b") } }
        budget.markBusy(ObjectIdentifier(a))   // a request arrived on a: b is now the only idle one
        #expect(budget.admit() == .served)
        #expect(evicted.withLock { $0 } == ["b"])
        #expect(budget.admit() == .overflow)   // nothing idle left to evict
    }

    @Test func pastTheLimitComeOverflowThenRefusal() {
        let budget = ConnectionBudget(limit: 2)
        #expect(budget.reserve == 8)
        let admissions = (0..<11).map { _ in budget.admit() }
        #expect(admissions.filter { $0 == .served }.count == 2)
        #expect(admissions.filter { $0 == .overflow }.count == 8)
        #expect(admissions.last == .refused)
        budget.release()
        budget.release()
        #expect(budget.admit() == .overflow)
    }

    @Test func theLimitLeavesDescriptorsForEverythingElse() {
        // At the usual 1024 open files, served plus overflow connections leave 128 descriptors
        // for the rest and room for every lingering connection.
        let limit = ConnectionBudget.fitting(configured: 100_000, openFileLimit: 1024)
        #expect(limit + ConnectionBudget(limit: limit).reserve <= 1024 - 128 - ConnectionBudget.maxLingering)
        #expect(limit > 550)
        #expect(ConnectionBudget.fitting(configured: 50, openFileLimit: 1024) == 50)
        #expect(ConnectionBudget.fitting(configured: 50, openFileLimit: 10) == 1)
    }
}
