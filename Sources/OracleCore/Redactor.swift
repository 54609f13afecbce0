import Foundation

/// Removes configured secrets from text before it is logged, stored or returned.
///
/// ```swift
/// let redactor = Redactor(secrets: ["sk-123456"])
/// redactor.redact("bad key sk-123456") // "bad key [redacted]"
/// ```
public struct Redactor: Sendable {
    /// What a secret is replaced with, everywhere: logs, errors, `/health/ai`, diagnostics.
    public static let mask = "[redacted]"
    private let secrets: [String]

    /// Unset (nil) and very short values are ignored: masking every "a" would hide nothing.
    public init(secrets: [String?]) {
        // Longest first, so a secret containing another is removed whole.
        self.secrets = secrets.compactMap { $0 }.filter { $0.count >= 4 }.sorted { $0.count > $1.count }
    }

    public func redact(_ text: String) -> String {
        secrets.reduce(text) { $0.replacingOccurrences(of: $1, with: Self.mask) }
    }
}
