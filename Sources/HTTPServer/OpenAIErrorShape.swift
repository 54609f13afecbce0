import Hummingbird
import LLM

/// Gives every error on `/v1` OpenAI's shape, so SDKs show our message and raise their own
/// error types: `{"error": {"message": ..., "type": "invalid_request_error", "code": ..., "param": "messages"}}`.
///
/// ``ErrorMiddleware`` applies it to whatever it answers under `/v1`, unknown paths (404) and
/// wrong methods (405) included. `type` is `invalid_request_error` for 4xx (OpenAI uses it for a
/// bad key too), `rate_limit_error` for 429 and `server_error` for 5xx; `param` repeats the
/// offending field when there is one. The status and `code` are ``ErrorMiddleware``'s, so a
/// failing database is the same `503 database_unavailable` (with `Retry-After`) here as on `/api/v1`.
enum OpenAIErrorShape {
    static func covers(_ path: String) -> Bool {
        path == "/v1" || path.hasPrefix("/v1/")
    }

    static func shaped(_ error: APIError, request: Request? = nil) -> APIError {
        var error = error
        if error.status == .notFound, error.code == "not_found", let request, error.message == "Not Found" {
            error = APIError(.notFound, code: "unknown_url", message: "no such route: \(request.method.rawValue) \(request.uri.path)",
                             details: error.details, headers: error.headers)
        }
        if error.details["type"] == nil {
            error.details["type"] = switch error.status.code {
            case 429: "rate_limit_error"
            case ..<500: "invalid_request_error"
            default: "server_error"
            }
        }
        if let field = error.details["field"] { error.details["param"] = field }
        return error
    }

    /// An upstream failure after the retries, with the status an SDK's retry logic understands:
    /// 429 (with `Retry-After`) when the upstream rate-limited, 503 for an open breaker, 504 for a
    /// timeout, the upstream's own 400/413/422 when it refused the request's content, 502 otherwise.
    static func upstreamFailure(_ failure: UpstreamError) -> APIError {
        let retryAfter = failure.retryAfter.map { String(max(1, Int(($0 / .seconds(1)).rounded(.up)))) }
        func answer(_ status: HTTPResponse.Status, _ code: String, _ message: String, retry: String? = nil) -> APIError {
            var headers: HTTPFields = [:]
            if let retry { headers[.retryAfter] = retry }
            return APIError(status, code: code, message: message, headers: headers)
        }
        switch failure.error {
        case .http(429, let message):
            return answer(.tooManyRequests, "rate_limited", "the AI provider is rate-limiting: \(message)", retry: retryAfter ?? "1")
        case .http(let status, let message) where [400, 413, 422].contains(status):
            return answer(.init(code: status), "upstream_rejected", "the AI provider refused the request: \(message)")
        case .circuitOpen:
            return answer(.serviceUnavailable, "provider_unavailable", "\(failure.error); try again later", retry: retryAfter ?? "1")
        case .timeout:
            return answer(.gatewayTimeout, "upstream_timeout", "\(failure.error)")
        case .cancelled:
            return answer(.serviceUnavailable, "cancelled", "the request was cancelled", retry: "1")
        case .http, .transport, .invalidResponse:
            return answer(.badGateway, "upstream_failed", "the AI provider gave no usable reply: \(failure.error)")
        }
    }
}
