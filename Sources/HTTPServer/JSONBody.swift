import Foundation
import OracleCore
import Hummingbird
import NIOCore

/// A request's JSON object body, with typed accessors whose errors name the field.
///
/// ```swift
/// let body = try await JSONBody(request, limit: 1_048_576)
/// let title = try body.string("title", maxLength: 200)
/// ```
struct JSONBody {
    let fields: [String: JSONValue]
    /// The bytes as received, for routes that forward them (`/v1`); a ByteBuffer shares, never copies.
    let buffer: ByteBuffer

    init(_ request: Request, limit: Int) async throws {
        var request = request
        let buffer = try await request.collectBody(limit: limit)
        guard buffer.readableBytes > 0 else {
            throw APIError(.badRequest, code: "invalid_json", message: "request body is empty; send a JSON object")
        }
        let value: JSONValue
        do {
            value = try JSONValue(json: buffer.readableBytesView)
        } catch {
            throw APIError(.badRequest, code: "invalid_json", message: "request body is not valid JSON")
        }
        guard case .object(let fields) = value else {
            throw APIError(.badRequest, code: "invalid_json", message: "request body must be a JSON object, not \(value.typeName)")
        }
        self.fields = fields
        self.buffer = buffer
    }

    /// The body when there is one: nil for an empty body, else it must be a JSON object. For
    /// routes whose body is optional (`{"by": ...}`, `{"version": ...}`, `{"reason": ...}`).
    static func ifPresent(_ request: Request, limit: Int) async throws -> JSONBody? {
        var request = request
        let buffer = try await request.collectBody(limit: limit)
        guard buffer.readableBytes > 0 else { return nil }
        return try await JSONBody(Request(head: request.head, body: .init(buffer: buffer)), limit: limit)
    }

    /// A required, non-blank string of at most `maxLength` characters, counted as Unicode code
    /// points: what `maxLength` means in the OpenAPI document (JSON Schema), and what most clients count.
    func string(_ name: String, maxLength: Int) throws -> String {
        guard let value = fields[name], value != .null else { throw APIError.invalidField(name, "is required") }
        guard case .string(let text) = value else { throw APIError.invalidField(name, "must be a string, not \(value.typeName)") }
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw APIError.invalidField(name, "must not be empty")
        }
        let length = text.unicodeScalars.count
        guard length <= maxLength else {
            throw APIError.invalidField(name, "must be at most \(maxLength) characters (got \(length))")
        }
        return text
    }

    func optionalBool(_ name: String) throws -> Bool? {
        guard let value = fields[name], value != .null else { return nil }
        guard case .bool(let flag) = value else { throw APIError.invalidField(name, "must be a boolean, not \(value.typeName)") }
        return flag
    }
}

extension Request {
    /// The whole body, refused with `NIOTooManyBytesError` (413) past `limit` bytes — at once when
    /// `Content-Length` already says so, rather than after reading what the client sends.
    mutating func collectBody(limit: Int) async throws -> ByteBuffer {
        if let declared = headers[.contentLength].flatMap(Int.init), declared > limit {
            throw NIOTooManyBytesError(maxBytes: limit)
        }
        return try await collectBody(upTo: limit)
    }
}
