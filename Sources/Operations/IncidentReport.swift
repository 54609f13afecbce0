import Foundation
import Storage

/// The seed's post-incident report (000 "Incident Report Template") in Markdown, filled with
/// the timeline, the actions, the durations and the metrics at each step.
public enum IncidentReport {
    public static func markdown(_ incident: StoredIncident, events: [IncidentEvent],
                                notifications: [OutboxNotification], now: Date = Date()) -> String {
        let end = incident.resolvedAt ?? now
        func since(_ date: Date?) -> String {
            date.map { IncidentTemplates.duration(from: incident.openedAt, to: $0) } ?? "—"
        }
        let detectedIn = events.first.map { IncidentTemplates.duration(from: incident.openedAt, to: $0.at) } ?? "0s"
        var out = """
            # Incident Report: \(incident.id)

            ## Executive Summary
            - **Incident ID:** \(incident.id)
            - **Date/Time:** \(IncidentTemplates.iso(incident.openedAt)) - \(incident.resolvedAt.map(IncidentTemplates.iso) ?? "ongoing") (\(IncidentTemplates.duration(from: incident.openedAt, to: end)))
            - **Severity:** \(incident.severity)
            - **Status:** \(incident.status)
            - **Impact:** \(incident.reasons.joined(separator: "; "))
            - **Resolution:** \(incident.resolutionNote ?? "not resolved yet")

            ## Durations
            | Measure | Time from opening |
            |---|---|
            | Time to detect | \(detectedIn) (detected by the monitor at the tick that opened it) |
            | Time to acknowledge | \(since(incident.acknowledgedAt))\(incident.acknowledgedBy.map { " (by \($0))" } ?? "") |
            | Time to mitigate | \(since(incident.mitigatedAt)) |
            | Time to resolve | \(since(incident.resolvedAt)) |

            ## Timeline
            | Time | Event | Action Taken | Metrics |
            |------|-------|--------------|---------|

            """
        for event in events {
            let action = ["action", "action_failed", "notified", "acknowledged", "note"].contains(event.kind) ? event.message : ""
            let message = action.isEmpty ? event.message : event.kind
            out += "| \(IncidentTemplates.iso(event.at)) | \(cell(message)) | \(cell(action)) | \(cell(metricsSummary(event.data))) |\n"
        }
        let actions = events.filter { $0.kind == "action" || $0.kind == "action_failed" }
        out += """

            ## Actions
            \(actions.isEmpty ? "- none" : actions.map { "- \(IncidentTemplates.iso($0.at)): \($0.message)" }.joined(separator: "\n"))

            ## Notifications
            \(notifications.isEmpty ? "- none" : notifications.map { "- \($0.template) → \($0.target) via \($0.channel): \($0.status)\($0.lastError.map { " (\($0))" } ?? "")" }.joined(separator: "\n"))

            ## Root Cause Analysis
            ### Primary Cause
            _To be completed by the incident commander._ Detected conditions: \(incident.reasons.joined(separator: "; ")).

            ## Action Items
            | Action | Owner | Due Date | Status |
            |--------|-------|----------|--------|
            | Root cause analysis | | | open |

            ## Lessons Learned
            - _To be completed after the post-incident review._

            """
        return out
    }

    static func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }

    /// The figures an operator scans first, from a metrics snapshot stored with the event.
    static func metricsSummary(_ json: String?) -> String {
        guard let json, let data = json.data(using: .utf8),
              let m = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return "" }
        var parts: [String] = []
        if let rate = m["error_rate"] as? Double { parts.append(String(format: "errors %.1f%%", rate * 100)) }
        if let ms = m["avg_response_ms"] as? Double { parts.append(String(format: "avg %.0f ms", ms)) }
        // `memory_usage_percent`: the same reading, as snapshots stored before `memory` was a table named it.
        if let mem = (m["memory"] as? [String: Any])?["used_percent"] as? Double ?? m["memory_usage_percent"] as? Double {
            parts.append(String(format: "memory %.0f%%", mem))
        }
        if let hit = m["cache_hit_ratio"] as? Double { parts.append(String(format: "cache hit %.2f", hit)) }
        if let requests = m["requests"] as? Int { parts.append("\(requests) requests") }
        return parts.joined(separator: ", ")
    }
}
