import Foundation
@testable import HTTPServer
@testable import Operations
import Storage
import Testing

@Suite struct IncidentMonitorTests {
    @Test func oneConditionOpensOneIncidentAndEscalationDisablesPersistentSessions() async throws {
        let f = try await IncidentFixture()
        defer { f.close(); f.dir.remove() }
        try await f.tick()
        #expect(try await f.state.store.openIncident() == nil, "healthy metrics open nothing")
        f.set(IncidentFixture.errorSpike)
        try await f.tick(times: 3)
        let all = try await f.state.store.incidents(status: nil, severity: nil, limit: 10)
        #expect(all.count == 1)
        let incident = try #require(all.first)
        #expect(incident.severity == "P1")
        #expect(incident.id.hasPrefix("INC-20270115-"))
        #expect(incident.actionsTaken.contains("disable_persistent_sessions"))
        #expect(f.state.live.sessions.usePersistentSessions == false)
        #expect(f.state.overrides.active.contains { $0.name == "USE_PERSISTENT_SESSIONS" && $0.actor == "escalation:\(incident.id)" })
        let notifications = try await f.state.store.notifications(incidentID: incident.id)
        // One page for the one destination (the log, without a contacts file or webhook), naming
        // every role it reaches and listing the action taken in the same tick.
        let declarations = notifications.filter { $0.template == "declaration" }
        #expect(declarations.count == 1, "three ticks of one condition: one declaration")
        let declaration = try #require(declarations.first)
        #expect(declaration.channel == "log")
        #expect(declaration.target == "oncall, incident-commander, tech-lead, ops, engineering-manager")
        #expect(declaration.text.contains("INCIDENT DECLARED: P1"))
        #expect(declaration.text.contains("- disabled persistent sessions"), "the page lists what was done")
        #expect(!declaration.text.contains("none yet"))
        #expect(declaration.text.contains("Error rate: 30.0%"), "and the metrics that triggered it")
    }

    /// escalation.lua alone decides which actions run once: the shipped one halves the rollout
    /// once however long the slowness lasts, and a policy that asks again on every tick is obeyed.
    @Test func thePolicyAloneDecidesWhichActionsRunOnlyOnce() async throws {
        let f = try await IncidentFixture()   // GRADUAL_ROLLOUT_PERCENTAGE = 80
        defer { f.close(); f.dir.remove() }
        var slow = IncidentFixture.healthy
        slow.avgResponseMs = 4200
        f.set(slow)
        try await f.tick(times: 4)
        let incident = try #require(try await f.state.store.openIncident())
        #expect(incident.severity == "P2")
        #expect(incident.actionsTaken == ["set_rollout_percentage"])
        #expect(f.state.live.sessions.rolloutPercentage == 40)

        try FileManager.default.removeItem(atPath: f.dir.file("policies/tests/escalation_test.lua"))
        try """
            function escalate(i)
              local halved = { type = "set_rollout_percentage", value = i.settings.rollout_percentage // 2 }
              return { level = 1, notify = {}, actions = { halved } }
            end
            """.write(toFile: f.dir.file("policies/escalation.lua"), atomically: true, encoding: .utf8)
        guard case .activated = await f.policies.reload(.escalation) else {
            Issue.record("the repeating escalation.lua should activate")
            return
        }
        try await f.tick(times: 2)
        #expect(f.state.live.sessions.rolloutPercentage == 10)
        #expect(try await f.state.store.openIncident()?.actionsTaken.count == 3)
    }

    @Test func aWorseSeverityEscalatesTheSameIncident() async throws {
        let f = try await IncidentFixture()
        defer { f.close(); f.dir.remove() }
        f.set(IncidentFixture.elevatedErrors)
        try await f.tick()
        let opened = try #require(try await f.state.store.openIncident())
        #expect(opened.severity == "P2")
        f.set(IncidentFixture.errorSpike)
        try await f.tick()
        let escalated = try #require(try await f.state.store.openIncident())
        #expect(escalated.id == opened.id)
        #expect(escalated.severity == "P1")
        let kinds = try await f.state.store.incidentEvents(opened.id).map(\.kind)
        #expect(kinds.contains("severity_changed"))
        // A milder reading keeps the worst severity.
        f.set(IncidentFixture.elevatedErrors)
        try await f.tick()
        #expect(try await f.state.store.openIncident()?.severity == "P1")
    }

