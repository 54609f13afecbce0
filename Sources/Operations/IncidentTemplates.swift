import Foundation
import Policies
import Storage

/// The seed runbook's communication templates (000: Incident Declaration, Status Update,
/// Resolution Notification), filled from the incident's data: what was actually done (its
/// timeline's actions and advice) and the metrics that triggered or accompany it.
public enum IncidentTemplates {
    public static func render(_ template: String, incident: StoredIncident, events: [IncidentEvent],
                              metrics: MonitoringSnapshot? = nil, at: Date) -> String {
        let done = events.filter { $0.kind == "action" }.map { "- \($0.message)" }
        let advice = events.filter { $0.kind == "advice" }.map { "- \($0.message)" }
        let actionLines = done.isEmpty ? "- none yet" : done.joined(separator: "\n")
        let nextLines = advice.isEmpty ? "- investigate: GET /api/v1/incidents/\(incident.id)" : advice.joined(separator: "\n")
        let title = incident.title ?? incident.reasons.first ?? "incident"
        let description = ([incident.incidentDescription].compactMap { $0 } + incident.reasons.map { "- \($0)" })
            .joined(separator: "\n")
        let metricLines = metrics.map(Self.metricLines) ?? "- (no monitoring snapshot)"
        switch template {
        case "resolution":
            return """
                INCIDENT RESOLVED: \(incident.id) - \(title)

                Resolution Time: \(duration(from: incident.openedAt, to: incident.resolvedAt ?? at))
                Root Cause: \(incident.reasons.joined(separator: "; "))

                Resolution Actions:
                \(actionLines)
                - \(incident.resolutionNote ?? "resolved")

                Impact Summary:
                - Duration: \(duration(from: incident.openedAt, to: incident.resolvedAt ?? at))
                - Severity: \(incident.severity)
                - Services Restored: chat sessions API

                Metrics at resolution:
                \(metricLines)

                Follow-up Actions:
                - [ ] Post-incident review scheduled (report: GET /api/v1/incidents/\(incident.id)/report)
                - [ ] Root cause analysis
                - [ ] Prevention measures implementation
                """
        case "update":
            return """
                INCIDENT UPDATE: \(incident.id) - \(title)

                Status: \(incident.mitigatedAt == nil ? "INVESTIGATING" : "MITIGATING")
                Severity: \(incident.severity)
                Time Since Start: \(duration(from: incident.openedAt, to: at))
                Acknowledged: \(incident.acknowledgedBy.map { "yes, by \($0)" } ?? "NO — escalating")
                Escalation Level: \(incident.level)

                Actions Completed:
                \(actionLines)

                Next Actions:
                \(nextLines)

                Current Impact:
                \(incident.reasons.map { "- \($0)" }.joined(separator: "\n"))

                Metrics:
                \(metricLines)
                """
        default:
            return """
                INCIDENT DECLARED: \(incident.severity) - Oracle Chat

                Incident ID: \(incident.id)
                Severity: \(incident.severity)
                Status: INVESTIGATING
                Opened: \(iso(incident.openedAt))\(incident.isManual ? " (declared by \(incident.declaredBy ?? "an operator"))" : "")

                Issue Description:
                \(description)

                Impact (the metrics that triggered it):
                \(metricLines)

                Response Actions:
                \(actionLines)

                Next Actions:
                \(nextLines)

                Acknowledge: POST /api/v1/incidents/\(incident.id)/ack
                """
        }
    }

    /// The severity input's figures, as an operator reads them.
    static func metricLines(_ m: MonitoringSnapshot) -> String {
        var lines = [
            "- Requests in window: \(m.requests)",
            "- Error rate: \(percent(m.errorRate))",
            "- Response time: avg \(Int(m.avgResponseMs)) ms, p95 \(Int(m.p95ResponseMs)) ms",
        ]
        if let hit = m.cacheHitRatio { lines.append("- Cache hit ratio: \(percent(hit))") }
        if let memory = m.memory.usedPercent { lines.append("- Memory in use: \(String(format: "%.1f", memory))%") }
        lines.append("- Database: \(m.database.status); AI provider: \(m.ai.status)")
        lines.append("- Persistent sessions: \(m.persistentSessions.enabled ? "on" : "off")\(m.persistentSessions.failing ? ", failing" : "")")
        return lines.joined(separator: "\n")
    }

    static func percent(_ fraction: Double) -> String { String(format: "%.1f%%", fraction * 100) }

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
