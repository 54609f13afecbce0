import Foundation
import Logging
import Metrics
import ServiceLifecycle
import Storage

/// Takes an online backup every `BACKUP_INTERVAL` seconds while the server runs, keeps the
/// newest `BACKUP_KEEP`, and reports the result in `/health` and in metrics
/// (`oracle_backups_total{outcome}`, `oracle_backup_last_success_timestamp_seconds`).
/// A backup in progress when shutdown begins is finished; the wait for the next one is not.
///
/// ```swift
/// let service = BackupService(store: store, settings: settings, status: status, logger: logger)
/// ```
public struct BackupService: Service {
    let store: SQLiteStore
    let settings: BackupSettings
    let status: BackupStatus
    let logger: Logger
    let metrics: BackupMetrics

    public init(store: SQLiteStore, settings: BackupSettings, status: BackupStatus, logger: Logger) {
        self.store = store
        self.settings = settings
        self.status = status
        self.logger = logger
        self.metrics = BackupMetrics()
    }

    public func run() async throws {
        let interval = Duration.seconds(max(settings.interval, 1))
        while !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
            guard !Task.isShuttingDownGracefully else { return }
            await backupOnce()
        }
    }

    /// One backup now; failures are recorded, never thrown.
    @discardableResult
    public func backupOnce() async -> DatabaseBackup? {
        do {
            let backup = try await store.backup(into: settings.directory, keep: settings.pruneKeep)
            status.recordSuccess(path: backup.path, at: backup.createdAt)
            metrics.succeeded.increment()
            metrics.lastSuccess.record(backup.createdAt.timeIntervalSince1970)
            logger.info("database backup written", metadata: [
                "backup.path": "\(backup.path)", "backup.bytes": "\(backup.bytes)",
                "backup.pruned": "\(backup.pruned.count)", "backup.duration": "\(backup.duration)",
            ])
            return backup
        } catch {
            status.recordFailure("\(error)", at: Date())
            metrics.failed.increment()
            logger.error("database backup failed", metadata: ["backup.directory": "\(settings.directory)", "backup.error": "\(error)"])
            return nil
        }
    }
}

/// Created once per service; dimensions are bounded (two outcomes).
struct BackupMetrics: Sendable {
    let succeeded = Counter(label: "oracle_backups_total", dimensions: [("outcome", "success")])
    let failed = Counter(label: "oracle_backups_total", dimensions: [("outcome", "failure")])
    let lastSuccess = Gauge(label: "oracle_backup_last_success_timestamp_seconds")
}

// The service group logs each service's description (at debug level and below); the default
// one prints every stored property, secrets among them (webhook URLs with their credentials).
extension BackupService: CustomStringConvertible {
    public var description: String { "BackupService" }
}
