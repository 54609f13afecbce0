import Foundation
import Hummingbird
import LuaRuntime
import OracleCore
import Policies
import Storage

/// Admin API for the Lua policies: status, versions, rollback, reload, evaluate, decisions.
struct PolicyRoutes {
    let state: ServerState

    func register(on group: RouterGroup<OracleRequestContext>) {
        group.get { _, _ in try list() }
        group.post("reload") { _, _ in try await reload() }
        group.get("decisions") { request, _ in try await decisions(request) }
        group.get(":name/versions") { _, context in try await versions(context) }
        group.post(":name/rollback") { request, context in try await rollback(request, context) }
        group.post(":name/evaluate") { request, context in try await evaluate(request, context) }
    }

    var host: PolicyHost {
        get throws {
            guard let host = state.policies else {
                throw APIError(.serviceUnavailable, code: "policies_unavailable", message: "the policy host is not running")
            }
            return host
        }
    }

    struct ListBody: Encodable {
        var state: String
        var policies: [PolicyStatus]
    }

    func list() throws -> Response {
        let host = try self.host
        return try JSONResponse.make(ListBody(state: host.overallState, policies: host.status()))
    }

    struct ReloadBody: Encodable {
        struct Outcome: Encodable {
            var policy: String
            /// `activated`, `unchanged` or `rejected`.
            var outcome: String
            var version: String?
            var failure: PolicyFailure?
        }
        var ok: Bool
        var results: [Outcome]
    }

    /// Reloads every policy file; answers 422 when any version was refused, never a silent "ok".
    func reload() async throws -> Response {
        let outcomes = try await host.reloadAll()
        let results = outcomes.keys.sorted().map { kind -> ReloadBody.Outcome in
            switch outcomes[kind]! {
            case .activated(let hash): .init(policy: kind.rawValue, outcome: "activated", version: hash)
            case .unchanged(let hash): .init(policy: kind.rawValue, outcome: "unchanged", version: hash)
            case .rejected(let failure): .init(policy: kind.rawValue, outcome: "rejected", failure: failure)
            }
        }
        let ok = results.allSatisfy { $0.outcome != "rejected" }
        return try JSONResponse.make(ReloadBody(ok: ok, results: results), status: ok ? .ok : .unprocessableContent)
    }

    func kind(_ context: OracleRequestContext) throws -> PolicyKind {
        let name = context.parameters.get("name") ?? ""
        guard let kind = PolicyKind(rawValue: name) else {
            throw APIError(.notFound, code: "not_found",
                           message: "unknown policy '\(name.prefix(64))'; policies are \(PolicyKind.names)")
        }
        return kind
    }

    func versions(_ context: OracleRequestContext) async throws -> Response {
        let kind = try kind(context)
        return try JSONResponse.make(["policy": AnyEncodable(kind.rawValue), "versions": AnyEncodable(try await host.versions(kind))])
    }

    func rollback(_ request: Request, _ context: OracleRequestContext) async throws -> Response {
        let kind = try kind(context)
        var version: String?
        if let body = try await JSONBody.ifPresent(request, limit: state.config.maxBodyBytes), body.fields["version"] != nil {
            version = try body.string("version", maxLength: 64)
        }
        let host = try self.host
        let rollback: PolicyRollback
        do {
            rollback = try await host.rollback(kind, to: version)
        } catch .versionNotFound(let hash) {
            throw APIError(.notFound, code: "not_found", message: "no stored version \(hash) of \(kind.rawValue)")
        } catch .noPreviousVersion {
            throw APIError(.conflict, code: "no_previous_version", message: "no earlier version of \(kind.rawValue) to roll back to")
        } catch .cannotWrite(let reason) {
            throw APIError(.internalServerError, code: "rollback_write_failed",
                           message: "cannot write \(kind.rawValue)'s files, so the rollback did not happen: \(reason)")
        } catch {
            throw APIError(.unprocessableContent, code: "rollback_refused", message: error.description)
        }
        let testFile = "tests/\(kind.testFileName)"
        let note = switch rollback.tests {
        case .restored: "the version's tests passed against it; \(kind.fileName) and \(testFile) were written back"
        case .removed: "the version had no test file; \(kind.fileName) was written back and \(testFile) removed"
        case .notRecorded: "this version was stored before versions kept their tests: no tests were run, "
            + "\(kind.fileName) was written back and \(testFile) left as it is"
        }
        return try JSONResponse.make(["policy": kind.rawValue, "active_version": rollback.hash,
                                      "tests": rollback.tests.rawValue, "note": note])
    }

    struct EvaluationBody: Encodable {
        var policy: String
        var version: String?
        var decision: LuaValue
        var fallback: Bool
        var error: String?
        var durationMicros: Int
        var instructions: Int
    }

    /// Evaluates the active version on the posted input, without side effects (not recorded).
    func evaluate(_ request: Request, _ context: OracleRequestContext) async throws -> Response {
        let kind = try kind(context)
        var request = request
        let buffer = try await request.collectBody(limit: state.config.maxBodyBytes)
        let input: LuaValue
        do {
            input = try JSONDecoder().decode(LuaValue.self, from: Data(buffer.readableBytesView))
        } catch {
            throw APIError(.badRequest, code: "invalid_json", message: "request body must be the policy's JSON input object")
        }
        guard case .table = input else {
            throw APIError(.badRequest, code: "invalid_json", message: "request body must be a JSON object (the policy's input)")
        }
        let result = try await host.evaluateRaw(kind, input)
        return try JSONResponse.make(EvaluationBody(
            policy: kind.rawValue, version: result.version, decision: result.output, fallback: result.isFallback,
            error: result.error, durationMicros: Int(result.duration.microseconds),
            instructions: result.instructions))
    }

    struct DecisionBody: Encodable {
        var id: Int64
        var policy: String
        var version: String?
        var input: LuaValue
        var output: LuaValue
        var durationUs: Int
        var fallback: Bool
        var error: String?
        var createdAt: Date
    }

    func decisions(_ request: Request) async throws -> Response {
        let limit = try request.queryInt("limit", default: 50, range: 1...1000)
        var kind: PolicyKind?
        if let name = request.uri.queryParameters["policy"] {
            guard let parsed = PolicyKind(rawValue: String(name)) else {
                throw APIError(.badRequest, code: "invalid_query", message: "query parameter 'policy' must be \(PolicyKind.names)")
            }
            kind = parsed
        }
        let recent = try await host.decisionLog.recent(policy: kind, limit: limit)
        let body = recent.map { d in
            DecisionBody(id: d.id, policy: d.policy, version: d.version,
                         input: (try? LuaHelpers.jsonDecode(d.input)) ?? .string(d.input),
                         output: (try? LuaHelpers.jsonDecode(d.output)) ?? .string(d.output),
                         durationUs: d.durationMicros, fallback: d.fallback, error: d.error, createdAt: d.createdAt)
        }
        return try JSONResponse.make(["decisions": body])
    }
}

/// Wraps heterogeneous values for a one-off JSON object.
struct AnyEncodable: Encodable {
    let encodeValue: (any Encoder) throws -> Void
    init(_ value: some Encodable) { encodeValue = value.encode }
    func encode(to encoder: any Encoder) throws { try encodeValue(encoder) }
}
