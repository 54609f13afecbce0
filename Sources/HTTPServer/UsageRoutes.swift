import Foundation
import Hummingbird
import OracleCore
import Sessions

/// `GET /api/v1/admin/usage[?tenant=NAME]`: each tenant's use in admission's windows — the
/// last minute (requests, tokens) and the last day (requests, prompt and completion tokens) —
/// beside its `TENANT_LIMITS`. Read from memory, which the database fills at startup, so the
/// day survives a restart. Lists every tenant with use in the last day or a `TENANT_LIMITS`
/// entry; `?tenant=` answers that one tenant, with zeros if it has used nothing.
struct UsageRoutes {
    let state: ServerState
    /// Tenant names are what `CHAT_API_KEYS` maps keys to; a longer query is no tenant.
    static let maxTenantLength = 200

    func register(on group: RouterGroup<OracleRequestContext>) {
        group.get { request, _ in try usage(request) }
    }

    struct LimitsBody: Encodable {
        var rpm: Int?
        var tpm: Int?
        var tpd: Int?
    }

    struct MinuteBody: Encodable {
        var requests: Int
        var tokens: Int
    }

    struct DayBody: Encodable {
        var requests: Int
        var promptTokens: Int
        var completionTokens: Int
        var tokens: Int
    }

    struct TenantBody: Encodable {
        var tenant: String
        var limits: LimitsBody
        var lastMinute: MinuteBody
        var lastDay: DayBody
    }

    struct ListBody: Encodable {
        var tenants: [TenantBody]
    }

    func usage(_ request: Request) throws -> Response {
        let asked = request.uri.queryParameters["tenant"].map(String.init)
        if let asked, asked.isEmpty || asked.count > Self.maxTenantLength {
            throw APIError(.badRequest, code: "invalid_query",
                           message: "query parameter 'tenant' must be a tenant name of 1 to \(Self.maxTenantLength) characters",
                           details: ["field": "tenant"])
        }
        let admission = state.admission
        var summaries = Dictionary(uniqueKeysWithValues: admission.usage.summaries().map { ($0.tenant, $0) })
        let names = asked.map { [$0] }
            ?? Set(summaries.keys).union(admission.limits.byTenant.keys.filter { $0 != TenantLimits.everyOtherTenant }).sorted()
        let tenants = names.map { name in
            let summary = summaries.removeValue(forKey: name) ?? TenantUsage.Summary(
                tenant: name, requestsLastMinute: 0, tokensLastMinute: 0, requestsLastDay: 0,
                promptTokensLastDay: 0, completionTokensLastDay: 0)
            let limits = admission.limits.limits(for: name)
            return TenantBody(
                tenant: name,
                limits: LimitsBody(rpm: limits.requestsPerMinute, tpm: limits.tokensPerMinute, tpd: limits.tokensPerDay),
                lastMinute: MinuteBody(requests: summary.requestsLastMinute, tokens: summary.tokensLastMinute),
                lastDay: DayBody(requests: summary.requestsLastDay, promptTokens: summary.promptTokensLastDay,
                                 completionTokens: summary.completionTokensLastDay,
                                 tokens: summary.promptTokensLastDay + summary.completionTokensLastDay))
        }
        return try JSONResponse.make(ListBody(tenants: tenants))
    }
}
