import Foundation
import Policies
import Storage

extension IncidentMonitor {
    /// Asks `escalation.lua` what to do for `event`, carries out its actions, then pages the roles
    /// it named (one page per destination), recording each step in the timeline. Actions run
    /// first so that the page lists what was done. Returns the decision.
    @discardableResult
    func escalate(_ incident: StoredIncident, event: EscalationInput.Event, metrics: MonitoringSnapshot, at: Date,
                  resolution: String = "") async throws -> EscalationDecision {
        var incident = incident
        let input = EscalationInput(
            id: incident.id, severity: incident.severity, status: incident.status, event: event,
            elapsedSeconds: Int(max(0, at.timeIntervalSince(incident.openedAt))),
            sinceNotifiedSeconds: Int(max(0, at.timeIntervalSince(incident.lastNotifiedAt ?? incident.openedAt))),
            acknowledged: incident.acknowledgedAt != nil, level: incident.level, reasons: incident.reasons,
            metrics: metrics, settings: actions.currentSettings(), actionsTaken: incident.actionsTaken,
            source: incident.source, resolution: resolution)
        let decision = await policies.escalate(input).value
        if decision.level > incident.level && event == .tick {
            try await record(incident, "escalated", "escalated to level \(decision.level) (unacknowledged after \(Int(at.timeIntervalSince(incident.openedAt)) / 60) min)", nil, at)
        }
        incident.level = decision.level
        // Every action the policy returns runs: escalation.lua alone decides which run only once
        // per incident (from `actions_taken`), because its one exception, the memory crisis that
        // tightens limits a second time, hangs on its own thresholds; and so what `policy test`,
        // `eval`, `replay` and the decision log show is what the host did.
        for action in decision.actions {
            if case .advise(let text) = action {
                incident.actionsTaken.append(action.type)
                try await record(incident, "advice", text, nil, at)
                continue
            }
            do {
                let line = try await actions.perform(action, incidentID: incident.id)
                incident.actionsTaken.append(action.type)
                if incident.mitigatedAt == nil { incident.mitigatedAt = at }
                try await record(incident, "action", line, nil, at)
                logger.notice("incident action taken", metadata: ["incident.id": "\(incident.id)", "action": "\(action.type)"])
            } catch {
                try await record(incident, "action_failed", "\(action.type) failed: \(error)", nil, at)
                logger.error("incident action failed", metadata: ["incident.id": "\(incident.id)", "action": "\(action.type)", "error": "\(error)"])
            }
        }
        var notify = decision.notify
        if notify.isEmpty, event == .tick, try await declarationWasHeld(incident, at: at) {
            // Every page so far was held by a silence or window that no longer applies: the
            // declaration goes out now, to the audience escalation.lua declares this severity to.
            let declaration = await policies.escalate(input.with(event: .opened)).value
            notify = declaration.notify.filter { $0.template == "declaration" }
            if !notify.isEmpty { try await record(incident, "silence_over", "no silence holds it any more: declaring now", nil, at) }
        }
        if !notify.isEmpty {
            let events = (try? await store.incidentEvents(incident.id)) ?? []
            var lines: [String] = []
            for template in EscalationDecision.templates {
                let roles = notify.filter { $0.template == template }.map(\.role)
                guard !roles.isEmpty else { continue }
                let text = IncidentTemplates.render(template, incident: incident, events: events, metrics: metrics, at: at)
                let outcome = try await pager.page(incident, template: template, roles: roles, text: text, at: at,
                                                   onlyWherePaged: template == "resolution")
                if !outcome.isEmpty { lines.append(IncidentPager.describe(template, outcome)) }
            }
            // Held pages count too: otherwise a due update would be held again on every tick of a
            // silence. A declaration held until the silence ended goes out by itself (above).
            incident.lastNotifiedAt = at
            if !lines.isEmpty { try await record(incident, "notified", lines.joined(separator: "; "), nil, at) }
        }
        // The status may have changed while the policy ran (an operator's ack): keep theirs.
        if let latest = try await store.incident(id: incident.id) {
            incident.status = incident.status == "resolved" ? "resolved" : latest.status
            incident.acknowledgedAt = latest.acknowledgedAt
            incident.acknowledgedBy = latest.acknowledgedBy
            incident.clearSince = latest.clearSince
        }
        if event == .resolved, decision.cooldownSeconds > 0 {
            incident.quietUntil = at.addingTimeInterval(Double(decision.cooldownSeconds))
        }
        try await store.saveIncident(incident)
        return decision
    }
}

extension IncidentMonitor {
    /// True when pages of this open incident were held and none went out, and nothing holds it now.
    func declarationWasHeld(_ incident: StoredIncident, at: Date) async throws -> Bool {
        guard incident.isOpen, try await store.pagedDestinations(incidentID: incident.id).isEmpty else { return false }
        let rows = try await store.notifications(incidentID: incident.id)
        guard rows.contains(where: { $0.status == "silenced" }) else { return false }
        return try await pager.silence(for: incident, at: at) == nil
    }
}

extension EscalationInput {
    func with(event: Event) -> EscalationInput {
        var copy = self
        copy.event = event
        return copy
    }
}
