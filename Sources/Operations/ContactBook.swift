import Foundation
import OracleCore
import Yams

/// Where escalation.lua's roles are reached: the contacts file (`CONTACTS_FILE`,
/// `config/contacts.yaml`), resolved against the environment.
///
/// ```yaml
/// channels:
///   slack-oncall: { type: webhook, url_env: SLACK_ONCALL_WEBHOOK_URL }
///   pagerduty:    { type: pagerduty, routing_key_env: PAGERDUTY_ROUTING_KEY }
///   log:          { type: log }
/// roles:
///   oncall: [pagerduty, slack-oncall, log]
///   "*": [log]            # every role not listed
/// ```
///
/// A channel whose secret is missing from the environment is *unconfigured*: it is dropped
/// with one warning at startup and never attempted. Without a contacts file every role goes to
/// the log and to each `ALERT_WEBHOOK_URL` (``fallback(webhookURLs:)``).
public struct ContactBook: Sendable, Equatable {
    public struct Destination: Sendable, Hashable, CustomStringConvertible {
        public enum Kind: Sendable, Hashable {
            case log
            case webhook(url: String)
            case pagerDuty(routingKey: String, eventsURL: String)
        }

        public var name: String
        public var kind: Kind

        public var kindName: String {
            switch kind {
            case .log: "log"
            case .webhook: "webhook"
            case .pagerDuty: "pagerduty"
            }
        }

        /// Never the URL or key: they are credentials.
        public var description: String { "\(name) (\(kindName))" }
    }

    public static let defaultPagerDutyEventsURL = "https://events.pagerduty.com/v2/enqueue"
    /// The role key that applies to every role the file does not list.
    public static let anyRole = "*"
    // Bounds on a hostile or mistaken file.
    static let maxFileBytes = 64 << 10
    static let maxEntries = 200
    static let maxChannelsPerRole = 20

    public private(set) var destinations: [String: Destination]
    /// Role → destination names, in the file's order.
    public private(set) var routes: [String: [String]]
    /// Said once at startup: channels dropped for a missing secret, a missing file.
    public private(set) var warnings: [String]

    /// Destinations reaching `roles`, each once, with the roles it reaches there: one page per
    /// destination however many of its roles the policy named.
    public func destinations(for roles: [String]) -> [(destination: Destination, roles: [String])] {
        var order: [String] = []
        var reached: [String: [String]] = [:]
        for role in roles {
            for name in configuredRoute(of: role) {
                if reached[name] == nil { order.append(name) }
                if reached[name]?.contains(role) != true { reached[name, default: []].append(role) }
            }
        }
        return order.map { (destinations[$0]!, reached[$0]!) }
    }

    /// The role's configured channels; a role not listed, or whose channels are all
    /// unconfigured, takes the `"*"` entry's.
    func configuredRoute(of role: String) -> [String] {
        let own = (routes[role] ?? []).filter { destinations[$0] != nil }
        return own.isEmpty ? (routes[Self.anyRole] ?? []).filter { destinations[$0] != nil } : own
    }

    public func destination(named name: String) -> Destination? { destinations[name] }

    /// Every URL and key in the book, for redaction.
    public var secrets: [String] {
        destinations.values.flatMap { destination -> [String] in
            switch destination.kind {
            case .log: []
            case .webhook(let url): [url]
            case .pagerDuty(let key, _): [key]
            }
        }
    }

    /// No contacts file: every role → the log and each `ALERT_WEBHOOK_URL`.
    public static func fallback(webhookURLs: [String]) -> ContactBook {
        var destinations = ["log": Destination(name: "log", kind: .log)]
        var names = ["log"]
        for (index, url) in webhookURLs.enumerated() {
            let name = webhookURLs.count == 1 ? "webhook" : "webhook-\(index + 1)"
            destinations[name] = Destination(name: name, kind: .webhook(url: url))
            names.append(name)
        }
        let warnings = webhookURLs.isEmpty
            ? ["no contacts file and no ALERT_WEBHOOK_URL: incident pages go to the log only"] : []
        return ContactBook(destinations: destinations, routes: [anyRole: names], warnings: warnings)
    }

    /// Reads `path`; `nil` when the file does not exist (then ``fallback(webhookURLs:)`` applies).
    public static func load(path: String, environment: [String: String],
                            webhookURLs: [String]) throws(ContactBookError) -> ContactBook {
        guard let text = try YAMLConfigFile.read(path, maxBytes: maxFileBytes) else { return fallback(webhookURLs: webhookURLs) }
        return try parse(text, path: path, environment: environment)
    }

