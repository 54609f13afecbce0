import Foundation
import OracleCore

/// What the HTTP providers share: building requests, reading bodies and turning error
/// statuses into ``UpstreamError`` with the upstream's retry hint.
struct UpstreamClient: Sendable {
    let transport: HTTPTransport
    let timeouts: TransportTimeouts
    let userAgent: String
    let maxResponseBytes: Int
    let redactor: Redactor

    func post(_ url: String, headers: [(name: String, value: String)], json: [UInt8], stream: Bool) -> HTTPRequest {
        let accept = stream ? "text/event-stream" : "application/json"
        return HTTPRequest(
            url: url,
            headers: [("content-type", "application/json"), ("accept", accept)] + headers,
            body: json,
            timeouts: timeouts,
            maxResponseBytes: maxResponseBytes,
            userAgent: userAgent,
            deliversWhole: !stream
        )
    }

    /// A bodiless GET (the health probe's model lookup).
    func get(_ url: String, headers: [(name: String, value: String)], timeouts: TransportTimeouts, maxResponseBytes: Int) -> HTTPRequest {
        HTTPRequest(method: "GET", url: url, headers: [("accept", "application/json")] + headers, timeouts: timeouts,
                    maxResponseBytes: maxResponseBytes, userAgent: userAgent)
    }

    /// Succeeds on a 2xx head without reading its body (a model list can be megabytes; dropping
    /// the reader aborts the transfer); an error status is read, within the request's byte bound, and thrown.
    func answers(_ request: HTTPRequest) async throws(UpstreamError) {
        _ = try await open(request)
    }

    /// The whole body of a 2xx response.
    func fetch(_ request: HTTPRequest) async throws(UpstreamError) -> [UInt8] {
        var reader = try await open(request)
        var body: [UInt8] = []
        while let chunk = try await reader.next() { body.append(contentsOf: chunk) }
        return body
    }

    /// A reader positioned after a 2xx head; an error status is read whole and thrown.
    func open(_ request: HTTPRequest) async throws(UpstreamError) -> ResponseBodyReader {
        var reader = ResponseBodyReader(iterator: transport.send(request).makeAsyncIterator(), redactor: redactor)
        let head = try await reader.head()
        guard (200..<300).contains(head.status) else {
            var body: [UInt8] = []
            while let chunk = try await reader.next() { body.append(contentsOf: chunk) }
            throw UpstreamError(
                .http(status: head.status, message: redactor.redact(Self.errorMessage(status: head.status, body: body))),
                retryAfter: RetryAfter.delay(head: head, body: body)
            )
        }
        return reader
    }

    /// `error.message` from either provider's JSON error body, or the start of the body.
    static func errorMessage(status: Int, body: [UInt8]) -> String {
        if let message = UpstreamErrorBody.read(body)?.error.message {
            return String(message.prefix(300))
        }
        let text = String(decoding: body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "empty error body" : text
    }
}

/// Reads one response from ``HTTPTransport``; errors come out as ``UpstreamError``.
struct ResponseBodyReader {
    private var iterator: AsyncThrowingStream<HTTPResponsePart, any Error>.AsyncIterator
    private let redactor: Redactor

    init(iterator: AsyncThrowingStream<HTTPResponsePart, any Error>.AsyncIterator, redactor: Redactor) {
        self.iterator = iterator
        self.redactor = redactor
    }

    mutating func head() async throws(UpstreamError) -> HTTPResponseHead {
        switch try await nextPart() {
        case .head(let head): return head
        case .body, nil: throw UpstreamError(.invalidResponse("response ended before its status line"))
        }
    }

    /// The next body chunk, or nil at the end of the body.
    mutating func next() async throws(UpstreamError) -> [UInt8]? {
        while let part = try await nextPart() {
            if case .body(let bytes) = part { return bytes }
        }
        return nil
    }

    private mutating func nextPart() async throws(UpstreamError) -> HTTPResponsePart? {
        do {
            if let part = try await iterator.next() { return part }
        } catch {
            throw UpstreamError(redactor.redact(UpstreamError.from(error).error))
        }
        // A stream whose consumer was cancelled just ends; that is not a complete response.
        if Task.isCancelled { throw UpstreamError(.cancelled) }
        return nil
    }
}
