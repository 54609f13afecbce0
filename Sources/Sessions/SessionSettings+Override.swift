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
        switch SettingName(rawValue: name) {
        case .usePersistentSessions?: usePersistentSessions = bool(usePersistentSessions)
        case .gradualRolloutPercentage?: rolloutPercentage = int(rolloutPercentage)
        case .persistentSessionTimeout?: sessionTimeout = int(sessionTimeout)
        case .maxPersistentSessions?: maxSessions = int(maxSessions)
        case .sessionCacheMaxBytes?: maxCacheBytes = int(maxCacheBytes)
        case .cleanupInterval?: cleanupInterval = int(cleanupInterval)
        case .enableSessionRecovery?: enableRecovery = bool(enableRecovery)
        case .maxRecoveryHistoryMessages?: maxRecoveryHistoryMessages = int(maxRecoveryHistoryMessages)
        case .contextTokenBudget?: contextTokenBudget = int(contextTokenBudget)
        case .recoveryTimeoutSeconds?: recoveryTimeoutSeconds = int(recoveryTimeoutSeconds)
        case .emergencyCleanupThreshold?: emergencyCleanupThreshold = Double(value) ?? emergencyCleanupThreshold
        case .cleanupBatchSize?: cleanupBatchSize = int(cleanupBatchSize)
        case .forceCleanupOnStartup?: forceCleanupOnStartup = bool(forceCleanupOnStartup)
        default: return false
        }
        return true
    }

    /// The limits that shape a session's context window.
    public var contextLimits: ContextLimits {
        ContextLimits(maxMessages: maxRecoveryHistoryMessages, tokenBudget: contextTokenBudget)
    }
}
