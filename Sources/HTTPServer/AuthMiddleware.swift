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

/// Admin routes need `Authorization: Bearer <key>` with a key of `ADMIN_API_KEYS` or
/// `ADMIN_API_KEY`; without either they are off. The key's name goes into the context, so every
/// admin action records who did it.
struct AdminAuthMiddleware: RouterMiddleware {
    typealias Context = OracleRequestContext
    let keys: AdminKeys
    /// A request without `Authorization` passes, with no name (the emergency cleanup under
    /// `EMERGENCY_CLEANUP_ALLOW_UNAUTHENTICATED`); a key that is presented must still be right.
    var allowAnonymous = false

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if allowAnonymous && request.headers[.authorization] == nil { return try await next(request, context) }
        guard !keys.isEmpty else {
            throw APIError(.forbidden, code: "admin_disabled", message: "admin API is disabled: set ADMIN_API_KEYS or ADMIN_API_KEY")
        }
        guard let presented = request.bearerToken, let name = keys.name(forKey: presented) else {
            throw APIError(.unauthorized, code: "unauthorized",
                           message: "admin routes need Authorization: Bearer <a key of ADMIN_API_KEYS or ADMIN_API_KEY>",
                           headers: [.wwwAuthenticate: "Bearer"])
        }
        var context = context
        context.adminName = name
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
