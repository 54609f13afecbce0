import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import Sessions
import Storage

/// Turns every error into the JSON error shape. A database that fails (``DatabaseUnavailable``)
/// is `503 database_unavailable`, whichever route met it; unknown errors become a plain 500 and a
/// log line.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            var answer = (error as? APIError) ?? Self.apiError(for: error, request: request, logger: context.logger)
            // Every answer under /v1 (unknown paths and wrong methods too) is in OpenAI's shape.
            if OpenAIErrorShape.covers(request.uri.path) { answer = OpenAIErrorShape.shaped(answer, request: request) }
            return try answer.response(from: request, context: context)
        }
    }

    static func apiError(for error: any Error, request: Request, logger: Logger) -> APIError {
        if let unavailable = DatabaseUnavailable(error) {
            logger.error("database unavailable", metadata: ["cause": "\(unavailable.cause)", "http.path": "\(request.uri.path)"])
            return .databaseUnavailable(unavailable)
        }
        switch error {
        case let error as HTTPError:
            let message = error.body ?? error.status.reasonPhrase
            return APIError(error.status, code: code(for: error.status), message: message, headers: error.headers)
        case let error as HTTPParserError:
            // Framing broke mid-body; the answer says `Connection: close` and the connection closes.
            return ProtocolRejection.apiError(for: error)
        case is CancellationError:
            // The shutdown drain limit passed with this request unfinished: not a bug to log as one.
            return APIError(.serviceUnavailable, code: "shutting_down", message: "the server is shutting down; retry",
                            headers: [.connection: "close", .retryAfter: "1"])
        case is RequestBodyTimeout:
            return ProtocolRejection.bodyTimeout
        case is NIOTooManyBytesError:
            // The rest of the body is not worth reading: the connection closes after the answer.
            return APIError(.contentTooLarge, code: "payload_too_large", message: "request body is larger than MAX_BODY_BYTES",
                            headers: [.connection: "close"])
        case ChatError.sessionNotFound:
            return .notFound("session")
        case let error as any HTTPResponseError:
            return APIError(error.status, code: code(for: error.status), message: error.status.reasonPhrase)
        default:
            logger.error("unhandled error", metadata: ["error": "\(error)", "http.path": "\(request.uri.path)"])
            return APIError(.internalServerError, code: "internal", message: "internal server error")
        }
    }

    static func code(for status: HTTPResponse.Status) -> String {
        switch status {
        case .notFound: "not_found"
        case .methodNotAllowed: "method_not_allowed"
        case .badRequest: "bad_request"
        case .unauthorized: "unauthorized"
        case .forbidden: "forbidden"
        case .contentTooLarge: "payload_too_large"
        case .requestTimeout: "request_timeout"
        case .uriTooLong: "uri_too_long"
        case .requestHeaderFieldsTooLarge: "headers_too_large"
        case .serviceUnavailable: "service_unavailable"
        case .unsupportedMediaType: "unsupported_media_type"
        default: status.code < 500 ? "client_error" : "server_error"
        }
    }
}
