import Foundation
import Hummingbird
import Sessions
import Storage

/// `/api/v1/sessions`: create, list, show, delete.
struct SessionRoutes {
    let state: ServerState

    func register(on group: RouterGroup<OracleRequestContext>) {
        group.post { request, context in try await create(request, context) }
        group.get { request, context in try await list(request, context) }
        group.get(":id") { request, context in try await show(request, context) }
        group.delete(":id") { request, context in try await delete(request, context) }
    }

    func create(_ request: Request, _ context: OracleRequestContext) async throws -> Response {
        let body = try await JSONBody(request, limit: state.config.maxBodyBytes)
        let title = try body.string("title", maxLength: state.config.maxTitleLength)
        let session = try await state.chat.createSession(tenant: context.tenant, title: title)
        return try JSONResponse.make(SessionBody(session), status: .created)
    }

    func list(_ request: Request, _ context: OracleRequestContext) async throws -> Response {
        let limit = try request.queryInt("limit", default: 20, range: 1...100)
        let offset = try request.queryInt("offset", default: 0, range: 0...Int(Int32.max))
        let page = try await state.chat.listSessions(tenant: context.tenant, limit: limit, offset: offset)
        return try JSONResponse.make(SessionListBody(
            sessions: page.sessions.map(SessionBody.init), total: page.total, limit: limit, offset: offset,
            hasMore: offset + page.sessions.count < page.total))
    }

    func show(_ request: Request, _ context: OracleRequestContext) async throws -> Response {
        let id = try context.sessionID()
        guard let session = try await state.chat.session(id: id, tenant: context.tenant) else { throw APIError.notFound("session") }
        return try JSONResponse.make(SessionBody(session))
    }

    func delete(_ request: Request, _ context: OracleRequestContext) async throws -> Response {
        let id = try context.sessionID()
        guard try await state.chat.deleteSession(id: id, tenant: context.tenant) else { throw APIError.notFound("session") }
        return Response(status: .noContent)
    }
}

extension OracleRequestContext {
    /// The `{id}` path parameter, which must be a UUID.
    func sessionID(_ name: String = "id") throws -> String {
        let raw = parameters.get(name) ?? ""
        guard let uuid = UUID(uuidString: raw) else {
            throw APIError(.badRequest, code: "invalid_id", message: "session id must be a UUID (got \"\(raw.prefix(64))\")",
                           details: ["field": name])
        }
        return uuid.uuidString.lowercased()
    }
}

extension Request {
    func queryInt(_ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let raw = uri.queryParameters[Substring(name)] else { return value }
        guard let number = Int(raw), range.contains(number) else {
            throw APIError(.badRequest, code: "invalid_query",
                           message: "query parameter '\(name)' must be an integer \(range.lowerBound)–\(range.upperBound)",
                           details: ["field": name])
        }
        return number
    }
}
