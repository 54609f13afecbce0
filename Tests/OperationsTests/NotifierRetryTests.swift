import Foundation
import LLM
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

    /// A webhook that refuses connections (a closed loopback port) fails every time: each failure
    /// puts the next attempt 2, 4, 8 … s later, never more than 5 min, and the last allowed
    /// attempt gives up.
    @Test func failedDeliveriesBackOffExponentiallyUpToFiveMinutes() async throws {
        let fixture = try await MigratedStore()
        defer { fixture.close() }
        let store = fixture.store
        let clock = Clock()
        let url = "http://127.0.0.1:1/hook-token-secret"
        let notifier = Notifier(store: store, settings: NotifierSettings(maxAttempts: 10),
                                contacts: .fallback(webhookURLs: [url]), transport: HTTPTransport(logger: LogCapture().logger),
                                logger: LogCapture().logger, now: clock.read)
        try await store.enqueueNotification(QueuedPage(incidentID: "inc-1", channel: "webhook", kind: "webhook", target: "oncall",
                                                       template: "declaration", text: "P1 opened", severity: "P1"), at: clock.read())
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
        let error = try #require(last.lastError)
        #expect(error.hasPrefix("destination unreachable"))
        #expect(!error.contains("hook-token-secret"), "a webhook URL is a credential")
    }

    /// A page for a destination the contacts file no longer has fails at once, without retries.
    @Test func aDestinationNoLongerConfiguredFailsAtOnce() async throws {
        let fixture = try await MigratedStore()
        defer { fixture.close() }
        let clock = Clock()
        let notifier = Notifier(store: fixture.store, settings: NotifierSettings(maxAttempts: 10), contacts: .fallback(webhookURLs: []),
                                transport: nil, logger: LogCapture().logger, now: clock.read)
        try await fixture.store.enqueueNotification(QueuedPage(incidentID: "inc-1", channel: "slack-old", kind: "webhook", target: "oncall",
                                                               template: "declaration", text: "P1 opened", severity: "P1"), at: clock.read())
        #expect(await notifier.deliverDue() == 0)
        let row = try #require(try await fixture.store.notifications(incidentID: "inc-1").first)
        #expect(row.status == "failed" && row.attempts == 1)
        #expect(row.lastError == "destination slack-old is not configured")
    }
}
