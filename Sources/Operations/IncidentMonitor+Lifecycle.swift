import Foundation
import LuaRuntime
import Policies
import Storage

extension IncidentMonitor {
    func open(severity: String, reasons: [String], metrics: MonitoringSnapshot, at: Date) async throws {
        let incident = StoredIncident(id: try await freeID(at), severity: severity, reasons: reasons, openedAt: at,
                                      openingMetrics: Self.json(metrics))
        try await store.saveIncident(incident)
        let id = incident.id
        try await record(incident, "opened", "\(severity) opened: \(reasons.joined(separator: "; "))", metrics, at)
        logger.warning("incident opened", metadata: [
            "incident.id": "\(id)", "incident.severity": "\(severity)", "incident.reasons": "\(reasons.joined(separator: "; "))",
        ])
        try await escalate(incident, event: .opened, metrics: metrics, at: at)
        await refreshGauge()
    }

    /// Declares an incident by hand (admin API): paged like an opened one, escalated on ticks,
    /// resolved only by a person.
    public func declare(severity: String, title: String, description: String?, by who: String) async throws -> StoredIncident {
        try await exclusively { try await declareAlone(severity: severity, title: title, description: description, by: who) }
    }

    func declareAlone(severity: String, title: String, description: String?, by who: String) async throws -> StoredIncident {
        let at = now()
        let metrics = await snapshot()
        var incident = StoredIncident(id: try await freeID(at), severity: severity, reasons: [title], openedAt: at,
                                      openingMetrics: Self.json(metrics))
        incident.source = "manual"
        incident.title = title
        incident.incidentDescription = description
        incident.declaredBy = who
        try await store.saveIncident(incident)
        try await record(incident, "declared", "\(severity) declared by \(who): \(title)", metrics, at)
        logger.warning("incident declared", metadata: ["incident.id": "\(incident.id)", "incident.severity": "\(severity)"])
        try await escalate(incident, event: .opened, metrics: metrics, at: at)
        await refreshGauge()
        return try await store.incident(id: incident.id) ?? incident
    }

    func freeID(_ at: Date) async throws -> String {
        var id = Self.incidentID(at)
        var suffix = 1
        while try await store.incident(id: id) != nil {
            suffix += 1
            id = Self.incidentID(at) + "-\(suffix)"
        }
        return id
    }

    /// Acknowledges an open incident (admin API).
    public func acknowledge(_ id: String, by who: String) async throws -> StoredIncident? {
        try await exclusively { try await acknowledgeAlone(id, by: who) }
    }

    func acknowledgeAlone(_ id: String, by who: String) async throws -> StoredIncident? {
        guard var incident = try await store.incident(id: id) else { return nil }
        guard incident.isOpen else { return incident }
        let at = now()
        if incident.acknowledgedAt == nil {
            incident.acknowledgedAt = at
            incident.acknowledgedBy = who
            incident.status = "acknowledged"
            try await store.saveIncident(incident)
            try await record(incident, "acknowledged", "acknowledged by \(who)", nil, at)
            try await pager.acknowledge(incident, by: who, at: at)
        }
        return incident
    }

    /// Resolves an incident by hand (admin API), with a note for the report.
    public func resolveManually(_ id: String, note: String, by who: String) async throws -> StoredIncident? {
        try await exclusively { try await resolveManuallyAlone(id, note: note, by: who) }
    }

    func resolveManuallyAlone(_ id: String, note: String, by who: String) async throws -> StoredIncident? {
        guard let incident = try await store.incident(id: id) else { return nil }
        guard incident.isOpen else { return incident }
        let metrics = await snapshot()
        try await resolve(incident, note: note, by: who, resolution: "manual", metrics: metrics, at: now())
        return try await store.incident(id: id)
    }

    /// Adds a note to the timeline (admin API).
    public func addNote(_ id: String, note: String, by who: String) async throws -> Bool {
        try await exclusively { try await addNoteAlone(id, note: note, by: who) }
    }

    func addNoteAlone(_ id: String, note: String, by who: String) async throws -> Bool {
        guard let incident = try await store.incident(id: id) else { return false }
        try await record(incident, "note", "\(who): \(note)", nil, now())
        return true
    }

    func resolve(_ incident: StoredIncident, note: String, by who: String, resolution: String, metrics: MonitoringSnapshot,
                 at: Date) async throws {
        var incident = incident
        incident.status = "resolved"
        incident.resolvedAt = at
        incident.resolutionNote = note
        try await store.saveIncident(incident)
        try await record(incident, "resolved", "resolved by \(who): \(note)", metrics, at)
        logger.notice("incident resolved", metadata: ["incident.id": "\(incident.id)", "incident.note": "\(note)"])
        let decision = try await escalate(incident, event: .resolved, metrics: metrics, at: at, resolution: resolution)
        if decision.cooldownSeconds > 0 && !incident.isManual {
            try await record(incident, "cooldown", "the same condition opens no new incident for \(decision.cooldownSeconds) s; a worse one reopens this", nil, at)
        }
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
