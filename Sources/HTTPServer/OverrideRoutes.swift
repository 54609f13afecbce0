import Foundation
import Hummingbird
import OracleCore
import Sessions
import Storage

/// Admin API for runtime overrides: `GET /api/v1/admin/overrides`, `PUT|DELETE /api/v1/admin/overrides/{NAME}`.
/// A change applies in-process at once, is stored with an audit line and survives restarts.
struct OverrideRoutes {
    let state: ServerState
    static let actor = "admin"

    func register(on group: RouterGroup<OracleRequestContext>) {
        group.get { _, _ in try list() }
        group.put(":name") { request, context in try await set(request, context) }
        group.delete(":name") { request, context in try await clear(request, context) }
    }

    struct OverrideBody: Encodable {
        var name: String
        var value: String
        var reason: String
        var actor: String
        var setAt: Date

        init(_ override: StoredOverride) {
            name = override.name
            value = override.value
            reason = override.reason
            actor = override.actor
            setAt = override.setAt
        }
    }

    struct EffectiveBody: Encodable {
        var name: String
        var value: String
        /// `override` or `config`.
        var source: String
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
        let change = try await mapped { try await state.overrides.set(name: name, value: value, reason: reason, actor: Self.actor) }
        return try JSONResponse.make(ChangeBody(
            action: "set", name: name, previous: change.previous.map(OverrideBody.init),
            current: change.active.first { $0.name == name }.map(OverrideBody.init), effective: effective(name)))
    }

    /// `DELETE` takes `?reason=` or an optional `{"reason": ...}` body (the query wins when not
    /// blank); the audit line needs one, "cleared by admin" without. A body or query that is
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
        if reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { reason = bodyReason ?? "cleared by admin" }
        let change = try await mapped { try await state.overrides.clear(name: name, actor: Self.actor, reason: reason) }
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