    @Test func noisyThresholdDoesNotFlap() async throws {
        let f = try await IncidentFixture()   // INCIDENT_RESOLVE_AFTER = 120 s, ticks every 30 s
        defer { f.close(); f.dir.remove() }
        for i in 0..<12 {
            f.set(i % 2 == 0 ? IncidentFixture.elevatedErrors : IncidentFixture.healthy)
            try await f.tick()
        }
        let all = try await f.state.store.incidents(status: nil, severity: nil, limit: 10)
        #expect(all.count == 1, "one incident, never closed and reopened")
        #expect(all.first?.status != "resolved")
        // Quiet for the resolve period: resolved once, with a resolution notification.
        f.set(IncidentFixture.healthy)
        try await f.tick(times: 6)
        let resolved = try #require(try await f.state.store.incidents(status: "resolved", severity: nil, limit: 10).first)
        #expect(try await f.state.store.openIncident() == nil)
        let notifications = try await f.state.store.notifications(incidentID: resolved.id)
        #expect(notifications.contains { $0.template == "resolution" })
    }

    /// After a recovery the resolution holds for escalation.lua's cooldown (10 min): the same
    /// condition returning is recorded on the resolved incident, pages nobody, opens nothing;
    /// once the cooldown is over it is a new incident.
    @Test func aRecoveredIncidentStaysResolvedForItsCooldown() async throws {
        let f = try await IncidentFixture()   // INCIDENT_RESOLVE_AFTER = 120 s
        defer { f.close(); f.dir.remove() }
        f.set(IncidentFixture.errorSpike)
        try await f.tick()
        let first = try #require(try await f.state.store.openIncident())
        f.set(IncidentFixture.healthy)
        try await f.tick(times: 6)
        let resolved = try #require(try await f.state.store.incident(id: first.id))
        #expect(resolved.status == "resolved")
        let quietUntil = try #require(resolved.quietUntil)
        #expect(quietUntil == resolved.resolvedAt?.addingTimeInterval(600))
        let pagesBefore = try await f.state.store.notifications(incidentID: first.id).count

        f.set(IncidentFixture.errorSpike)
        try await f.tick(times: 10)   // 5 minutes, inside the cooldown
        #expect(try await f.state.store.openIncident() == nil)
        #expect(try await f.state.store.notifications(incidentID: first.id).count == pagesBefore)
        #expect(try await f.state.store.incidentEvents(first.id).filter { $0.kind == "held_in_cooldown" }.count == 1)

        try await f.tick(times: 12)   // past the cooldown, the condition still there
        let second = try #require(try await f.state.store.openIncident())
        #expect(second.id != first.id && second.severity == "P1")
    }

    /// Ticks and the admin API take turns: two resolves and a tick at once are one resolution,
    /// and the cooldown the resolution set survives the tick.
    @Test func theAPIAndTheTickTakeTurns() async throws {
        let f = try await IncidentFixture()
        defer { f.close(); f.dir.remove() }
        f.set(IncidentFixture.errorSpike)
        try await f.tick()
        let id = try #require(try await f.state.store.openIncident()?.id)
        async let first = f.monitor.resolveManually(id, note: "fixed", by: "alice")
        async let second = f.monitor.resolveManually(id, note: "fixed too", by: "bob")
        async let tick: Void = f.monitor.tick()
        _ = try await (first, second, tick)
        let resolved = try #require(try await f.state.store.incident(id: id))
        #expect(resolved.status == "resolved" && resolved.quietUntil != nil)
        #expect(try await f.state.store.notifications(incidentID: id).filter { $0.template == "resolution" }.count == 1)
        try await f.tick(times: 5)
        #expect(try await f.state.store.openIncident() == nil, "the cooldown held")
    }

