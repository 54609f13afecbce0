/// One file of a diagnostics archive, or the reason it could not be collected.
public struct DiagnosticsPart: Sendable, Equatable {
    public var file: String
    public var title: String
    public var content: String?
    /// Why `content` is missing.
    public var unavailable: String?

    public static func collected(_ file: String, _ title: String, _ content: String) -> DiagnosticsPart {
        DiagnosticsPart(file: file, title: title, content: content, unavailable: nil)
    }

    public static func missing(_ file: String, _ title: String, _ reason: String) -> DiagnosticsPart {
        DiagnosticsPart(file: file, title: title, content: nil, unavailable: reason)
    }
}

/// Asks the running server for one of its health endpoints: the body, or why not.
public typealias HealthFetcher = @Sendable (_ path: String) async -> Result<String, HealthProbeFailure>

public struct HealthProbeFailure: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}
