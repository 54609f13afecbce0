import Foundation
import Hummingbird
import OracleCore
import Sessions
import Storage

/// Admin API for runtime overrides: `GET /api/v1/admin/overrides`, `PUT|DELETE /api/v1/admin/overrides/{NAME}`,
/// `GET /api/v1/admin/overrides/audit`. A change applies in-process at once, is stored with an
/// audit line naming the admin key that made it (its actor) and survives restarts. Values are
/// answered with their setting's type (``SettingSpec/typed(_:)``), as they were sent.
struct OverrideRoutes {
    let state: ServerState
    /// Bounds of `GET .../audit?limit=`: the audit table only grows, so one answer never holds all of it.
    static let auditLimits = (default: 100, range: 1...500)

    func register(on group: RouterGroup<OracleRequestContext>) {
        group.get { _, _ in try list() }
        group.get("audit") { request, _ in try await audit(request) }
        group.put(":name") { request, context in try await set(request, context) }
        group.delete(":name") { request, context in try await clear(request, context) }
    }

    struct OverrideBody: Encodable {
        var name: String
        var value: TypedSettingValue
        var reason: String
        var actor: String
        var setAt: Date

        init(_ override: StoredOverride) {
            name = override.name
            value = SettingsCatalog.typed(override.name, override.value)
            reason = override.reason
            actor = override.actor
            setAt = override.setAt
        }
    }

    struct EffectiveBody: Encodable {
        var name: String
        var value: TypedSettingValue
        /// `override` or `config`.
        var source: String

        init(name: String, value: String, source: String) {
            self.name = name
            self.value = SettingsCatalog.typed(name, value)
            self.source = source
        }
    }

    /// One line of the override history: who set or cleared what, when and why.
    struct AuditBody: Encodable {
        var id: Int64
        var name: String
        /// `set` or `clear`.
        var action: String
        var oldValue: TypedSettingValue?
        var newValue: TypedSettingValue?
        var reason: String
        var actor: String
        var at: Date

        init(_ entry: OverrideAuditEntry) {
            id = entry.id
            name = entry.name
            action = entry.action
            oldValue = entry.oldValue.map { SettingsCatalog.typed(entry.name, $0) }
            newValue = entry.newValue.map { SettingsCatalog.typed(entry.name, $0) }
            reason = entry.reason
            actor = entry.actor
            at = entry.at
        }

