import OracleCore

/// `BACKUP_DIR`, `BACKUP_INTERVAL`, `BACKUP_KEEP`: where backups go, how often the server
/// takes one itself (0 = never) and how many of those it keeps.
///
/// ```swift
/// let settings = BackupSettings(values: config.resolved)
/// if settings.isPeriodic { services.append(BackupService(...)) }
/// ```
public struct BackupSettings: Sendable, Equatable {
    public static let settings: [SettingName] = [.backupDir, .backupInterval, .backupKeep]

    public var directory: String
    /// Seconds between the server's own backups; 0 turns them off.
    public var interval: Int
    /// Newest periodic backups kept; 0 keeps all.
    public var keep: Int

    public init(directory: String, interval: Int, keep: Int) {
        self.directory = directory
        self.interval = interval
        self.keep = keep
    }

    /// From resolved (already validated) values; a missing name takes its catalog default.
    public init(values: [String: ResolvedValue]) {
        let loaded = LoadedConfig(values: values)
        self.init(directory: loaded.raw(.backupDir).trimmingCharacters(in: .whitespaces),
                  interval: loaded.integer(.backupInterval), keep: loaded.integer(.backupKeep))
    }

    public var isPeriodic: Bool { interval > 0 }
    /// `keep` as the pruning argument: nil keeps everything.
    public var pruneKeep: Int? { keep > 0 ? keep : nil }
}
