/// An outgoing request for ``HTTPTransport``.
///
/// Header values may hold credentials, so `description` shows only the method and URL.
///
/// ```swift
/// let request = HTTPRequest(url: "http://127.0.0.1:8080/v1/chat/completions",
///                           headers: [("content-type", "application/json")],
///                           body: Array(#"{"model":"m"}"#.utf8))
/// ```
public struct HTTPRequest: Sendable, CustomStringConvertible {
    public var method: String
    public var url: String
    /// Name/value pairs, sent in order.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]?
    public var timeouts: TransportTimeouts
    /// A response body larger than this fails with `LLMError.invalidResponse`.
    public var maxResponseBytes: Int
    public var userAgent: String?
    /// Hand over head and body together once the response is complete (one wake-up of the
    /// waiting task instead of one per part); for replies read whole. Streams leave it false.
    public var deliversWhole: Bool

    public init(
        method: String = "POST",
        url: String,
        headers: [(name: String, value: String)] = [],
        body: [UInt8]? = nil,
        timeouts: TransportTimeouts = TransportTimeouts(),
        maxResponseBytes: Int = 8 << 20,
        userAgent: String? = nil,
        deliversWhole: Bool = false
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeouts = timeouts
        self.maxResponseBytes = maxResponseBytes
        self.userAgent = userAgent
        self.deliversWhole = deliversWhole
    }

    public var description: String { "\(method) \(url)" }
}

/// Status line and headers of a response.
///
/// ```swift
/// if case .head(let head) = part, head.status == 429 { print(head.value(for: "Retry-After") ?? "") }
/// ```
public struct HTTPResponseHead: Sendable, Equatable {
    public var status: Int
    /// Header names are lower-cased.
    public var headers: [(name: String, value: String)]

    public init(status: Int, headers: [(name: String, value: String)]) {
        self.status = status
        // Names from the transport are lower-cased already; only others pay for the copy.
        self.headers = headers.contains(where: { $0.name.utf8.contains(where: { (0x41...0x5A).contains($0) }) })
            ? headers.map { ($0.name.lowercased(), $0.value) } : headers
    }

    /// The first value of a header, by case-insensitive name.
    public func value(for name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first(where: { $0.name == wanted })?.value
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.status == rhs.status && lhs.headers.elementsEqual(rhs.headers, by: { $0 == $1 })
    }
}

/// What ``HTTPTransport/send(_:)`` delivers: exactly one `.head`, then body chunks as they arrive.
///
/// ```swift
/// for try await part in transport.send(request) {
///     switch part {
///     case .head(let head): print(head.status)
///     case .body(let bytes): body += bytes
///     }
/// }
/// ```
public enum HTTPResponsePart: Sendable, Equatable {
    case head(HTTPResponseHead)
    case body([UInt8])
}