    /// A window opened after the declaration does not hold the resolution: whoever was paged
    /// hears it is over (a PagerDuty alert left open would keep paging).
    @Test func aResolutionReachesWhoeverWasPagedDuringAWindow() async throws {
        let f = try await IncidentFixture()
        defer { f.close(); f.dir.remove() }
        f.set(IncidentFixture.errorSpike)
        try await f.tick()
        let id = try #require(try await f.state.store.openIncident()?.id)
        let now = f.script.clock.withLock { $0 }
        try await f.state.store.saveSilence(StoredSilence(
            id: "MW-1", kind: .maintenance, severities: [], reasonContains: nil, startsAt: now, endsAt: now.addingTimeInterval(3600),
            author: "bob", comment: "upgrade", createdAt: now))
        _ = try await f.monitor.resolveManually(id, note: "fixed", by: "alice")
        let resolution = try #require(try await f.state.store.notifications(incidentID: id).first { $0.template == "resolution" })
        #expect(resolution.status == "pending")
    }

    /// Pages held by a window go out as a declaration once the window is over and the incident
    /// is still open, not hours later at the next update.
    @Test func aHeldDeclarationGoesOutWhenTheWindowEnds() async throws {
        let f = try await IncidentFixture()
        defer { f.close(); f.dir.remove() }
        let now = f.script.clock.withLock { $0 }
        try await f.state.store.saveSilence(StoredSilence(
            id: "MW-1", kind: .maintenance, severities: [], reasonContains: nil, startsAt: now, endsAt: now.addingTimeInterval(60),
            author: "bob", comment: "upgrade", createdAt: now))
        f.set(IncidentFixture.elevatedErrors)
        try await f.tick(times: 2)   // inside the window
        let id = try #require(try await f.state.store.openIncident()?.id)
        #expect(try await f.state.store.notifications(incidentID: id).allSatisfy { $0.status == "silenced" })
        try await f.tick(times: 2)   // the window is over
        let pages = try await f.state.store.notifications(incidentID: id).filter { $0.status != "silenced" }
        #expect(pages.map(\.template) == ["declaration"], "declared once the window is over, once")
        #expect(try await f.state.store.incidentEvents(id).contains { $0.kind == "silence_over" })
    }

    /// Three hours of a window over an open P2 hold what escalation.lua would have sent (the
    /// declaration, the 2 h escalation), not one held update per tick.
    @Test func aLongWindowHoldsEachPageOnce() async throws {
        let f = try await IncidentFixture()
        defer { f.close(); f.dir.remove() }
        let now = f.script.clock.withLock { $0 }
        try await f.state.store.saveSilence(StoredSilence(
            id: "MW-1", kind: .maintenance, severities: [], reasonContains: nil, startsAt: now, endsAt: now.addingTimeInterval(4 * 3600),
            author: "bob", comment: "long upgrade", createdAt: now))
        f.set(IncidentFixture.elevatedErrors)
        try await f.tick(times: 360)
        let id = try #require(try await f.state.store.openIncident()?.id)
        let held = try await f.state.store.notifications(incidentID: id)
        #expect(held.map(\.template) == ["declaration", "update"])
        #expect(held.allSatisfy { $0.status == "silenced" })
    }

    /// The cooldown holds the same condition only: a different one at the same or a milder
    /// severity is a new incident, paged.
    @Test func aDifferentConditionInTheCooldownIsANewIncident() async throws {
        let f = try await IncidentFixture()
        defer { f.close(); f.dir.remove() }
        f.set(IncidentFixture.errorSpike)
        try await f.tick()
        let first = try #require(try await f.state.store.openIncident())
        _ = try await f.monitor.resolveManually(first.id, note: "fixed", by: "alice")   // 30 min cooldown
        var memory = IncidentFixture.healthy
        memory.memory.usedPercent = 88
        f.set(memory)
        try await f.tick()
        let second = try #require(try await f.state.store.openIncident(), "memory is not the error rate")
        #expect(second.id != first.id && second.severity == "P2")
        #expect(try await f.state.store.notifications(incidentID: second.id).contains { $0.template == "declaration" })
        #expect(IncidentMonitor.condition("AI provider degraded: 1 of 10 requests failed") == "AI provider degraded")
        #expect(IncidentMonitor.condition("error rate 18.0% >= 10%") == "error rate")
    }

