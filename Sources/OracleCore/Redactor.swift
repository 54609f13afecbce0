import Foundation

/// Removes configured secrets from text before it is logged, stored or returned.
///
/// ```swift
/// let redactor = Redactor(secrets: ["sk-123456"])
/// redactor.redact("bad key sk-123456") // "bad key [redacted]"
/// ```
public struct Redactor: Sendable {
    private let secrets: [String]

    public init(secrets: [String]) {
        // Longest first, so a secret containing another is removed whole.
        self.secrets = secrets.filter { $0.count >= 4 }.sorted { $0.count > $1.count }
    }

    public func redact(_ text: String) -> String {
        secrets.reduce(text) { $0.replacingOccurrences(of: $1, with: "[redacted]") }
    }
}
