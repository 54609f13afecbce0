import Foundation
import Hummingbird
import Storage

/// An error answered as `{"error": {"code": ..., "message": ...}}` with a 4xx/5xx status.
///
/// ```swift
/// throw APIError(.badRequest, code: "invalid_field", message: "field 'title' must be a string")
/// ```
public struct APIError: HTTPResponseError, CustomStringConvertible {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String
    /// Extra fields in the error object, e.g. the id of a message that was kept.
    public var details: [String: String]
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, code: String, message: String,
                details: [String: String] = [:], headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: jsonBody))
    }

    /// `{"error": {"code": ..., "message": ..., details...}}`, keys sorted.
    var jsonBody: ByteBuffer {
        var fields = details
        fields["code"] = code
        fields["message"] = message
        // Serialising a dictionary of strings cannot fail.
        let body = (try? JSONSerialization.data(withJSONObject: ["error": fields], options: [.sortedKeys])) ?? Data()
        return ByteBuffer(bytes: body)
    }

    static func notFound(_ what: String) -> APIError {
        APIError(.notFound, code: "not_found", message: "\(what) not found")
    }

    /// `503 database_unavailable` with `Retry-After`, on every route that needed the database
    /// (the `/v1` routes give it OpenAI's shape on top). A client retries; the process stays up and
    /// `/health/live` keeps answering, while `/health` and `/health/ready` say the database failed.
    static func databaseUnavailable(_ unavailable: DatabaseUnavailable) -> APIError {
        APIError(.serviceUnavailable, code: "database_unavailable",
                 message: "the database is unavailable: \(unavailable.cause); try again later",
                 // As long as a locked database makes a request wait before it fails: the soonest
                 // a retry has a chance to find it free.
                 headers: [.retryAfter: String(SQLiteStore.busyTimeoutSeconds)])
    }

    static func invalidField(_ field: String, _ rule: String) -> APIError {
        APIError(.badRequest, code: "invalid_field", message: "field '\(field)' \(rule)", details: ["field": field])
    }
}
