import Logging
import OracleCore
import ServiceLifecycle
import Storage

/// The operational side of a running server: periodic backups (when `BACKUP_INTERVAL` > 0),
/// the hourly quick integrity check, with the status objects `/health` reads, and WAL
/// checkpoints off the request path (for a store opened with `.background` checkpointing).
///
/// ```swift
/// let operations = ServerOperations(config: config, store: store, logger: logger)
/// let app = OracleApplication.make(state: state, logger: logger, services: operations.services)
/// ```
public struct ServerOperations: Sendable {
    public let backups: BackupStatus
    public let integrity: IntegrityStatus
    public let services: [any Service]

    public init(config: OracleConfig, store: SQLiteStore, logger: Logger) {
        let settings = BackupSettings(values: config.resolved)
        backups = BackupStatus(intervalSeconds: settings.interval)
        integrity = IntegrityStatus()
        var services: [any Service] = [IntegrityMonitor(store: store, status: integrity, logger: logger)]
        if settings.isPeriodic {
            services.append(BackupService(store: store, settings: settings, status: backups, logger: logger))
        }
        if case .background = store.checkpointing, !store.location.isInMemory {
            services.append(WALCheckpointService(location: store.location, logger: logger))
        }
        self.services = services
    }
}
