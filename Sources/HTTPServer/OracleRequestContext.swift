import Hummingbird

/// Per-request state: the tenant the caller authenticated as.
public struct OracleRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// `default` when client API keys are not configured.
    public var tenant: String = "default"

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }
}
