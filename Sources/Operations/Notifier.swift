import Foundation
import LLM
import Logging
import OracleCore
import ServiceLifecycle
import Storage

/// Delivers the notification outbox: `log` lines, and `webhook` JSON POSTs (libcurl) to every
/// `ALERT_WEBHOOK_URL` — Slack-compatible (`text`) with the incident fields alongside. A failed
/// delivery is retried with exponential backoff (``retryBackoff``: 2, 4, 8 … s, at most 5 min
/// apart) up to `maxAttempts`, then marked failed. The outbox is in SQLite, so nothing is lost on restart.
public struct Notifier: Service {
    /// No jitter: one server delivers its own outbox, so there is no crowd of retries to spread.
    public static let retryBackoff = Backoff(base: .seconds(2), cap: .seconds(300))

    let store: SQLiteStore
    let settings: NotifierSettings
    let transport: HTTPTransport?
    let logger: Logger
    let interval: Duration
    let now: @Sendable () -> Date

    public init(store: SQLiteStore, settings: NotifierSettings, transport: HTTPTransport?, logger: Logger,
                interval: Duration = .seconds(1), now: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.settings = settings
        self.transport = transport
        self.logger = logger
        self.interval = interval
        self.now = now
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await deliverDue()
            try? await cancelWhenGracefulShutdown { [interval] in try await Task.sleep(for: interval) }
        }
    }

    /// Delivers every notification that is due; returns how many were delivered.
    @discardableResult
    public func deliverDue() async -> Int {
        guard let due = try? await store.dueNotifications(now: now(), limit: 50) else { return 0 }
        var delivered = 0
        for notification in due {
            let error = await deliver(notification)
            let attempts = notification.attempts + 1
            let givenUp = error != nil && attempts >= settings.maxAttempts
            let backoff = Self.retryBackoff.ceiling(afterAttempt: attempts).seconds
            try? await store.markNotification(notification.id, delivered: error == nil, error: error, attempts: attempts,
                                              nextAttemptAt: now().addingTimeInterval(backoff), givenUp: givenUp, at: now())
            if error == nil { delivered += 1 }
            if let error {
                logger.warning("notification delivery failed", metadata: [
                    "incident.id": "\(notification.incidentID)", "notification.channel": "\(notification.channel)",
                    "notification.attempts": "\(attempts)", "error": "\(error)", "notification.given_up": "\(givenUp)",
                ])
            }
        }
        return delivered
    }

    /// nil on success, else why it failed.
    func deliver(_ notification: OutboxNotification) async -> String? {
        switch notification.channel {
        case "log":
            logger.notice("incident notification", metadata: [
                "incident.id": "\(notification.incidentID)", "notification.target": "\(notification.target)",
                "notification.template": "\(notification.template)", "notification.text": "\(notification.text)",
            ])
            return nil
        case "webhook":
            guard !settings.webhookURLs.isEmpty else { return "ALERT_WEBHOOK_URL is not set" }
            guard let transport else { return "no HTTP transport" }
            let payload: [String: String] = [
                "text": notification.text, "incident_id": notification.incidentID, "target": notification.target,
                "template": notification.template, "channel": notification.channel,
            ]
            let body = (try? JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys])) ?? Data()
            for url in settings.webhookURLs {
                if let failure = await post(Array(body), to: url, transport: transport) { return failure }
            }
            return nil
        default:
            return "unknown channel \(notification.channel)"
        }
    }

    func post(_ body: [UInt8], to url: String, transport: HTTPTransport) async -> String? {
        let request = HTTPRequest(method: "POST", url: url, headers: [("Content-Type", "application/json")], body: body,
                                  timeouts: TransportTimeouts(connect: .seconds(5), firstByte: .seconds(10), idle: .seconds(10), total: .seconds(15)),
                                  maxResponseBytes: 1 << 16, userAgent: "oracle-chat-notifier")
        do {
            for try await part in transport.send(request) {
                if case .head(let head) = part {
                    return (200..<300).contains(head.status) ? nil : "webhook answered HTTP \(head.status)"
                }
            }
            return "webhook gave no answer"
        } catch {
            return "webhook unreachable: \(error)"
        }
    }
}

// The service group logs each service's description (at debug level and below); the default
// one prints every stored property, secrets among them (webhook URLs with their credentials).
extension Notifier: CustomStringConvertible {
    public var description: String { "Notifier" }
}
