import Foundation
import Hummingbird
import OracleCore

/// Client authentication: with `CHAT_API_KEYS` set, every request needs
/// `Authorization: Bearer <key>` and runs as that key's tenant.
struct ClientAuthMiddleware: RouterMiddleware {
    typealias Context = OracleRequestContext
    let keys: KeyTenantMap

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !keys.isEmpty else { return try await next(request, context) }
        guard let presented = request.bearerToken else {
            throw APIError(.unauthorized, code: "unauthorized", message: "missing Authorization: Bearer <API key>",
                           headers: [.wwwAuthenticate: "Bearer"])
        }
        guard let tenant = keys.tenant(forKey: presented) else {
            throw APIError(.unauthorized, code: "unauthorized", message: "invalid API key", headers: [.wwwAuthenticate: "Bearer"])
        }
        var context = context
        context.tenant = tenant
        return try await next(request, context)
    }
}

/// Admin routes need `Authorization: Bearer <ADMIN_API_KEY>`; without the setting they are off.
struct AdminAuthMiddleware: RouterMiddleware {
    typealias Context = OracleRequestContext
    let adminKey: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !adminKey.isEmpty else {
            throw APIError(.forbidden, code: "admin_disabled", message: "admin API is disabled: set ADMIN_API_KEY")
        }
        guard let presented = request.bearerToken, ConstantTime.equals(presented, adminKey) else {
            throw APIError(.unauthorized, code: "unauthorized", message: "admin routes need Authorization: Bearer <ADMIN_API_KEY>",
                           headers: [.wwwAuthenticate: "Bearer"])
        }
        return try await next(request, context)
    }
}

extension Request {
    var bearerToken: String? {
        guard let header = headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }
}
