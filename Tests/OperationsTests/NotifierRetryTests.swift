import Foundation
import Operations
import OracleCore
import Storage
import Synchronization
import Testing
import TestSupport

@Suite struct NotifierRetryTests {
    /// The clock the notifier reads, moved by the test.
    final class Clock: Sendable {
        let now = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
        func read() -> Date { now.withLock { $0 } }
    }

    /// A webhook notification with no URL configured fails every time: each failure puts the next
    /// attempt 2, 4, 8 … s later, never more than 5 min, and the last allowed attempt gives up.
    @Test func failedDeliveriesBackOffExponentiallyUpToFiveMinutes() async throws {
        let fixture = try await MigratedStore()
        defer { fixture.close() }
        let store = fixture.store
        let clock = Clock()
        let notifier = Notifier(store: store, settings: NotifierSettings(webhookURLs: [], maxAttempts: 10),
                                transport: nil, logger: LogCapture().logger, now: clock.read)
        try await store.enqueueNotification(incidentID: "inc-1", channel: "webhook", target: "oncall", template: "opened",
                                            text: "P1 opened", at: clock.read())
        var waits: [TimeInterval] = []
        for _ in 1..<10 {
            #expect(await notifier.deliverDue() == 0)
            let pending = try #require(try await store.notifications(incidentID: "inc-1").first)
            #expect(pending.status == "pending")
            waits.append(pending.nextAttemptAt.timeIntervalSince(clock.read()))
            #expect(await notifier.deliverDue() == 0, "nothing is due before the wait is over")
            clock.now.withLock { $0 = pending.nextAttemptAt }
        }
        #expect(waits == [2, 4, 8, 16, 32, 64, 128, 256, 300])

        #expect(await notifier.deliverDue() == 0)
        let last = try #require(try await store.notifications(incidentID: "inc-1").first)
        #expect(last.status == "failed")
        #expect(last.attempts == 10)
        #expect(last.lastError == "ALERT_WEBHOOK_URL is not set")
    }
}
