import Hummingbird

/// Per-request state: the tenant the caller authenticated as.
public struct OracleRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// `default` when client API keys are not configured.
    public var tenant: String = "default"
    /// The admin key's name the caller authenticated with (admin routes).
    public var adminName: String?
    /// Who did it, for audit trails.
    var actor: String { adminName ?? "admin" }

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }
}
