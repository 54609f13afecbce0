import Foundation
import Synchronization

/// The outcome of the server's last periodic backup, shown in `/health` as `backups`.
public final class BackupStatus: Sendable {
    public struct Snapshot: Sendable, Codable, Equatable {
        /// `disabled` (BACKUP_INTERVAL=0), `pending` (none yet), `ok` or `error`.
        public var status: String
        public var intervalSeconds: Int
        public var lastAt: Date?
        public var lastPath: String?
        public var lastSuccessAt: Date?
        public var error: String?
    }

    private let state: Mutex<Snapshot>

    public init(intervalSeconds: Int) {
        state = Mutex(Snapshot(status: intervalSeconds > 0 ? "pending" : "disabled", intervalSeconds: intervalSeconds))
    }

    public var snapshot: Snapshot { state.withLock { $0 } }

    func recordSuccess(path: String, at date: Date) {
        state.withLock {
            $0.status = "ok"
            $0.lastAt = date
            $0.lastPath = path
            $0.lastSuccessAt = date
            $0.error = nil
        }
    }

    func recordFailure(_ error: String, at date: Date) {
        state.withLock {
            $0.status = "error"
            $0.lastAt = date
            $0.error = error
        }
    }
}
