import Foundation
import Metrics
import OracleCore
import Policies

/// Decides, before a call reaches the provider, whether the tenant may make it: reads the
/// tenant's windows (``TenantUsage``) and limits (`TENANT_LIMITS`), asks `admission.lua`, and
/// counts what it admits. The one owner of admission: every route that calls the provider for a
/// client (`/v1/chat/completions`, `/v1/embeddings`, a session's messages) asks ``check(_:)``
/// and hands the call's usage back through the ticket.
///
/// When admission.lua fails, its safe default admits (see `PolicyHost.safeDefault`); without a
/// policy host (tests that run none) every request is admitted and still counted.
public final class Admission: Sendable {
    public struct Request: Sendable {
        public var tenant: String
        public var route: AdmissionInput.Route
        public var endpoint: String
        public var model: String
        /// Bytes of the prompt as sent: the `/v1` body, or a message's content.
        public var promptBytes: Int

        public init(tenant: String, route: AdmissionInput.Route, endpoint: String, model: String, promptBytes: Int) {
            self.tenant = tenant
            self.route = route
            self.endpoint = endpoint
            self.model = model
            self.promptBytes = promptBytes
        }
    }

    /// An admitted request: give its usage back when the call is done.
    public struct Ticket: Sendable {
        let usage: TenantUsage
        public let tenant: String
        public let estimatedPrompt: Int

        /// The call's reported usage: completion tokens (and prompt tokens beyond the estimate) count now.
        public func completed(_ reported: TokenUsage) {
            usage.recordCompletion(tenant: tenant, estimatedPrompt: estimatedPrompt, usage: reported)
        }
    }

    public struct Denial: Error, Sendable, Equatable {
        public var reason: String
        /// At least 1.
        public var retryAfterSeconds: Int
    }

    /// `admission_denials_total{reason}` labels: the limit a shipped-style reason names
    /// (`tpm: ...`), else `other`, so a policy's free text never makes new series.
    static let denialLabels = TenantLimits.names + ["other"]

    public let usage: TenantUsage
    public let limits: TenantLimits
    private let policies: PolicyHost?
    private let allowed: Counter
    private let denied: Counter
    private let denials: [String: Counter]

    public init(limits: TenantLimits, policies: PolicyHost?, usage: TenantUsage,
                metrics factory: any MetricsFactory = MetricsSystem.factory) {
        self.limits = limits
        self.policies = policies
        self.usage = usage
        allowed = Counter(label: "admission_decisions_total", dimensions: [("outcome", "allowed")], factory: factory)
        denied = Counter(label: "admission_decisions_total", dimensions: [("outcome", "denied")], factory: factory)
        denials = Dictionary(uniqueKeysWithValues: Self.denialLabels.map {
            ($0, Counter(label: "admission_denials_total", dimensions: [("reason", $0)], factory: factory))
        })
    }

    /// The policy's input for `request` now.
    public func input(for request: Request) -> AdmissionInput {
        let need = TenantUsage.estimatedTokens(bytes: request.promptBytes)
        let limits = limits.limits(for: request.tenant)
        let reading = usage.reading(tenant: request.tenant, need: need, limits: limits)
        return AdmissionInput(
            tenant: request.tenant, route: request.route, endpoint: request.endpoint, model: request.model,
            estimatedPromptTokens: need,
            requestsPerMinute: .init(used: reading.requestsPerMinute.used, limit: limits.requestsPerMinute,
                                     retryAfterSeconds: reading.requestsPerMinute.retryAfterSeconds),
            tokensPerMinute: .init(used: reading.tokensPerMinute.used, limit: limits.tokensPerMinute,
                                   retryAfterSeconds: reading.tokensPerMinute.retryAfterSeconds),
            tokensPerDay: .init(used: reading.tokensPerDay.used, limit: limits.tokensPerDay,
                                retryAfterSeconds: reading.tokensPerDay.retryAfterSeconds))
    }

    /// Admits (and counts) the request, or throws the ``Denial`` (nothing counted).
    public func check(_ request: Request) async throws(Denial) -> Ticket {
        // A tenant without any limit (no entry of its own, none for "*") is admitted without
        // asking admission.lua: the policy has no quota to weigh, and the call cost ~65 µs of CPU
        // per /v1 request (+30 % of the gateway's, GatewayBench). Any limit, even a generous
        // `*:rpm=1000000`, puts a tenant's every request before the policy.
        guard policies != nil, !limits.limits(for: request.tenant).isEmpty else {
            let estimate = TenantUsage.estimatedTokens(bytes: request.promptBytes)
            allowed.increment()
            usage.recordAdmitted(tenant: request.tenant, estimatedPrompt: estimate)
            return Ticket(usage: usage, tenant: request.tenant, estimatedPrompt: estimate)
        }
        let input = input(for: request)
        if let policies {
            let decision = await policies.admit(input).value
            guard decision.allow else {
                denied.increment()
                let label = decision.reason.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
                (denials[label] ?? denials["other"])?.increment()
                throw Denial(reason: decision.reason,
                             retryAfterSeconds: max(1, decision.retryAfterSeconds ?? AdmissionDecision.defaultRetryAfterSeconds))
            }
        }
        allowed.increment()
        usage.recordAdmitted(tenant: request.tenant, estimatedPrompt: input.estimatedPromptTokens)
        return Ticket(usage: usage, tenant: request.tenant, estimatedPrompt: input.estimatedPromptTokens)
    }
}
