import Foundation
import Policies
import Storage

extension IncidentMonitor {
    /// Asks `escalation.lua` what to do for `event`, then queues its notifications and carries
    /// out its actions, recording each step in the timeline.
    func escalate(_ incident: StoredIncident, event: EscalationInput.Event, metrics: MonitoringSnapshot, at: Date) async throws {
        var incident = incident
        let input = EscalationInput(
            id: incident.id, severity: incident.severity, status: incident.status, event: event,
            elapsedSeconds: Int(max(0, at.timeIntervalSince(incident.openedAt))),
            sinceNotifiedSeconds: Int(max(0, at.timeIntervalSince(incident.lastNotifiedAt ?? incident.openedAt))),
            acknowledged: incident.acknowledgedAt != nil, level: incident.level, reasons: incident.reasons,
            metrics: metrics, settings: actions.currentSettings(), actionsTaken: incident.actionsTaken)
        let decision = await policies.escalate(input).value
        if decision.level > incident.level && event == .tick {
            try await record(incident, "escalated", "escalated to level \(decision.level) (unacknowledged after \(Int(at.timeIntervalSince(incident.openedAt)) / 60) min)", nil, at)
        }
        incident.level = decision.level
        if !decision.notify.isEmpty {
            let events = (try? await store.incidentEvents(incident.id)) ?? []
            for notification in decision.notify {
                let text = IncidentTemplates.render(notification.template, incident: incident, events: events, at: at)
                try await store.enqueueNotification(incidentID: incident.id, channel: notification.channel,
                                                    target: notification.target, template: notification.template, text: text, at: at)
            }
            incident.lastNotifiedAt = at
            let audience = Set(decision.notify.map(\.target)).sorted().joined(separator: ", ")
            let templates = Set(decision.notify.map(\.template)).sorted().joined(separator: ", ")
            try await record(incident, "notified", "\(templates) queued for \(audience)", nil, at)
        }
        // Every action the policy returns runs: escalation.lua alone decides which run only once
        // per incident (from `actions_taken`), because its one exception, the memory crisis that
        // tightens limits a second time, hangs on its own thresholds; and so what `policy test`,
        // `eval`, `replay` and the decision log show is what the host did.
        for action in decision.actions {
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
        // The status may have changed while the policy ran (an operator's ack): keep theirs.
        if let latest = try await store.incident(id: incident.id) {
            incident.status = incident.status == "resolved" ? "resolved" : latest.status
            incident.acknowledgedAt = latest.acknowledgedAt
            incident.acknowledgedBy = latest.acknowledgedBy
            incident.clearSince = latest.clearSince
        }
        try await store.saveIncident(incident)
    }
}