        // Explicit, so a value that is not there reads as null instead of a missing key.
        enum CodingKeys: String, CodingKey { case id, name, action, oldValue, newValue, reason, actor, at }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(name, forKey: .name)
            try container.encode(action, forKey: .action)
            try container.encode(oldValue, forKey: .oldValue)
            try container.encode(newValue, forKey: .newValue)
            try container.encode(reason, forKey: .reason)
            try container.encode(actor, forKey: .actor)
            try container.encode(at, forKey: .at)
        }
    }

    struct AuditListBody: Encodable {
        var entries: [AuditBody]
        var limit: Int
    }

    /// The override history from SQLite, newest first: `?limit=` (1–500, default 100) lines,
    /// `?name=` one overridable setting's only (no other setting has any).
    func audit(_ request: Request) async throws -> Response {
        let limit = try request.queryInt("limit", default: Self.auditLimits.default, range: Self.auditLimits.range)
        let name = request.uri.queryParameters["name"].map(String.init)
        if let name, SettingsCatalog.spec(named: name)?.isOverridable != true {
            throw APIError(.badRequest, code: "invalid_query",
                           message: "query parameter 'name' must be an overridable setting: "
                               + SettingsCatalog.all.filter(\.isOverridable).map(\.name).joined(separator: ", "),
                           details: ["field": "name"])
        }
        let entries = try await state.store.overrideAudit(name: name, limit: limit)
        return try JSONResponse.make(AuditListBody(entries: entries.map(AuditBody.init), limit: limit))
    }

    struct ListBody: Encodable {
        var overrides: [OverrideBody]
        var effective: [EffectiveBody]
        var persistentSessions: String
        var settingsVersion: Int
    }

    struct ChangeBody: Encodable {
        /// `set` or `clear`.
        var action: String
        var name: String
        var previous: OverrideBody?
        /// The override now in force (nil after a clear).
        var current: OverrideBody?
        var effective: EffectiveBody
    }

    func list() throws -> Response {
        let snapshot = state.live.snapshot
        let effective = SettingsCatalog.all.filter(\.isOverridable).map { spec in
            let (value, source) = state.live.effective(spec.name)
            return EffectiveBody(name: spec.name, value: value, source: source)
        }
        return try JSONResponse.make(ListBody(
            overrides: snapshot.overrides.map(OverrideBody.init), effective: effective,
            persistentSessions: snapshot.sessions.isEnabled ? "enabled" : "disabled", settingsVersion: snapshot.version))
    }

    func set(_ request: Request, _ context: OracleRequestContext) async throws -> Response {
        let name = try overridableName(context)
        let body = try await JSONBody(request, limit: state.config.maxBodyBytes)
        let value = try Self.value(body)
        let reason = try Self.reason(body)
        let change = try await mapped { try await state.overrides.set(name: name, value: value, reason: reason, actor: context.actor) }
        return try JSONResponse.make(ChangeBody(
            action: "set", name: name, previous: change.previous.map(OverrideBody.init),
            current: change.active.first { $0.name == name }.map(OverrideBody.init), effective: effective(name)))
    }

    /// `DELETE` takes `?reason=` or an optional `{"reason": ...}` body (the query wins when not
    /// blank); the audit line needs one, "cleared by <key name>" without. A body or query that is
    /// there is held to the same rules as `PUT`'s reason: a bad one is a 400, never ignored.
    func clear(_ request: Request, _ context: OracleRequestContext) async throws -> Response {
        let name = try overridableName(context)
        let body = try await JSONBody.ifPresent(request, limit: state.config.maxBodyBytes)
        let bodyReason = try body.flatMap { $0.fields["reason"] == nil ? nil : try Self.reason($0) }
        var reason = request.uri.queryParameters.get("reason") ?? ""
        guard reason.unicodeScalars.count <= OverrideService.maxReasonLength else {
            throw APIError(.badRequest, code: "invalid_query",
                           message: "query parameter 'reason' must be at most \(OverrideService.maxReasonLength) characters",
                           details: ["field": "reason"])
        }
        if reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { reason = bodyReason ?? "cleared by \(context.actor)" }
        let change = try await mapped { try await state.overrides.clear(name: name, actor: context.actor, reason: reason) }
        return try JSONResponse.make(ChangeBody(
            action: "clear", name: name, previous: change.previous.map(OverrideBody.init), current: nil, effective: effective(name)))
    }

    func effective(_ name: String) -> EffectiveBody {
        let (value, source) = state.live.effective(name)
        return EffectiveBody(name: name, value: value, source: source)
    }

    /// 404 for a name that is no setting; 400 for one that cannot change at run time.
    func overridableName(_ context: OracleRequestContext) throws -> String {
        let name = context.parameters.get("name") ?? ""
        guard let spec = SettingsCatalog.spec(named: name) else {
            throw APIError(.notFound, code: "unknown_setting", message: OverrideError.unknownSetting(name).description
                           + "; overridable settings: " + SettingsCatalog.all.filter(\.isOverridable).map(\.name).joined(separator: ", "))
        }
        guard spec.isOverridable else {
            throw APIError(.badRequest, code: "not_overridable", message: OverrideError.notOverridable(name).description)
        }
        return name
    }

    /// The value as the configuration would spell it: JSON bool, number or string.
    static func value(_ body: JSONBody) throws -> String {
        switch body.fields["value"] {
        case nil, .null?: throw APIError.invalidField("value", "is required")
        case .bool(let flag)?: return flag ? "true" : "false"
        case .number(let number)?:
            return number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
        case .string(let text)?: return text
        case let other?: throw APIError.invalidField("value", "must be a boolean, number or string, not \(other.typeName)")
        }
    }

    static func reason(_ body: JSONBody) throws -> String {
        try body.string("reason", maxLength: OverrideService.maxReasonLength)
    }

    func mapped(_ body: () async throws -> OverrideChange) async throws -> OverrideChange {
        do {
            return try await body()
        } catch let error as OverrideError {
            switch error {
            case .notSet: throw APIError(.notFound, code: "override_not_set", message: error.description)
            case .unknownSetting: throw APIError(.notFound, code: "unknown_setting", message: error.description)
            case .notOverridable: throw APIError(.badRequest, code: "not_overridable", message: error.description)
            case .invalidValue(let name, let message):
                throw APIError(.badRequest, code: "invalid_value", message: message, details: ["field": "value", "setting": name])
            case .missingReason, .reasonTooLong, .missingActor:
                throw APIError(.badRequest, code: "invalid_field", message: error.description, details: ["field": "reason"])
            }
        }
    }
}
