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

/// How hard the notifier tries (where pages go is the ``ContactBook``'s).
public struct NotifierSettings: Sendable, CustomStringConvertible {
    public var maxAttempts: Int

    public init(maxAttempts: Int = SettingsCatalog.defaults.integer(.notifyMaxAttempts)) {
        self.maxAttempts = maxAttempts
    }

    public var description: String { "NotifierSettings(maxAttempts: \(maxAttempts))" }
}
