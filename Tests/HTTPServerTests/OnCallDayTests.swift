import Foundation
@testable import HTTPServer
import LLM
import Logging
import Operations
import Policies
import Storage
import Testing
import TestSupport

/// The on-call day, scripted: the shipped policies, a contacts file routing roles to two
/// Slack-shaped webhook sinks, a PagerDuty-shaped sink and the log, the real notifier posting
/// over loopback, and the monitor ticking every 30 s on an injected clock. Pages are counted per
/// destination and must match exactly.
@Suite(.serialized) struct OnCallDayTests {
    /// Received pages of one sink, decoded.
    static func bodies(_ sink: FakeUpstream) -> [[String: Any]] {
        sink.requests.compactMap { try? JSONSerialization.jsonObject(with: Data($0.body.utf8)) as? [String: Any] }
    }

    @Test func anOnCallDayPagesOncePerEventPerDestination() async throws {
        let slack = try await FakeUpstream.start()
        let management = try await FakeUpstream.start()
        let pagerDuty = try await FakeUpstream.start()
        defer { Task { await slack.stop(); await management.stop(); await pagerDuty.stop() } }
        let contacts = try ContactBook.parse("""
            channels:
              slack-oncall: { type: webhook, url: "\(slack.baseURL)/services/T0/oncall/hook" }
              slack-management: { type: webhook, url: "\(management.baseURL)/services/T0/mgmt/hook" }
              pagerduty: { type: pagerduty, routing_key: R0UTINGKEY, events_url: "\(pagerDuty.baseURL)/v2/enqueue" }
              log: { type: log }
            roles:
              oncall: [pagerduty, slack-oncall, log]
              incident-commander: [slack-oncall]
              tech-lead: [slack-oncall]
              ops: [slack-oncall]
              engineering-manager: [slack-management]
              product-manager: [slack-management]
            """, path: "contacts.yaml", environment: [:])
        let f = try await IncidentFixture(contacts: contacts)
        defer { f.close(); f.dir.remove() }
        let notifier = Notifier(store: f.state.store, settings: NotifierSettings(), contacts: contacts,
                                transport: HTTPTransport(logger: Logger(label: "notifier")), logger: Logger(label: "notifier"),
                                now: { f.script.clock.withLock { $0 } })
        /// Ticks, then delivers what is due, as the two services would.
        func run(ticks: Int) async throws {
            for _ in 0..<ticks {
                try await f.tick()
                await notifier.deliverDue()
            }
        }
        func counts() -> [Int] { [slack.requestCount, management.requestCount, pagerDuty.requestCount] }

        // 1. Low traffic with sporadic failures: 2 of 5 requests failed, a cache with 8 lookups
        //    and no hits. Not enough evidence for anything.
        var sporadic = IncidentFixture.errors(0.4)
        sporadic.requests = 5
        sporadic.cacheHitRatio = 0
        sporadic.cacheLookups = 8
        f.set(sporadic)
        try await run(ticks: 10)
        #expect(try await f.state.store.incidents(status: nil, severity: nil, limit: 10).isEmpty)
        #expect(counts() == [0, 0, 0], "no page at low traffic")

        // 2. A real outage: 30 % errors over 100 requests, a P1. One declaration per destination.
        f.set(IncidentFixture.errorSpike)
        try await run(ticks: 6)
        let outage = try #require(try await f.state.store.openIncident())
        #expect(outage.severity == "P1")
        #expect(counts() == [1, 1, 1], "one declaration each, however many roles and ticks")
        let declaration = try #require(Self.bodies(slack).first)
        #expect(declaration["roles"] as? [String] == ["oncall", "incident-commander", "tech-lead", "ops"])
        let text = try #require(declaration["text"] as? String)
        #expect(text.contains("INCIDENT DECLARED: P1") && text.contains("- disabled persistent sessions"))
        #expect(text.contains("Error rate: 30.0%"))
        #expect(Self.bodies(management).first?["roles"] as? [String] == ["engineering-manager"])
        let trigger = try #require(Self.bodies(pagerDuty).first)
        #expect(trigger["event_action"] as? String == "trigger" && trigger["dedup_key"] as? String == outage.id)
        #expect(trigger["routing_key"] as? String == "R0UTINGKEY")
        #expect((trigger["payload"] as? [String: Any])?["severity"] as? String == "error")

        // 3. Acknowledged: PagerDuty hears it; nobody else is paged for it.
        _ = try await f.monitor.acknowledge(outage.id, by: "alice")
        await notifier.deliverDue()
        #expect(counts() == [1, 1, 2])
        #expect(Self.bodies(pagerDuty).last?["event_action"] as? String == "acknowledge")

        // 4. Resolved by hand while the failures are still in the window: one resolution per
        //    destination, then 25 minutes of the same condition page nobody and open nothing.
        _ = try await f.monitor.resolveManually(outage.id, note: "upstream fixed, errors ageing out", by: "alice")
        await notifier.deliverDue()
        #expect(counts() == [2, 2, 3])
        #expect(Self.bodies(pagerDuty).last?["event_action"] as? String == "resolve")
        try await run(ticks: 50)
        #expect(counts() == [2, 2, 3], "no re-page within the cooldown")
        #expect(try await f.state.store.incidents(status: nil, severity: nil, limit: 10).count == 1)
        let held = try await f.state.store.incidentEvents(outage.id).filter { $0.kind == "held_in_cooldown" }
        #expect(held.count == 1, "recorded once, not once per tick")

        // 5. It gets worse within the cooldown (the database fails: P0): the same incident reopens
        //    and its declaration reaches the P0 audience, everyone, once per destination.
        var databaseDown = IncidentFixture.errorSpike
        databaseDown.database = .init(status: "unhealthy")
        f.set(databaseDown)
        try await run(ticks: 3)
        let reopened = try #require(try await f.state.store.openIncident())
        #expect(reopened.id == outage.id && reopened.severity == "P0")
        #expect(counts() == [3, 3, 4])
        #expect(Self.bodies(management).last?["roles"] as? [String] == ["engineering-manager", "product-manager"])
        #expect(try await f.state.store.incidentEvents(outage.id).contains { $0.kind == "advice" }, "the matrix's DB row")

        // 6. Recovery: quiet for INCIDENT_RESOLVE_AFTER (120 s), one resolution per destination.
        f.set(IncidentFixture.healthy)
        try await run(ticks: 8)
        #expect(try await f.state.store.incident(id: outage.id)?.status == "resolved")
        #expect(counts() == [4, 4, 5])

        // 7. A maintenance window: a new P2 (memory 88 %) after the recovery's cooldown is
        //    recorded and acts, but pages nobody; its resolution goes nowhere (nothing was paged).
        f.advance(seconds: 700)
        let now = f.script.clock.withLock { $0 }
        try await f.state.store.saveSilence(StoredSilence(
            id: "MW-1", kind: .maintenance, severities: [], reasonContains: nil, startsAt: now, endsAt: now.addingTimeInterval(3600),
            author: "bob", comment: "database upgrade", createdAt: now))
        var memory = IncidentFixture.healthy
        memory.memory.usedPercent = 88
        f.set(memory)
        try await run(ticks: 4)
        let maintenance = try #require(try await f.state.store.openIncident())
        #expect(maintenance.id != outage.id && maintenance.severity == "P2")
        #expect(counts() == [4, 4, 5], "held by the maintenance window")
        let heldPages = try await f.state.store.notifications(incidentID: maintenance.id)
        #expect(!heldPages.isEmpty && heldPages.allSatisfy { $0.status == "silenced" && $0.lastError == "silenced by MW-1" })
        _ = try await f.monitor.resolveManually(maintenance.id, note: "expected during the upgrade", by: "bob")
        await notifier.deliverDue()
        #expect(counts() == [4, 4, 5])

        // 8. A silence for a known slow dependency (P3 latency): recorded, not paged.
        f.advance(seconds: 3700)   // past the window and the P2's one-hour cooldown
        let later = f.script.clock.withLock { $0 }
        try await f.state.store.saveSilence(StoredSilence(
            id: "SIL-1", kind: .silence, severities: ["P3"], reasonContains: "avg response", startsAt: later,
            endsAt: later.addingTimeInterval(7200), author: "carol", comment: "known slow dependency", createdAt: later))
        var slow = IncidentFixture.healthy
        slow.avgResponseMs = 2500
        f.set(slow)
        try await run(ticks: 4)
        let silenced = try #require(try await f.state.store.openIncident())
        #expect(silenced.severity == "P3")
        #expect(try await f.state.store.notifications(incidentID: silenced.id).allSatisfy { $0.lastError == "silenced by SIL-1" })

        // The day's pages, per destination, exactly.
        #expect(counts() == [4, 4, 5])
        #expect(Self.bodies(pagerDuty).map { $0["event_action"] as? String ?? "?" }
                == ["trigger", "acknowledge", "resolve", "trigger", "resolve"])
        let logged = try await f.state.store.notifications(incidentID: outage.id).filter { $0.channel == "log" }
        #expect(logged.map(\.template) == ["declaration", "resolution", "declaration", "resolution"])
        #expect(logged.allSatisfy { $0.status == "delivered" })
    }
}