    public static func parse(_ text: String, path: String, environment: [String: String]) throws(ContactBookError) -> ContactBook {
        let node = try YAMLConfigFile.parse(text, path: path)
        guard let root = node as? [String: Any] else { throw ContactBookError(path, "must be a mapping with `channels` and `roles`") }
        try YAMLConfigFile.onlyKeys(root, ["channels", "roles"], at: "", path)
        guard let channels = root["channels"] as? [String: Any], !channels.isEmpty else {
            throw ContactBookError(path, "`channels` must be a non-empty mapping of channel name → {type, …}")
        }
        guard let roles = root["roles"] as? [String: Any], !roles.isEmpty else {
            throw ContactBookError(path, "`roles` must be a non-empty mapping of role → [channel names]")
        }
        guard channels.count + roles.count <= maxEntries else {
            throw ContactBookError(path, "has more than \(maxEntries) channels and roles")
        }
        var destinations: [String: Destination] = [:]
        var warnings: [String] = []
        for name in channels.keys.sorted() {
            try YAMLConfigFile.checkName(name, what: "channel", path)
            guard let fields = channels[name] as? [String: Any] else {
                throw ContactBookError(path, "channels.\(name) must be a mapping with `type`")
            }
            switch try destination(name, fields, environment: environment, path) {
            case .configured(let destination): destinations[name] = destination
            case .unconfigured(let why): warnings.append("contacts channel \(name) is not configured (\(why)); it is never attempted")
            }
        }
        var routes: [String: [String]] = [:]
        for role in roles.keys.sorted() {
            if role != anyRole { try YAMLConfigFile.checkName(role, what: "role", path) }
            guard let list = roles[role] as? [Any], let names = list as? [String], !names.isEmpty else {
                throw ContactBookError(path, "roles.\(role) must be a non-empty list of channel names")
            }
            guard names.count <= maxChannelsPerRole else {
                throw ContactBookError(path, "roles.\(role) lists more than \(maxChannelsPerRole) channels")
            }
            for name in names where channels[name] == nil {
                throw ContactBookError(path, "roles.\(role) names channel '\(name.prefix(64))', which `channels` does not define")
            }
            routes[role] = names
        }
        var book = ContactBook(destinations: destinations, routes: routes, warnings: warnings)
        for role in routes.keys.sorted() where book.configuredRoute(of: role).isEmpty {
            book.warnings.append(role == anyRole
                ? "contacts role \"*\" reaches no configured channel: roles not listed are paged nowhere"
                : "contacts role \(role) reaches no configured channel: its pages go nowhere")
        }
        return book
    }

    enum Resolution {
        case configured(Destination)
        case unconfigured(String)
    }

    static func destination(_ name: String, _ fields: [String: Any], environment: [String: String],
                            _ path: String) throws(ContactBookError) -> Resolution {
        let at = "channels.\(name)"
        switch fields["type"] as? String {
        case "log":
            try YAMLConfigFile.onlyKeys(fields, ["type"], at: at, path)
            return .configured(Destination(name: name, kind: .log))
        case "webhook":
            try YAMLConfigFile.onlyKeys(fields, ["type", "url", "url_env"], at: at, path)
            switch try YAMLConfigFile.secret(fields, "url", at: at, environment: environment, path) {
            case .unconfigured(let why): return .unconfigured(why)
            case .value(let url):
                try YAMLConfigFile.checkURL(url, at: "\(at).url", path)
                return .configured(Destination(name: name, kind: .webhook(url: url)))
            }
        case "pagerduty":
            try YAMLConfigFile.onlyKeys(fields, ["type", "routing_key", "routing_key_env", "events_url"], at: at, path)
            let eventsURL = fields["events_url"].map { "\($0)" } ?? defaultPagerDutyEventsURL
            try YAMLConfigFile.checkURL(eventsURL, at: "\(at).events_url", path)
            switch try YAMLConfigFile.secret(fields, "routing_key", at: at, environment: environment, path) {
            case .unconfigured(let why): return .unconfigured(why)
            case .value(let key):
                guard key.count <= 128, key.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
                    throw ContactBookError(path, "\(at).routing_key must be at most 128 printable ASCII characters")
                }
                return .configured(Destination(name: name, kind: .pagerDuty(routingKey: key, eventsURL: eventsURL)))
            }
        default:
            throw ContactBookError(path, "\(at).type must be webhook, pagerduty or log")
        }
    }
}

/// Why the contacts file was refused; names the file and the key. Never carries a URL or key.
public typealias ContactBookError = ConfigFileError

extension OracleConfig {
    /// The contacts file this configuration names, read against the process environment.
    public func loadContacts(environment: [String: String] = ProcessInfo.processInfo.environment) throws(ContactBookError) -> ContactBook {
        try ContactBook.load(path: contactsFile, environment: environment, webhookURLs: alertWebhookURLs)
    }
}
