import Foundation

/// One configuration variable: its name (the seeds' names), default, rule and documentation.
///
/// The catalog of specs (``SettingsCatalog``) drives everything that touches configuration:
/// loading, `config check`, the default file in `config/`, redaction in diagnostics and the
/// validation of runtime overrides — so a rule is written once.
///
/// ```swift
/// let spec = SettingsCatalog.spec(.gradualRolloutPercentage)
/// spec.validate("150") // → "GRADUAL_ROLLOUT_PERCENTAGE must be an integer 0–100 (got 150)"
/// ```
public struct SettingSpec: Sendable {
    public enum Group: String, Sendable, CaseIterable {
        case server = "Server"
        case security = "Security"
        case llm = "LLM provider"
        case sessions = "Persistent sessions"
        case policies = "Policies"
        case operations = "Operations"
    }

    public let setting: SettingName
    public let defaultValue: String
    public let rule: SettingRule
    public let group: Group
    public let summary: String
    /// Secrets are never printed, logged or stored in the decision log.
    public let isSecret: Bool
    /// Can be changed at run time through `PUT /api/v1/admin/overrides/{NAME}`.
    public let isOverridable: Bool

    public init(
        _ setting: SettingName, default defaultValue: String, _ rule: SettingRule, group: Group,
        secret: Bool = false, overridable: Bool = false, _ summary: String
    ) {
        self.setting = setting
        self.defaultValue = defaultValue
        self.rule = rule
        self.group = group
        self.summary = summary
        self.isSecret = secret
        self.isOverridable = overridable
    }

    /// The environment variable's name.
    public var name: String { setting.rawValue }

    /// Checks a raw value against the rule; returns the problem, or nil when valid.
    public func validate(_ raw: String) -> String? {
        guard let problem = rule.problem(with: raw.trimmingCharacters(in: .whitespaces)) else { return nil }
        let shown = isSecret ? "" : " (got \(raw.isEmpty ? "an empty value" : "\"\(display(raw))\""))"
        return "\(name) must \(problem)\(shown)"
    }

    /// The value as it may be shown to an operator: a secret not at all, a URL without the
    /// password of its `user:password@` (a `DATABASE_URL` carries one).
    public func display(_ raw: String) -> String {
        isSecret ? (raw.isEmpty ? "" : "[redacted]") : Self.withoutURLPassword(raw)
    }

    static func withoutURLPassword(_ raw: String) -> String {
        guard let scheme = raw.range(of: "://") else { return raw }
        let rest = raw[scheme.upperBound...]
        let authorityEnd = rest.firstIndex(where: { "/?#".contains($0) }) ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@"),
              let colon = rest[..<at].firstIndex(of: ":") else { return raw }
        return String(raw[..<rest.index(after: colon)]) + "[redacted]" + String(rest[at...])
    }

    /// The value with the type its rule gives it, for JSON answers: a boolean setting is
    /// `true`/`false`, an integer or number setting a number, anything else text. A value the
    /// rule does not accept (one stored under an older rule) stays text rather than being guessed at.
    public func typed(_ raw: String) -> TypedSettingValue {
        let trimmed = raw.trimmingCharacters(in: .whitespaces)
        switch rule {
        case .boolean: if let flag = SettingRule.parseBool(trimmed) { return .bool(flag) }
        case .integer: if let number = Int64(trimmed) { return .integer(number) }
        case .number: if let number = Double(trimmed), number.isFinite { return .number(number) }
        default: break
        }
        return .text(display(raw))
    }
}

extension SettingsCatalog {
    /// A stored value of the setting `name` with its rule's type; text for a name that is no setting.
    public static func typed(_ name: String, _ raw: String) -> TypedSettingValue {
        spec(named: name)?.typed(raw) ?? .text(raw)
    }
}

/// A setting's value as JSON shows it (``SettingSpec/typed(_:)``).
public enum TypedSettingValue: Sendable, Equatable, Encodable {
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case text(String)

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .bool(let flag): try container.encode(flag)
        case .integer(let number): try container.encode(number)
        case .number(let number): try container.encode(number)
        case .text(let text): try container.encode(text)
        }
    }
}

