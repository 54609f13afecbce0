import Foundation
import OracleCore

extension OracleConfig.SessionSettings {
    /// Sets the field that the setting `name` configures from a value its ``SettingSpec`` has
    /// accepted. Returns false for names that are not session settings (nothing changes).
    @discardableResult
    mutating func set(_ name: String, raw: String) -> Bool {
        let value = raw.trimmingCharacters(in: .whitespaces)
        func int(_ current: Int) -> Int { Int(value) ?? current }
        func bool(_ current: Bool) -> Bool { SettingRule.parseBool(value) ?? current }
        switch name {
        case "USE_PERSISTENT_SESSIONS": usePersistentSessions = bool(usePersistentSessions)
        case "GRADUAL_ROLLOUT_PERCENTAGE": rolloutPercentage = int(rolloutPercentage)
        case "PERSISTENT_SESSION_TIMEOUT": sessionTimeout = int(sessionTimeout)
        case "MAX_PERSISTENT_SESSIONS": maxSessions = int(maxSessions)
        case "CLEANUP_INTERVAL": cleanupInterval = int(cleanupInterval)
        case "ENABLE_SESSION_RECOVERY": enableRecovery = bool(enableRecovery)
        case "MAX_RECOVERY_HISTORY_MESSAGES": maxRecoveryHistoryMessages = int(maxRecoveryHistoryMessages)
        case "CONTEXT_TOKEN_BUDGET": contextTokenBudget = int(contextTokenBudget)
        case "RECOVERY_TIMEOUT_SECONDS": recoveryTimeoutSeconds = int(recoveryTimeoutSeconds)
        case "EMERGENCY_CLEANUP_THRESHOLD": emergencyCleanupThreshold = Double(value) ?? emergencyCleanupThreshold
        case "CLEANUP_BATCH_SIZE": cleanupBatchSize = int(cleanupBatchSize)
        case "FORCE_CLEANUP_ON_STARTUP": forceCleanupOnStartup = bool(forceCleanupOnStartup)
        default: return false
        }
        return true
    }

    /// The limits that shape a session's context window.
    public var contextLimits: ContextLimits {
        ContextLimits(maxMessages: maxRecoveryHistoryMessages, tokenBudget: contextTokenBudget)
    }
}
