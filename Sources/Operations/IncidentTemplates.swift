import Foundation
import Storage

/// The seed runbook's communication templates (000: Incident Declaration, Status Update,
/// Resolution Notification), filled from the incident's data.
public enum IncidentTemplates {
    public static func render(_ template: String, incident: StoredIncident, events: [IncidentEvent], at: Date) -> String {
        let actions = events.filter { $0.kind == "action" }.map { "- \($0.message)" }
        let actionLines = actions.isEmpty ? "- none yet" : actions.joined(separator: "\n")
        switch template {
        case "resolution":
            return """
                INCIDENT RESOLVED: \(incident.id) - Oracle Chat \(incident.severity)

                Resolution Time: \(duration(from: incident.openedAt, to: incident.resolvedAt ?? at))
                Root Cause: \(incident.reasons.joined(separator: "; "))

                Resolution Actions:
                \(actionLines)
                - \(incident.resolutionNote ?? "resolved")

                Impact Summary:
                - Duration: \(duration(from: incident.openedAt, to: incident.resolvedAt ?? at))
                - Services Restored: chat sessions API

                Follow-up Actions:
                - [ ] Post-incident review scheduled (report: GET /api/v1/incidents/\(incident.id)/report)
                - [ ] Root cause analysis
                - [ ] Prevention measures implementation
                """
        case "update":
            return """
                INCIDENT UPDATE: \(incident.id) - Oracle Chat \(incident.severity)

                Status: \(incident.mitigatedAt == nil ? "INVESTIGATING" : "MITIGATING")
                Time Since Start: \(duration(from: incident.openedAt, to: at))
                Acknowledged: \(incident.acknowledgedBy.map { "yes, by \($0)" } ?? "NO — escalating")
                Escalation Level: \(incident.level)

                Current Impact:
                \(incident.reasons.map { "- \($0)" }.joined(separator: "\n"))

                Actions Completed:
                \(actionLines)
                """
        default:
            return """
                INCIDENT DECLARED: \(incident.severity) - Oracle Chat

                Incident ID: \(incident.id)
                Severity: \(incident.severity)
                Status: INVESTIGATING
                Opened: \(iso(incident.openedAt))

                Issue Description:
                \(incident.reasons.map { "- \($0)" }.joined(separator: "\n"))

                Response Actions:
                \(actionLines)

                Acknowledge: POST /api/v1/incidents/\(incident.id)/ack
                """
        }
    }

    static func duration(from start: Date, to end: Date) -> String {
        let seconds = max(0, Int(end.timeIntervalSince(start)))
        if seconds < 60 { return "\(seconds)s" }
        if seconds < 3600 { return "\(seconds / 60)m \(seconds % 60)s" }
        return "\(seconds / 3600)h \(seconds % 3600 / 60)m"
    }

    static func iso(_ date: Date) -> String {
        Date.ISO8601FormatStyle().format(date)
    }
}
