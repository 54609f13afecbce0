import Foundation
import LuaRuntime
import Policies
import Storage

extension IncidentMonitor {
    func open(severity: String, reasons: [String], metrics: MonitoringSnapshot, at: Date) async throws {
        var id = Self.incidentID(at)
        var suffix = 1
        while try await store.incident(id: id) != nil {
            suffix += 1
            id = Self.incidentID(at) + "-\(suffix)"
        }
        let incident = StoredIncident(id: id, severity: severity, reasons: reasons, openedAt: at,
                                      openingMetrics: Self.json(metrics))
        try await store.saveIncident(incident)
        try await record(incident, "opened", "\(severity) opened: \(reasons.joined(separator: "; "))", metrics, at)
        logger.warning("incident opened", metadata: [
            "incident.id": "\(id)", "incident.severity": "\(severity)", "incident.reasons": "\(reasons.joined(separator: "; "))",
        ])
        try await escalate(incident, event: .opened, metrics: metrics, at: at)
        await refreshGauge()
    }

    /// Acknowledges an open incident (admin API).
    public func acknowledge(_ id: String, by who: String) async throws -> StoredIncident? {
        guard var incident = try await store.incident(id: id) else { return nil }
        guard incident.isOpen else { return incident }
        let at = now()
        if incident.acknowledgedAt == nil {
            incident.acknowledgedAt = at
            incident.acknowledgedBy = who
            incident.status = "acknowledged"
            try await store.saveIncident(incident)
            try await record(incident, "acknowledged", "acknowledged by \(who)", nil, at)
        }
        return incident
    }

    /// Resolves an incident by hand (admin API), with a note for the report.
    public func resolveManually(_ id: String, note: String, by who: String) async throws -> StoredIncident? {
        guard let incident = try await store.incident(id: id) else { return nil }
        guard incident.isOpen else { return incident }
        let metrics = await snapshot()
        try await resolve(incident, note: note, by: who, metrics: metrics, at: now())
        return try await store.incident(id: id)
    }

    /// Adds a note to the timeline (admin API).
    public func addNote(_ id: String, note: String, by who: String) async throws -> Bool {
        guard let incident = try await store.incident(id: id) else { return false }
        try await record(incident, "note", "\(who): \(note)", nil, now())
        return true
    }

    func resolve(_ incident: StoredIncident, note: String, by who: String, metrics: MonitoringSnapshot, at: Date) async throws {
        var incident = incident
        incident.status = "resolved"
        incident.resolvedAt = at
        incident.resolutionNote = note
        try await store.saveIncident(incident)
        try await record(incident, "resolved", "resolved by \(who): \(note)", metrics, at)
        logger.notice("incident resolved", metadata: ["incident.id": "\(incident.id)", "incident.note": "\(note)"])
        try await escalate(incident, event: .resolved, metrics: metrics, at: at)
        await refreshGauge()
    }

    func record(_ incident: StoredIncident, _ kind: String, _ message: String, _ metrics: MonitoringSnapshot?, _ at: Date) async throws {
        try await store.appendIncidentEvent(incident.id, kind: kind, message: message, data: metrics.map(Self.json), at: at)
    }

    func refreshGauge() async {
        let open = (try? await store.incidents(status: nil, severity: nil, limit: 1000)) ?? []
        metrics.update(openBySeverity: Dictionary(grouping: open.filter(\.isOpen), by: \.severity).mapValues(\.count))
    }

    static func incidentID(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "INC-%04d%02d%02d-%02d%02d%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
    }

    static func json(_ metrics: MonitoringSnapshot) -> String {
        (try? LuaHelpers.jsonEncode(metrics.luaValue)) ?? "null"
    }
}
