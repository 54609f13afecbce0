import Hummingbird
import NIOCore
import NIOHTTP1

/// The answers to clients that break HTTP itself, before any route runs: a head or body that
/// does not arrive in time, a request line or headers too large, framing the parser refuses, a
/// connection beyond `MAX_CONNECTIONS`. Each is the project's JSON error with its 4xx (or 503),
/// and each closes the connection: after a protocol error the byte stream cannot be trusted.
enum ProtocolRejection {
    /// Longest request line (method, URL, version) read before answering 414. URLs past 8 KiB
    /// are refused by most proxies too; NIO's parser would otherwise buffer any length.
    static let maxRequestLineBytes = 8192
    /// Bounds of the head, handed to NIO's parser; crossing one answers 431.
    static let maxHeaderFieldBytes = 16 * 1024
    static let maxHeaderListBytes = 64 * 1024
    static let maxHeaderCount = 100

    static let headTimeout = APIError(
        .requestTimeout, code: "request_timeout",
        message: "the request line and headers did not arrive within REQUEST_HEAD_TIMEOUT_MS")
    static let bodyTimeout = APIError(
        .requestTimeout, code: "request_timeout",
        message: "the request body did not arrive within REQUEST_BODY_TIMEOUT_MS",
        headers: [.connection: "close"])
    static let requestLineTooLong = APIError(
        .uriTooLong, code: "uri_too_long",
        message: "the request line is longer than \(maxRequestLineBytes) bytes")
    static let bodyTooLarge = APIError(
        .contentTooLarge, code: "payload_too_large", message: "request body is larger than MAX_BODY_BYTES")
    static let connectRefused = APIError(
        .methodNotAllowed, code: "method_not_allowed", message: "CONNECT is not supported: this is not a proxy")
    static let tooManyConnections = APIError(
        .serviceUnavailable, code: "too_many_connections",
        message: "the server has MAX_CONNECTIONS connections open; retry shortly",
        headers: [.retryAfter: "1"])

    /// The JSON error for a request NIO's HTTP parser refused; it closes the connection.
    static func apiError(for error: HTTPParserError) -> APIError {
        var rejection = parserRejection(error)
        rejection.headers[.connection] = "close"
        return rejection
    }

    private static func parserRejection(_ error: HTTPParserError) -> APIError {
        switch error {
        case .headerOverflow:
            return APIError(.requestHeaderFieldsTooLarge, code: "headers_too_large",
                            message: "request headers exceed \(maxHeaderCount) fields, \(maxHeaderFieldBytes) bytes in one field or \(maxHeaderListBytes) bytes in all")
        case .invalidMethod:
            return APIError(.badRequest, code: "bad_request", message: "malformed HTTP request: unknown method")
        case .invalidVersion:
            return APIError(.badRequest, code: "bad_request", message: "malformed HTTP request: not HTTP/1.x")
        case .invalidChunkSize:
            return APIError(.badRequest, code: "bad_request", message: "malformed HTTP request: invalid chunk size")
        case .invalidContentLength, .unexpectedContentLength:
            return APIError(.badRequest, code: "bad_request", message: "malformed HTTP request: invalid Content-Length")
        case .invalidURL, .invalidPath, .invalidQueryString, .invalidFragment, .invalidHost, .invalidPort:
            return APIError(.badRequest, code: "bad_request", message: "malformed HTTP request: invalid URL")
        case .invalidHeaderToken, .invalidCharactersUsed, .lfExpected, .invalidConstant:
            return APIError(.badRequest, code: "bad_request", message: "malformed HTTP request: invalid request line or header syntax")
        default:
            return APIError(.badRequest, code: "bad_request", message: "malformed HTTP request")
        }
    }

    /// The whole response as bytes, for writing beneath the HTTP codec when no request head was
    /// parsed (the codec has no request to answer).
    static func rawResponse(_ error: APIError, allocator: ByteBufferAllocator) -> ByteBuffer {
        let body = error.jsonBody
        var head = "HTTP/1.1 \(error.status.code) \(error.status.reasonPhrase)\r\n"
        head += "Content-Type: application/json; charset=utf-8\r\nContent-Length: \(body.readableBytes)\r\nConnection: close\r\n"
        for field in error.headers { head += "\(field.name): \(field.value)\r\n" }
        head += "\r\n"
        var buffer = allocator.buffer(capacity: head.utf8.count + body.readableBytes)
        buffer.writeString(head)
        buffer.writeImmutableBuffer(body)
        return buffer
    }
}

/// Thrown into a request body the client did not finish sending in time; the error middleware
/// answers it as ``ProtocolRejection/bodyTimeout``.
struct RequestBodyTimeout: Error {}
