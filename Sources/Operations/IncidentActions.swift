import OracleCore
import Policies

/// Carries out what `escalation.lua` asks for, through the same mechanisms an operator uses
/// (runtime overrides, emergency cleanup, policy reload), so every action is visible and
/// reversible. Implemented by the server assembly.
public protocol IncidentActionPerformer: Sendable {
    /// Performs `action` for `incidentID`; returns a line for the incident's timeline.
    func perform(_ action: EscalationDecision.Action, incidentID: String) async throws -> String
    /// The live settings the escalation policy sees (`settings` in its input).
    func currentSettings() -> EscalationInput.Settings
}

/// Where notifications go: the `webhook` channel's URLs (`ALERT_WEBHOOK_URL`).
public struct NotifierSettings: Sendable, CustomStringConvertible {
    public var webhookURLs: [String]
    public var maxAttempts: Int

    public init(webhookURLs: [String], maxAttempts: Int = SettingsCatalog.defaults.integer(.notifyMaxAttempts)) {
        self.webhookURLs = webhookURLs
        self.maxAttempts = maxAttempts
    }

    /// Never the URLs: they carry credentials (a webhook's token is in its path or user part).
    public var description: String { "NotifierSettings(\(webhookURLs.count) webhook(s), maxAttempts: \(maxAttempts))" }
}
