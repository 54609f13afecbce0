import Foundation

/// Each tenant's quotas, from `TENANT_LIMITS="acme:rpm=60,tpm=100000,tpd=2000000;*:rpm=600"`:
/// entries separated by `;`, each a tenant (or `*`, the limits of every tenant not named) and
/// comma-separated `name=value` limits. A limit left out is no limit; a tenant neither named
/// nor covered by `*` has none at all, and the shipped admission.lua admits everything then.
///
/// The one owner of "what may this tenant use": admission.lua receives the limits as they are
/// parsed here, and `config check` refuses a value this parser refuses, with its message.
///
/// ```swift
/// let limits = try TenantLimits.parse("acme:tpm=1000;*:rpm=60")
/// limits.limits(for: "acme")     // tpm 1000 (the `*` entry does not add to a named tenant)
/// limits.limits(for: "globex")   // rpm 60
/// ```
public struct TenantLimits: Sendable, Equatable {
    /// The limits of one tenant: requests per minute, tokens per minute, tokens per day.
    public struct Limits: Sendable, Equatable {
        public var requestsPerMinute: Int?
        public var tokensPerMinute: Int?
        public var tokensPerDay: Int?

        public init(requestsPerMinute: Int? = nil, tokensPerMinute: Int? = nil, tokensPerDay: Int? = nil) {
            self.requestsPerMinute = requestsPerMinute
            self.tokensPerMinute = tokensPerMinute
            self.tokensPerDay = tokensPerDay
        }

        public var isEmpty: Bool { requestsPerMinute == nil && tokensPerMinute == nil && tokensPerDay == nil }
    }

    /// The tenant that stands for every tenant not named.
    public static let everyOtherTenant = "*"
    /// The limit names, as written in the setting and as admission.lua reads them.
    public static let names = ["rpm", "tpm", "tpd"]

    public let byTenant: [String: Limits]

    public init(byTenant: [String: Limits] = [:]) {
        self.byTenant = byTenant
    }

    public var isEmpty: Bool { byTenant.isEmpty }

    /// The tenant's own entry, else the `*` entry, else no limits.
    public func limits(for tenant: String) -> Limits {
        byTenant[tenant] ?? byTenant[Self.everyOtherTenant] ?? Limits()
    }

    /// What is wrong with a `TENANT_LIMITS` value, as a sentence fragment following "must",
    /// pointing at the entry by position and tenant.
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public let description: String
    }

    public static func parse(_ raw: String) throws(ParseError) -> TenantLimits {
        var byTenant: [String: Limits] = [:]
        let entries = raw.split(separator: ";", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        for (index, entry) in entries.enumerated() where !(entry.isEmpty && index == entries.count - 1) {
            let position = "entry \(index + 1) of \(entries.count)"
            guard let colon = entry.firstIndex(of: ":") else {
                throw ParseError(description: "be ';'-separated tenant:rpm=N,tpm=N,tpd=N entries; \(position) has no ':'")
            }
            let tenant = entry[..<colon].trimmingCharacters(in: .whitespaces)
            guard !tenant.isEmpty else { throw ParseError(description: "name a tenant (or *) in every entry; \(position) names none") }
            guard byTenant[tenant] == nil else {
                throw ParseError(description: "name each tenant once; \(position) repeats '\(tenant)'")
            }
            var limits = Limits()
            for pair in entry[entry.index(after: colon)...].split(separator: ",", omittingEmptySubsequences: false) {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                    .map { $0.trimmingCharacters(in: .whitespaces) }
                let name = parts[0]
                guard names.contains(name) else {
                    throw ParseError(description: "use only the limits rpm, tpm, tpd; \(position) ('\(tenant)') has '\(name.prefix(32))'")
                }
                guard parts.count == 2, let value = Int(parts[1]), value >= 1 else {
                    throw ParseError(description: "give each limit a whole number of at least 1; \(position) ('\(tenant)') has \(name)=\(parts.count == 2 ? parts[1].prefix(32) : "")")
                }
                switch name {
                case "rpm":
                    guard limits.requestsPerMinute == nil else { throw repeated(name, position, tenant) }
                    limits.requestsPerMinute = value
                case "tpm":
                    guard limits.tokensPerMinute == nil else { throw repeated(name, position, tenant) }
                    limits.tokensPerMinute = value
                default:
                    guard limits.tokensPerDay == nil else { throw repeated(name, position, tenant) }
                    limits.tokensPerDay = value
                }
            }
            byTenant[tenant] = limits
        }
        return TenantLimits(byTenant: byTenant)
    }

    private static func repeated(_ name: String, _ position: String, _ tenant: String) -> ParseError {
        ParseError(description: "give each limit once per tenant; \(position) ('\(tenant)') repeats \(name)")
    }
}