/// What a setting's value must look like.
public enum SettingRule: Sendable, Equatable {
    case integer(min: Int, max: Int?)
    case number(min: Double, max: Double)
    case boolean
    case text(nonEmpty: Bool)
    case choice([String])
    /// Empty, or an http(s) URL.
    case optionalURL
    /// Empty, or comma-separated http(s) URLs.
    case urlList
    /// Empty, `*`, or comma-separated browser origins (`scheme://host[:port]`, no path).
    case originList
    /// Empty, or comma-separated `key:tenant` pairs (a bare `key` maps to tenant `default`).
    case keyTenantMap
    /// Empty, or comma-separated `name:key` pairs (``AdminKeys``).
    case adminKeyList
    /// A file path or a `sqlite://` URL.
    case databaseURL
    /// Empty, or `;`-separated `tenant:rpm=N,tpm=N,tpd=N` entries (``TenantLimits``).
    case tenantLimits

    /// The rule as a sentence fragment following "must", or nil when `raw` satisfies it.
    func problem(with raw: String) -> String? {
        switch self {
        case .integer(let min, let max):
            guard let value = Int(raw) else {
                return max.map { "be an integer \(min)–\($0)" } ?? "be an integer >= \(min)"
            }
            if let max {
                return (min...max).contains(value) ? nil : "be an integer \(min)–\(max)"
            }
            return value >= min ? nil : "be >= \(min)"
        case .number(let min, let max):
            guard let value = Double(raw), value.isFinite, value >= min, value <= max else {
                return "be a number \(Self.format(min))–\(Self.format(max))"
            }
            return nil
        case .boolean:
            return Self.parseBool(raw) == nil ? "be true or false" : nil
        case .text(let nonEmpty):
            return nonEmpty && raw.isEmpty ? "not be empty" : nil
        case .choice(let options):
            return options.contains(raw.lowercased()) ? nil : "be one of \(options.joined(separator: ", "))"
        case .optionalURL:
            return raw.isEmpty || Self.isHTTPURL(raw) ? nil : "be empty or an http:// or https:// URL"
        case .urlList:
            let urls = raw.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            return urls.allSatisfy(Self.isHTTPURL) ? nil : "be empty or a comma-separated list of http:// or https:// URLs"
        case .originList:
            let origins = raw.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            return origins.allSatisfy(Self.isOrigin) ? nil : "be empty, * or comma-separated origins such as https://app.example.com (no path)"
        case .keyTenantMap:
            return (try? KeyTenantMap.parse(raw)) == nil
                ? "be empty or comma-separated key:tenant pairs with keys of at least 16 characters" : nil
        case .adminKeyList:
            do {
                _ = try AdminKeys.parse(raw)
                return nil
            } catch {
                return error.description
            }
        case .databaseURL:
            return DatabaseLocation.problem(raw)
        case .tenantLimits:
            do {
                _ = try TenantLimits.parse(raw)
                return nil
            } catch {
                return error.description
            }
        }
    }

    /// The rule in a few words, for documentation.
    public var summary: String {
        switch self {
        case .integer(let min, let max): max.map { "integer \(min)–\($0)" } ?? "integer >= \(min)"
        case .number(let min, let max): "number \(Self.format(min))–\(Self.format(max))"
        case .boolean: "true or false"
        case .text(let nonEmpty): nonEmpty ? "non-empty text" : "text, may be empty"
        case .choice(let options): "one of " + options.joined(separator: ", ")
        case .optionalURL: "empty or an http(s) URL"
        case .urlList: "empty or comma-separated http(s) URLs"
        case .originList: "empty, * or comma-separated origins"
        case .keyTenantMap: "empty or key:tenant pairs (keys >= 16 characters)"
        case .adminKeyList: "empty or name:key pairs (names [a-z0-9._-]+)"
        case .databaseURL: "file path or sqlite:// URL"
        case .tenantLimits: "empty or tenant:rpm=N,tpm=N,tpd=N entries, ;-separated"
        }
    }

    public static func parseBool(_ raw: String) -> Bool? {
        switch raw.lowercased() {
        case "true", "1", "yes", "on": true
        case "false", "0", "no", "off": false
        default: nil
        }
    }

    static func isHTTPURL(_ raw: String) -> Bool {
        (raw.hasPrefix("http://") || raw.hasPrefix("https://")) && raw.count > 8 && !raw.contains(" ")
    }

    /// `*`, or what a browser sends as `Origin`: an http(s) scheme and host, an optional port, no path.
    static func isOrigin(_ raw: String) -> Bool {
        if raw == "*" { return true }
        guard isHTTPURL(raw), let url = URL(string: raw), url.host != nil else { return false }
        return url.path.isEmpty && url.query == nil && url.fragment == nil && url.user == nil
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