    @Test func unacknowledgedP1EscalatesAfterThirtyMinutes() async throws {
        let f = try await IncidentFixture()
        defer { f.close(); f.dir.remove() }
        f.set(IncidentFixture.errorSpike)
        try await f.tick()
        let id = try #require(try await f.state.store.openIncident()?.id)
        #expect(try await f.state.store.incident(id: id)?.level == 1)
        try await f.tick(times: 50)   // 25 minutes
        #expect(try await f.state.store.incident(id: id)?.level == 1)
        try await f.tick(times: 12)   // past 30 minutes
        #expect(try await f.state.store.incident(id: id)?.level == 2)
        let events = try await f.state.store.incidentEvents(id)
        #expect(events.contains { $0.kind == "escalated" })
        let updates = try await f.state.store.notifications(incidentID: id).filter { $0.template == "update" }
        #expect(updates.count == 1)
        #expect(updates.first?.target.contains("product-manager") == true, "level 2 reaches everyone")
    }

    @Test func acknowledgedIncidentsAreNotEscalated() async throws {
        let f = try await IncidentFixture()
        defer { f.close(); f.dir.remove() }
        f.set(IncidentFixture.errorSpike)
        try await f.tick()
        let id = try #require(try await f.state.store.openIncident()?.id)
        _ = try await f.monitor.acknowledge(id, by: "alice")
        try await f.tick(times: 70)   // 35 minutes
        let incident = try #require(try await f.state.store.incident(id: id))
        #expect(incident.level == 1)
        #expect(incident.status == "acknowledged")
        #expect(incident.acknowledgedBy == "alice")
    }

    @Test func restartResumesTheOpenIncident() async throws {
        let first = try await IncidentFixture()
        defer { first.dir.remove() }
        first.set(IncidentFixture.errorSpike)
        try await first.tick()
        let id = try #require(try await first.state.store.openIncident()?.id)
        first.close()
        let second = try await IncidentFixture(dir: first.dir)
        defer { second.close() }
        second.set(IncidentFixture.errorSpike)
        second.advance(seconds: 60)
        try await second.tick(times: 2)
        #expect(try await second.state.store.incidents(status: nil, severity: nil, limit: 10).map(\.id) == [id])
        #expect(second.state.live.sessions.usePersistentSessions == false, "the escalation's override survived the restart")
    }

    @Test func brokenSeverityPolicyDuringAnIncidentKeepsTheLoopGoing() async throws {
        let f = try await IncidentFixture()
        defer { f.close(); f.dir.remove() }
        f.set(IncidentFixture.errorSpike)
        try await f.tick()
        try "function classify(m) return {severity = 'P9'} end"
            .write(toFile: f.dir.file("policies/severity.lua"), atomically: true, encoding: .utf8)
        _ = await f.policies.reload(.severity)
        #expect(f.policies.status().first { $0.name == "severity" }?.state == "failing")
        try await f.tick(times: 3)
        let incident = try #require(try await f.state.store.openIncident())
        #expect(incident.severity == "P1", "last good severity.lua keeps classifying")
    }

    @Test func reportListsEveryStepWithDurations() async throws {
        let f = try await IncidentFixture(["INCIDENT_RESOLVE_AFTER": "60"])
        defer { f.close(); f.dir.remove() }
        f.set(IncidentFixture.errorSpike)
        try await f.tick(times: 2)
        let id = try #require(try await f.state.store.openIncident()?.id)
        _ = try await f.monitor.acknowledge(id, by: "bob")
        f.set(IncidentFixture.healthy)
        try await f.tick(times: 4)
        let incident = try #require(try await f.state.store.incident(id: id))
        #expect(incident.status == "resolved")
        let report = IncidentReport.markdown(incident, events: try await f.state.store.incidentEvents(id),
                                             notifications: try await f.state.store.notifications(incidentID: id))
        #expect(report.hasPrefix("# Incident Report: \(id)"))
        for needle in ["Time to acknowledge", "Time to mitigate", "Time to resolve", "disabled persistent sessions",
                       "acknowledged by bob", "resolved by monitor", "errors 30.0%"] {
            #expect(report.contains(needle), "report lacks \(needle)")
        }
    }
}
