import Hummingbird

/// Per-request state: the tenant the caller authenticated as, and on admin routes the admin key's name.
public struct OracleRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// `default` when client API keys are not configured.
    public var tenant: String = "default"
    /// The name of the admin key the request presented (`ADMIN_API_KEYS`, `admin` for
    /// `ADMIN_API_KEY`), set by the admin middleware; nil on routes that need no admin key.
    public var adminName: String?

    /// Who an admin action is recorded as: the key's name. Only an emergency cleanup allowed
    /// without a key (`EMERGENCY_CLEANUP_ALLOW_UNAUTHENTICATED`) runs without one, as `unauthenticated`.
    var actor: String { adminName ?? "unauthenticated" }

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }
}
