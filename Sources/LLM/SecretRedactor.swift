import Foundation

/// Removes configured secrets (API keys) from any text before it is logged, stored as the
/// last error, or shown in `/health/ai`.
///
/// ```swift
/// let redactor = SecretRedactor(secrets: ["sk-live-123"])
/// redactor.redact("bad key sk-live-123") // "bad key [REDACTED]"
/// ```
public struct SecretRedactor: Sendable {
    public static let mask = "[REDACTED]"
    private let secrets: [String]

    public init(secrets: [String?]) {
        // Longest first, so a secret that contains another is removed whole.
        self.secrets = secrets.compactMap { $0 }.filter { !$0.isEmpty }.sorted { $0.count > $1.count }
    }

    public func redact(_ text: String) -> String {
        secrets.reduce(text) { $0.replacingOccurrences(of: $1, with: Self.mask) }
    }

    public func redact(_ error: LLMError) -> LLMError {
        switch error {
        case .http(let status, let message): .http(status: status, message: redact(message))
        case .timeout(let what): .timeout(redact(what))
        case .transport(let what): .transport(redact(what))
        case .invalidResponse(let what): .invalidResponse(redact(what))
        case .circuitOpen, .cancelled: error
        }
    }
}
