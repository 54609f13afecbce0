import Foundation
import Hummingbird
import Storage

/// Admin API for silences (`/api/v1/silences`) and maintenance windows
/// (`/api/v1/maintenance-windows`): while one is active, matching incidents still open, act and
/// are recorded, but their pages are stored as `silenced` instead of sent. One table, one rule
/// (``StoredSilence/matches(severity:reasons:)``): a maintenance window is a silence that
/// matches every incident and may start later.
struct SilenceRoutes {
    let state: ServerState
    let kind: StoredSilence.Kind

    /// Silences and windows not yet over, together: a bound on what every page checks.
    static let maxPending = 100
    static let maxDurationSeconds = 30 * 86_400
    /// How far ahead a window may be scheduled.
    static let maxLeadSeconds = 366 * 86_400

    func register(on group: RouterGroup<OracleRequestContext>) {
        group.get { request, _ in try await list(request) }
        group.post { request, context in try await create(request, context) }
        group.delete(":id") { _, context in try await remove(context) }
    }

    struct SilenceBody: Encodable {
        var id: String
        var kind: String
        var severities: [String]?
        var reasonContains: String?
        var startsAt: Date
        var endsAt: Date
        var active: Bool
        var author: String
        var comment: String
        var createdAt: Date
        var removedBy: String?

        init(_ s: StoredSilence, now: Date) {
            id = s.id; kind = s.kind.rawValue; startsAt = s.startsAt; endsAt = s.endsAt; active = s.isActive(at: now)
            author = s.author; comment = s.comment; createdAt = s.createdAt; removedBy = s.removedBy
            if s.kind == .silence {
                severities = s.severities
                reasonContains = s.reasonContains
            }
        }
    }

    var listKey: String { kind == .silence ? "silences" : "maintenance_windows" }

    func list(_ request: Request) async throws -> Response {
        let all = request.uri.queryParameters["all"].map(String.init)
        guard all == nil || all == "true" || all == "false" else {
            throw APIError(.badRequest, code: "invalid_query", message: "query parameter 'all' must be true or false")
        }
        let limit = try request.queryInt("limit", default: 100, range: 1...500)
        let now = Date()
        let rows = try await state.store.silences(kind: kind, now: now, includeEnded: all == "true", limit: limit)
        return try JSONResponse.make([listKey: rows.map { SilenceBody($0, now: now) }])
    }

    func create(_ request: Request, _ context: OracleRequestContext) async throws -> Response {
        let body = try await JSONBody(request, limit: state.config.maxBodyBytes)
        let now = Date()
        let comment = try body.string("comment", maxLength: 500)
        let startsAt = try body.optionalDate("starts_at") ?? now
        guard startsAt.timeIntervalSince(now) <= Double(Self.maxLeadSeconds) else {
            throw APIError.invalidField("starts_at", "must be at most a year ahead")
        }
        let endsAt: Date
        switch (try body.optionalDate("ends_at"), try body.optionalInt("duration_seconds", range: 60...Self.maxDurationSeconds)) {
        case (let end?, nil): endsAt = end
        case (nil, let seconds?): endsAt = startsAt.addingTimeInterval(Double(seconds))
        default:
            throw APIError.invalidField("ends_at", "or duration_seconds is required (exactly one of them)")
        }
        guard endsAt > now else { throw APIError.invalidField("ends_at", "must be in the future") }
        guard endsAt > startsAt else { throw APIError.invalidField("ends_at", "must be after starts_at") }
        guard endsAt.timeIntervalSince(startsAt) <= Double(Self.maxDurationSeconds) else {
            throw APIError.invalidField("ends_at", "must be at most 30 days after starts_at")
        }
        var severities: [String] = []
        var reason: String?
        if kind == .silence {
            severities = try body.optionalStrings("severities", allowed: ["P0", "P1", "P2", "P3"]) ?? []
            if body.fields["reason_contains"] != nil {
                reason = try body.string("reason_contains", maxLength: 200)
            }
            guard !severities.isEmpty || reason != nil else {
                throw APIError.invalidField("severities", "or reason_contains is required: a silence of everything is a maintenance window")
            }
        }
        let prefix = kind == .silence ? "SIL" : "MW"
        let id = UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        let silence = StoredSilence(
            id: "\(prefix)-\(id)", kind: kind, severities: severities,
            reasonContains: reason, startsAt: startsAt, endsAt: endsAt, author: context.actor, comment: comment, createdAt: now)
        guard try await state.store.insertSilence(silence, maxPending: Self.maxPending, now: now) else {
            throw APIError(.conflict, code: "too_many_silences",
                           message: "at most \(Self.maxPending) silences and maintenance windows may be active or scheduled; remove one first")
        }
        return try JSONResponse.make(SilenceBody(silence, now: now), status: .created)
    }

    /// Ends it now; the row stays, with who ended it, for the incidents it held.
    func remove(_ context: OracleRequestContext) async throws -> Response {
        let id = context.parameters.get("id") ?? ""
        guard var silence = try await state.store.silence(id: id), silence.kind == kind else {
            throw APIError.notFound(kind == .silence ? "silence" : "maintenance window")
        }
        let now = Date()
        if silence.endsAt > now {
            // A scheduled window that never started ends too, and stops counting against the bound.
            silence.startsAt = min(silence.startsAt, now)
            silence.endsAt = now
            silence.removedBy = context.actor
            try await state.store.saveSilence(silence)
        }
        return try JSONResponse.make(SilenceBody(silence, now: now))
    }
}

extension JSONBody {
    // The optional fields below may be left out, not sent as null: the document says so, and
    // "exactly one of ends_at and duration_seconds" stays a question of which keys are present.

    /// An optional ISO 8601 instant (`2027-01-15T08:00:00Z`).
    func optionalDate(_ name: String) throws -> Date? {
        guard let value = fields[name] else { return nil }
        guard case .string(let text) = value, let date = try? Date(text, strategy: .iso8601) else {
            throw APIError.invalidField(name, "must be an ISO 8601 date-time such as 2027-01-15T08:00:00Z")
        }
        return date
    }

    func optionalInt(_ name: String, range: ClosedRange<Int>) throws -> Int? {
        guard let value = fields[name] else { return nil }
        guard case .number(let number) = value, let int = Int(exactly: number), range.contains(int) else {
            throw APIError.invalidField(name, "must be an integer \(range.lowerBound)–\(range.upperBound)")
        }
        return int
    }

    func optionalStrings(_ name: String, allowed: Set<String>) throws -> [String]? {
        guard let value = fields[name] else { return nil }
        guard case .array(let items) = value, !items.isEmpty, items.count <= allowed.count else {
            throw APIError.invalidField(name, "must be a list of \(allowed.sorted().joined(separator: ", "))")
        }
        return try items.map { item in
            guard case .string(let text) = item, allowed.contains(text) else {
                throw APIError.invalidField(name, "must be a list of \(allowed.sorted().joined(separator: ", "))")
            }
            return text
        }
    }
}
