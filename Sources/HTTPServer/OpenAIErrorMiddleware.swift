import Hummingbird

/// Gives every error on `/v1` OpenAI's shape, so SDKs show our message:
/// `{"error": {"message": ..., "type": "invalid_request_error", "code": ..., "param": "messages"}}`.
///
/// `type` is `invalid_request_error` for 4xx (OpenAI uses it for a bad key too) and
/// `server_error` for 5xx; `param` repeats the offending field when there is one. The status and
/// `code` are ``ErrorMiddleware``'s, so a failing database is the same `503 database_unavailable`
/// (with `Retry-After`) here as on `/api/v1`.
struct OpenAIErrorMiddleware: RouterMiddleware {
    typealias Context = OracleRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw Self.shaped(error)
        } catch {
            throw Self.shaped(ErrorMiddleware<Context>.apiError(for: error, request: request, logger: context.logger))
        }
    }

    static func shaped(_ error: APIError) -> APIError {
        var error = error
        error.details["type"] = error.status.code < 500 ? "invalid_request_error" : "server_error"
        if let field = error.details["field"] { error.details["param"] = field }
        return error
    }
}
