import OracleCore
import Storage
import Synchronization

/// The persistent-session settings in force right now: configuration plus active overrides.
///
/// Everything that uses a session setting reads it here at the moment of use, so an override
/// takes effect on the next request, with no restart. `version` grows with every change, which
/// lets readers keep derived state (the rollout memo) until the settings move.
///
/// ```swift
/// let live = LiveSettings(config: config)
/// if live.sessions.isEnabled { ... }
/// live.onChange { snapshot in print(snapshot.version) }
/// ```
public final class LiveSettings: Sendable {
    public struct Snapshot: Sendable, Equatable {
        /// Configuration with every override applied.
        public var sessions: OracleConfig.SessionSettings
        /// The overrides in force, by name.
        public var overrides: [StoredOverride]
        /// Grows with every applied change.
        public var version: Int
        /// The store revision the overrides were read at (older changes are ignored).
        public var revision: Int64
    }

    /// The configured (not overridden) values, by setting name.
    public let configured: OracleConfig.SessionSettings
    private let configuredRaw: [String: String]
    private let state: Mutex<Snapshot>
    private let observers = Mutex<[@Sendable (Snapshot) -> Void]>([])

    public init(config: OracleConfig) {
        self.configured = config.sessions
        self.configuredRaw = config.resolved.mapValues(\.raw)
        self.state = Mutex(Snapshot(sessions: config.sessions, overrides: [], version: 0, revision: 0))
    }

    public var snapshot: Snapshot { state.withLock { $0 } }
    public var sessions: OracleConfig.SessionSettings { state.withLock { $0.sessions } }
    public var version: Int { state.withLock { $0.version } }

    /// Calls `body` after every change, outside any lock.
    public func onChange(_ body: @escaping @Sendable (Snapshot) -> Void) {
        observers.withLock { $0.append(body) }
    }

    /// Replaces the active overrides (normally called by ``OverrideService``). A revision older
    /// than the one applied is ignored, so two racing writers cannot leave stale state behind.
    @discardableResult
    public func apply(_ overrides: [StoredOverride], revision: Int64) -> Snapshot? {
        let changed = state.withLock { current -> Snapshot? in
            guard revision >= current.revision else { return nil }
            var sessions = configured
            for override in overrides { sessions.set(override.name, raw: override.value) }
            current = Snapshot(sessions: sessions, overrides: overrides.sorted { $0.name < $1.name },
                               version: current.version + 1, revision: revision)
            return current
        }
        if let changed { for observer in observers.withLock({ $0 }) { observer(changed) } }
        return changed
    }

    /// The value in force for an overridable setting, and where it comes from (`override` or `config`).
    public func effective(_ name: String) -> (value: String, source: String) {
        if let override = snapshot.overrides.first(where: { $0.name == name }) { return (override.value, "override") }
        return (configuredRaw[name] ?? SettingsCatalog.spec(named: name)?.defaultValue ?? "", "config")
    }
}
