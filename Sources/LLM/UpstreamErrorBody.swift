import Foundation

/// The JSON error body of an HTTP provider, as far as the gateway reads it: OpenAI-compatible
/// servers send `{"error": {"message": …}}`; Gemini adds the retry hint in `details`:
///
/// ```json
/// {"error": {"code": 429, "message": "Resource has been exhausted",
///            "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "1.5s"}]}}
/// ```
struct UpstreamErrorBody: Decodable {
    struct Fault: Decodable {
        var message: String?
        var details: [Detail]?
    }

    /// One entry of Gemini's `details`; only `RetryInfo` entries carry `retryDelay`.
    struct Detail: Decodable {
        var type: String?
        var retryDelay: String?

        enum CodingKeys: String, CodingKey {
            case type = "@type", retryDelay
        }
    }

    static let retryInfoType = "type.googleapis.com/google.rpc.RetryInfo"

    var error: Fault

    /// The body read as such JSON; nil when it is something else (HTML, plain text, `{"error": "…"}`).
    static func read(_ body: [UInt8]) -> UpstreamErrorBody? {
        try? JSONDecoder().decode(UpstreamErrorBody.self, from: Data(body))
    }

    /// Gemini's `RetryInfo.retryDelay` texts, in the order given.
    var retryDelays: [String] {
        (error.details ?? []).filter { $0.type == Self.retryInfoType }.compactMap(\.retryDelay)
    }
}
