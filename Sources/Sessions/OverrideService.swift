import Foundation
import Logging
import OracleCore
import Storage

/// Sets and clears runtime overrides: validated by the same rule as configuration, stored with
/// who/when/why (and an audit line) in SQLite, then applied to ``LiveSettings`` at once.
///
/// The admin API calls it with actor `admin`; incident escalation calls it for its actions
/// (`disable_persistent_sessions`, `set_rollout_percentage`, `set_session_limits`).
///
/// ```swift
/// try await overrides.set(name: "USE_PERSISTENT_SESSIONS", value: "false",
///                         reason: "P1: sessions failing", actor: "escalation:INC-42")
/// try await overrides.clear(name: "USE_PERSISTENT_SESSIONS", actor: "admin", reason: "fixed")
/// ```
public final class OverrideService: Sendable {
    public let live: LiveSettings
    let store: SQLiteStore
    let logger: Logger

    public static let maxValueLength = 1000
    public static let maxReasonLength = 500

    public init(store: SQLiteStore, live: LiveSettings, logger: Logger) {
        self.store = store
        self.live = live
        self.logger = logger
    }

    /// Applies the overrides stored by earlier runs; call after migrating, before serving.
    /// A stored value the current rules reject is left in the database but not applied.
    public func load() async throws {
        let (stored, revision) = try await store.activeOverrides()
        let valid = stored.filter { override in
            guard let problem = Self.problem(name: override.name, value: override.value) else { return true }
            logger.warning("stored override ignored", metadata: ["override.name": "\(override.name)", "override.error": "\(problem)"])
            return false
        }
        live.apply(valid, revision: revision)
        if !valid.isEmpty {
            logger.notice("runtime overrides restored", metadata: ["override.count": "\(valid.count)"])
        }
    }

    /// The overrides in force.
    public var active: [StoredOverride] { live.snapshot.overrides }

    /// Sets `name` to `value` (validated like configuration); returns the override now in force.
    @discardableResult
    public func set(name: String, value: String, reason: String, actor: String) async throws -> OverrideChange {
        let value = value.trimmingCharacters(in: .whitespaces)
        if let problem = Self.problem(name: name, value: value) { throw problem }
        let reason = try Self.checked(reason: reason, actor: actor)
        let normalized = SettingsCatalog.spec(named: name)?.rule == .boolean
            ? String(SettingRule.parseBool(value) ?? false) : value
        let change = try await store.setOverride(
            StoredOverride(name: name, value: normalized, reason: reason, actor: actor, setAt: Date()))
        live.apply(change.active, revision: change.revision)
        logger.notice("runtime override set", metadata: [
            "override.name": "\(name)", "override.value": "\(normalized)", "override.previous": "\(change.previous?.value ?? "-")",
            "override.actor": "\(actor)", "override.reason": "\(reason)",
        ])
        return change
    }

    /// Clears the override of `name`; the configured value applies again at once.
    @discardableResult
    public func clear(name: String, actor: String, reason: String) async throws -> OverrideChange {
        guard let spec = SettingsCatalog.spec(named: name) else { throw OverrideError.unknownSetting(name) }
        guard spec.isOverridable else { throw OverrideError.notOverridable(name) }
        let reason = try Self.checked(reason: reason, actor: actor)
        guard let change = try await store.clearOverride(name: name, reason: reason, actor: actor, at: Date()) else {
            throw OverrideError.notSet(name)
        }
        live.apply(change.active, revision: change.revision)
        logger.notice("runtime override cleared", metadata: [
            "override.name": "\(name)", "override.previous": "\(change.previous?.value ?? "-")",
            "override.actor": "\(actor)", "override.reason": "\(reason)",
        ])
        return change
    }

    static func problem(name: String, value: String) -> OverrideError? {
        guard let spec = SettingsCatalog.spec(named: name) else { return .unknownSetting(name) }
        guard spec.isOverridable else { return .notOverridable(name) }
        guard value.count <= maxValueLength else { return .invalidValue(name: name, message: "\(name) must be at most \(maxValueLength) characters") }
        if let problem = spec.validate(value) { return .invalidValue(name: name, message: problem) }
        return nil
    }

    static func checked(reason: String, actor: String) throws(OverrideError) -> String {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw .missingReason }
        guard reason.count <= maxReasonLength else { throw .reasonTooLong(maxReasonLength) }
        guard !actor.trimmingCharacters(in: .whitespaces).isEmpty else { throw .missingActor }
        return reason
    }
}

/// Why an override was refused. Messages name the setting and the rule.
public enum OverrideError: Error, Equatable, CustomStringConvertible {
    case unknownSetting(String)
    case notOverridable(String)
    case invalidValue(name: String, message: String)
    case missingReason
    case reasonTooLong(Int)
    case missingActor
    case notSet(String)

    public var description: String {
        switch self {
        case .unknownSetting(let name): "unknown setting '\(name.prefix(64))'"
        case .notOverridable(let name): "\(name) cannot be changed at run time (only settings marked overridable can); change the configuration and restart"
        case .invalidValue(_, let message): message
        case .missingReason: "reason is required and must not be empty"
        case .reasonTooLong(let max): "reason must be at most \(max) characters"
        case .missingActor: "actor is required"
        case .notSet(let name): "no override is set for \(name)"
        }
    }
}
