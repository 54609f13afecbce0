import Foundation
import LLM
import Logging
import OracleCore
import ServiceLifecycle
import Storage

/// Delivers the notification outbox, one row per destination of the contacts file: `log`
/// lines, `webhook` JSON POSTs (Slack-compatible `text`, with the incident fields alongside) and
/// PagerDuty Events API v2 (`trigger` for declarations and updates, `acknowledge`, `resolve`,
/// deduplicated by incident id). A failed delivery is retried with exponential backoff
/// (``retryBackoff``: 2, 4, 8 … s, at most 5 min apart) up to `maxAttempts`, then marked failed;
/// a row whose destination is no longer configured fails at once. The outbox is in SQLite, so
/// nothing is lost on restart.
public struct Notifier: Service {
    /// No jitter: one server delivers its own outbox, so there is no crowd of retries to spread.
    public static let retryBackoff = Backoff(base: .seconds(2), cap: .seconds(300))

    let store: SQLiteStore
    let settings: NotifierSettings
    let contacts: ContactBook
    let transport: HTTPTransport?
    let logger: Logger
    let interval: Duration
    let now: @Sendable () -> Date
    let redactor: Redactor

    public init(store: SQLiteStore, settings: NotifierSettings, contacts: ContactBook, transport: HTTPTransport?, logger: Logger,
                interval: Duration = .seconds(1), now: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.settings = settings
        self.contacts = contacts
        self.transport = transport
        self.logger = logger
        self.interval = interval
        self.now = now
        self.redactor = Redactor(secrets: contacts.secrets)
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await deliverDue()
            try? await cancelWhenGracefulShutdown { [interval] in try await Task.sleep(for: interval) }
        }
    }

    /// Delivers every notification that is due; returns how many were delivered. Destinations
    /// are served side by side (a webhook that hangs for its 15 s does not hold PagerDuty's
    /// pages), each one's pages in order.
    @discardableResult
    public func deliverDue() async -> Int {
        guard let due = try? await store.dueNotifications(now: now(), limit: 50) else { return 0 }
        let byDestination = Dictionary(grouping: due, by: \.channel)
        return await withTaskGroup(of: Int.self) { group in
            for pages in byDestination.values {
                group.addTask { await deliver(inOrder: pages) }
            }
            return await group.reduce(0, +)
        }
    }

    private func deliver(inOrder pages: [OutboxNotification]) async -> Int {
        var delivered = 0
        for notification in pages.sorted(by: { $0.id < $1.id }) {
            let failure = await deliver(notification)
            let attempts = notification.attempts + 1
            let givenUp = failure.map { $0.permanent || attempts >= settings.maxAttempts } ?? false
            let backoff = Self.retryBackoff.ceiling(afterAttempt: attempts).seconds
            let error = failure.map { redactor.redact($0.message) }
            try? await store.markNotification(notification.id, delivered: failure == nil, error: error, attempts: attempts,
                                              nextAttemptAt: now().addingTimeInterval(backoff), givenUp: givenUp, at: now())
            guard let error else {
                delivered += 1
                continue
            }
            logger.warning("notification delivery failed", metadata: [
                "incident.id": "\(notification.incidentID)", "notification.channel": "\(notification.channel)",
                "notification.attempts": "\(attempts)", "error": "\(error)", "notification.given_up": "\(givenUp)",
            ])
            // Later pages to this destination wait for this one (order per destination).
            if !givenUp { break }
        }
        return delivered
    }

    struct Failure: Error {
        var message: String
        /// Retrying cannot help (the destination is gone from the contacts file).
        var permanent = false
    }

    /// nil on success, else why it failed.
    func deliver(_ notification: OutboxNotification) async -> Failure? {
        guard let destination = contacts.destination(named: notification.channel) else {
            return Failure(message: "destination \(notification.channel) is not configured", permanent: true)
        }
        switch destination.kind {
        case .log:
            logger.notice("incident notification", metadata: [
                "incident.id": "\(notification.incidentID)", "notification.target": "\(notification.target)",
                "notification.template": "\(notification.template)", "notification.text": "\(notification.text)",
            ])
            return nil
        case .webhook(let url):
            let payload: [String: Any] = [
                "text": notification.text, "incident_id": notification.incidentID, "severity": notification.severity,
                "template": notification.template, "channel": notification.channel,
                "roles": notification.target.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) },
            ]
            return await post(payload, to: url)
        case .pagerDuty(let routingKey, let eventsURL):
            return await post(Self.pagerDutyEvent(notification, routingKey: routingKey), to: eventsURL)
        }
    }

    /// Events API v2: `dedup_key` is the incident id, so PagerDuty folds every trigger of one
    /// incident into one alert and resolves it with the same key.
    static func pagerDutyEvent(_ notification: OutboxNotification, routingKey: String) -> [String: Any] {
        let action = switch notification.template {
        case "acknowledgement": "acknowledge"
        case "resolution": "resolve"
        default: "trigger"
        }
        var event: [String: Any] = ["routing_key": routingKey, "event_action": action, "dedup_key": notification.incidentID]
        if action == "trigger" {
            let summary = notification.text.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? notification.incidentID
            event["payload"] = [
                "summary": String(summary.prefix(1024)), "source": "oracle-chat",
                "severity": pagerDutySeverity[notification.severity] ?? "error",
                "custom_details": ["text": notification.text, "roles": notification.target, "template": notification.template],
            ] as [String: Any]
        }
        return event
    }

    /// P0…P3 onto PagerDuty's four levels.
    static let pagerDutySeverity = ["P0": "critical", "P1": "error", "P2": "warning", "P3": "info"]

    func post(_ payload: [String: Any], to url: String) async -> Failure? {
        guard let transport else { return Failure(message: "no HTTP transport") }
        let body = (try? JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys])) ?? Data()
        let request = HTTPRequest(method: "POST", url: url, headers: [("Content-Type", "application/json")], body: Array(body),
                                  timeouts: TransportTimeouts(connect: .seconds(5), firstByte: .seconds(10), idle: .seconds(10), total: .seconds(15)),
                                  maxResponseBytes: 1 << 16, userAgent: "oracle-chat-notifier")
        do {
            for try await part in transport.send(request) {
                if case .head(let head) = part {
                    return (200..<300).contains(head.status) ? nil : Failure(message: "destination answered HTTP \(head.status)")
                }
            }
            return Failure(message: "destination gave no answer")
        } catch {
            return Failure(message: "destination unreachable: \(error)")
        }
    }
}

// The service group logs each service's description (at debug level and below); the default
// one prints every stored property, secrets among them (webhook URLs with their credentials).
extension Notifier: CustomStringConvertible {
    public var description: String { "Notifier" }
}
