import Foundation
import Hummingbird
import Operations
import Storage

/// Admin API for incidents: declare, list/filter, show with timeline, ack, resolve, notes, report.
struct IncidentRoutes {
    let state: ServerState

    func register(on group: RouterGroup<OracleRequestContext>) {
        group.get { request, _ in try await list(request) }
        group.post { request, context in try await declare(request, context) }
        group.get(":id") { _, context in try await show(context) }
        group.get(":id/report") { _, context in try await report(context) }
        group.post(":id/ack") { request, context in try await acknowledge(request, context) }
        group.post(":id/resolve") { request, context in try await resolve(request, context) }
        group.post(":id/notes") { request, context in try await note(request, context) }
    }

    var monitor: IncidentMonitor {
        get throws {
            guard let monitor = state.incidents else {
                throw APIError(.serviceUnavailable, code: "incidents_unavailable", message: "the incident monitor is not running")
            }
            return monitor
        }
    }

    struct IncidentBody: Encodable {
        var id: String
        /// `monitor` or `manual`.
        var source: String
        var title: String?
        var description: String?
        var declaredBy: String?
        var quietUntil: Date?
        var severity: String
        var status: String
        var level: Int
        var reasons: [String]
        var openedAt: Date
        var acknowledgedAt: Date?
        var acknowledgedBy: String?
        var mitigatedAt: Date?
        var resolvedAt: Date?
        var resolutionNote: String?
        var actionsTaken: [String]
        var timeline: [EventBody]?
        var notifications: [NotificationBody]?

        init(_ i: StoredIncident, timeline: [IncidentEvent]? = nil, notifications: [OutboxNotification]? = nil) {
            id = i.id; source = i.source; title = i.title; description = i.incidentDescription; declaredBy = i.declaredBy
            quietUntil = i.quietUntil; severity = i.severity; status = i.status; level = i.level; reasons = i.reasons
            openedAt = i.openedAt; acknowledgedAt = i.acknowledgedAt; acknowledgedBy = i.acknowledgedBy
            mitigatedAt = i.mitigatedAt; resolvedAt = i.resolvedAt; resolutionNote = i.resolutionNote
            actionsTaken = i.actionsTaken
            self.timeline = timeline?.map { EventBody(at: $0.at, kind: $0.kind, message: $0.message) }
            self.notifications = notifications?.map {
                NotificationBody(channel: $0.channel, kind: $0.kind, target: $0.target, template: $0.template, status: $0.status,
                                 attempts: $0.attempts, lastError: $0.lastError, deliveredAt: $0.deliveredAt)
            }
        }
    }

    struct EventBody: Encodable {
        var at: Date
        var kind: String
        var message: String
    }

    struct NotificationBody: Encodable {
        var channel: String
        var kind: String
        var target: String
        var template: String
        var status: String
        var attempts: Int
        var lastError: String?
        var deliveredAt: Date?
    }

    func list(_ request: Request) async throws -> Response {
        let status = request.uri.queryParameters["status"].map(String.init)
        if let status, !["open", "acknowledged", "resolved"].contains(status) {
            throw APIError(.badRequest, code: "invalid_query", message: "query parameter 'status' must be open, acknowledged or resolved")
        }
        let severity = request.uri.queryParameters["severity"].map(String.init)
        if let severity, !["P0", "P1", "P2", "P3"].contains(severity) {
            throw APIError(.badRequest, code: "invalid_query", message: "query parameter 'severity' must be P0, P1, P2 or P3")
        }
        let limit = try request.queryInt("limit", default: 50, range: 1...500)
        let incidents = try await state.store.incidents(status: status, severity: severity, limit: limit)
        return try JSONResponse.make(["incidents": incidents.map { IncidentBody($0) }])
    }

    /// Declares an incident by hand: `{severity, title, description?}`; paged like an opened one.
    func declare(_ request: Request, _ context: OracleRequestContext) async throws -> Response {
        let body = try await JSONBody(request, limit: state.config.maxBodyBytes)
        let severity = try body.string("severity", maxLength: 2)
        guard ["P0", "P1", "P2", "P3"].contains(severity) else {
            throw APIError.invalidField("severity", "must be P0, P1, P2 or P3")
        }
        let title = try body.string("title", maxLength: 200)
        let description = body.fields["description"] == nil ? nil : try body.string("description", maxLength: 2000)
        let declared = try await monitor.declare(severity: severity, title: title, description: description, by: context.actor)
        return try JSONResponse.make(IncidentBody(declared, timeline: try await state.store.incidentEvents(declared.id),
                                                  notifications: try await state.store.notifications(incidentID: declared.id)),
                                     status: .created)
    }

    func incident(_ context: OracleRequestContext) async throws -> StoredIncident {
        let id = context.parameters.get("id") ?? ""
        guard let incident = try await state.store.incident(id: id) else { throw APIError.notFound("incident") }
        return incident
    }

    func show(_ context: OracleRequestContext) async throws -> Response {
        let incident = try await incident(context)
        return try JSONResponse.make(IncidentBody(incident, timeline: try await state.store.incidentEvents(incident.id),
                                                  notifications: try await state.store.notifications(incidentID: incident.id)))
    }

    func report(_ context: OracleRequestContext) async throws -> Response {
        let incident = try await incident(context)
        let text = IncidentReport.markdown(incident, events: try await state.store.incidentEvents(incident.id),
                                           notifications: try await state.store.notifications(incidentID: incident.id))
        return Response(status: .ok, headers: [.contentType: "text/markdown; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// The actor recorded for an incident action: the admin key's name, which a caller cannot
    /// choose. A `by` in the body (kept from before named keys) is recorded next to it, never instead.
    static func actor(_ context: OracleRequestContext, by: String?) -> String {
        guard let by, !by.isEmpty, by != context.actor else { return context.actor }
        return "\(context.actor) on behalf of \(by)"
    }

    func acknowledge(_ request: Request, _ context: OracleRequestContext) async throws -> Response {
        let id = try await incident(context).id
        let by = Self.actor(context, by: try await optionalText(request, "by"))
        guard let updated = try await monitor.acknowledge(id, by: by) else { throw APIError.notFound("incident") }
        return try JSONResponse.make(IncidentBody(updated))
    }

    func resolve(_ request: Request, _ context: OracleRequestContext) async throws -> Response {
        let id = try await incident(context).id
        let body = try await JSONBody(request, limit: state.config.maxBodyBytes)
        let note = try body.string("note", maxLength: 2000)
        let by = Self.actor(context, by: body.fields["by"] == nil ? nil : try body.string("by", maxLength: 200))
        guard let updated = try await monitor.resolveManually(id, note: note, by: by) else { throw APIError.notFound("incident") }
        return try JSONResponse.make(IncidentBody(updated))
    }

    func note(_ request: Request, _ context: OracleRequestContext) async throws -> Response {
        let id = try await incident(context).id
        let body = try await JSONBody(request, limit: state.config.maxBodyBytes)
        let note = try body.string("note", maxLength: 2000)
        let by = Self.actor(context, by: body.fields["by"] == nil ? nil : try body.string("by", maxLength: 200))
        _ = try await monitor.addNote(id, note: note, by: by)
        return try JSONResponse.make(IncidentBody(try await incident(context), timeline: try await state.store.incidentEvents(id)),
                                     status: .created)
    }

    private func optionalText(_ request: Request, _ field: String) async throws -> String? {
        guard let body = try await JSONBody.ifPresent(request, limit: state.config.maxBodyBytes),
              body.fields[field] != nil else { return nil }
        return try body.string(field, maxLength: 200)
    }
}
