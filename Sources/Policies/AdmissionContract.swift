import LuaRuntime
import OracleCore

// admission.lua's contract, input and result side by side: `admit(req)` takes an
// `AdmissionInput` and returns an `AdmissionDecision`.

/// `req` of `admit(req)`: who asks for what, the tenant's use in its sliding windows, and its
/// limits from `TENANT_LIMITS`.
public struct AdmissionInput: PolicyInput, Equatable {
    /// The routes admission runs on.
    public enum Route: String, Sendable, CaseIterable {
        /// `POST /api/v1/sessions/{id}/messages`.
        case sessions
        /// `POST /v1/chat/completions` and `POST /v1/embeddings`.
        case v1
    }

    /// One sliding window: what was used, the limit, and when enough of it leaves the window.
    public struct Window: Sendable, Equatable {
        public var used: Int
        public var limit: Int?
        public var retryAfterSeconds: Int?

        public init(used: Int, limit: Int? = nil, retryAfterSeconds: Int? = nil) {
            self.used = used
            self.limit = limit
            self.retryAfterSeconds = retryAfterSeconds
        }
    }

    public var tenant: String
    public var route: Route
    /// `chat.completions`, `embeddings` or `messages`.
    public var endpoint: String
    public var model: String
    public var estimatedPromptTokens: Int
    public var requestsPerMinute: Window
    public var tokensPerMinute: Window
    public var tokensPerDay: Window

    public init(tenant: String, route: Route, endpoint: String, model: String, estimatedPromptTokens: Int,
                requestsPerMinute: Window, tokensPerMinute: Window, tokensPerDay: Window) {
        self.tenant = tenant
        self.route = route
        self.endpoint = endpoint
        self.model = model
        self.estimatedPromptTokens = estimatedPromptTokens
        self.requestsPerMinute = requestsPerMinute
        self.tokensPerMinute = tokensPerMinute
        self.tokensPerDay = tokensPerDay
    }

    public static let fields: [PolicyInputField<Self>] = [
        .init("tenant", "string", "the caller's tenant (`CHAT_API_KEYS`; `default` without keys)") { $0.tenant },
        .init("route", PolicyField.oneOf(Route.allCases.map(\.rawValue)),
              "`v1`: `/v1/chat/completions` and `/v1/embeddings`; `sessions`: a message to a session") { $0.route.rawValue },
        .init("endpoint", PolicyField.oneOf(["chat.completions", "embeddings", "messages"]), "which call it is") { $0.endpoint },
        .init("model", "string", "the requested model (`/v1`), or the configured one (sessions)") { $0.model },
        .init("estimated_prompt_tokens", "int >= 0",
              "this request's prompt, estimated before the call as its bytes / 4 (the `/v1` body, or a message's content)") {
            $0.estimatedPromptTokens
        },
        .init("usage.rpm.used", "int", "requests admitted in the last 60 s") { $0.requestsPerMinute.used },
        .init("usage.rpm.limit", "int, optional", "`rpm` of the tenant's `TENANT_LIMITS` entry; absent: no limit") { $0.requestsPerMinute.limit },
        .init("usage.rpm.retry_after_seconds", "int >= 1, optional",
              "seconds until one more request fits under the limit; absent when it fits now or there is no limit") {
            $0.requestsPerMinute.retryAfterSeconds
        },
        .init("usage.tpm.used", "int", "tokens in the last 60 s: admitted prompts' estimates, then completions as the provider reported them") {
            $0.tokensPerMinute.used
        },
        .init("usage.tpm.limit", "int, optional", "`tpm` of the tenant's entry") { $0.tokensPerMinute.limit },
        .init("usage.tpm.retry_after_seconds", "int >= 1, optional",
              "seconds until this request's estimated tokens fit; 60 when they exceed the limit itself") { $0.tokensPerMinute.retryAfterSeconds },
        .init("usage.tpd.used", "int", "tokens in the last 24 h (minute resolution; survives a restart)") { $0.tokensPerDay.used },
        .init("usage.tpd.limit", "int, optional", "`tpd` of the tenant's entry") { $0.tokensPerDay.limit },
        .init("usage.tpd.retry_after_seconds", "int >= 1, optional",
              "seconds until this request's estimated tokens fit; 86400 when they exceed the limit itself") { $0.tokensPerDay.retryAfterSeconds },
    ]

    public static let note: String? = """
        The host keeps the windows (sliding, per tenant, in memory; per-minute totals written to \
        the database every few seconds and read back at startup) and computes each \
        `retry_after_seconds` from them, so the policy need not know the windows' contents. An \
        admitted request counts at once (one request, its estimated prompt); after the call its \
        completion tokens, and any prompt tokens the provider reported beyond the estimate, are \
        added. A denied request counts nothing. \
        Tenants without a `TENANT_LIMITS` entry (and no `*` entry) have no `limit` fields.
        """
}

/// The result of `admit(req)`: is the request served now?
public struct AdmissionDecision: Sendable, Equatable, Codable {
    /// Retry-After of a denial that names no `retry_after_seconds`.
    public static let defaultRetryAfterSeconds = 60

    public var allow: Bool
    public var reason: String
    public var retryAfterSeconds: Int?

    public static let fields = [
        PolicyField("allow", "bool", "serve the request; false answers `429` with `Retry-After`"),
        PolicyField("reason", "string", "for the decision log and, on a denial, the error message and the `admission_denials_total{reason}` label (its text up to the first ':')"),
        PolicyField("retry_after_seconds", "int >= 0, optional",
                    "a denial's `Retry-After` (at least 1); absent: \(defaultRetryAfterSeconds)"),
    ]

    public init(allow: Bool, reason: String, retryAfterSeconds: Int? = nil) {
        self.allow = allow
        self.reason = reason
        self.retryAfterSeconds = retryAfterSeconds
    }

    init(_ value: LuaValue) throws(PolicyContractError) {
        let reader = try ResultReader(value)
        allow = try reader.bool("allow")
        reason = try reader.string("reason")
        retryAfterSeconds = try reader.optionalInteger("retry_after_seconds", min: 0)
    }
}
