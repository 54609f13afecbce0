import Foundation
import Logging
import Metrics
import OracleCore
import ServiceLifecycle
import Storage

/// Runs `PRAGMA quick_check` at start and then every `interval` (an hour by default) through
/// the store's reader pool, caching the result for `/health/database`. The full
/// `integrity_check` is `oracle-chat db check`'s job: it reads every page.
public struct IntegrityMonitor: Service {
    let store: SQLiteStore
    let status: IntegrityStatus
    let interval: Duration
    let logger: Logger
    let healthy = Gauge(label: "oracle_database_integrity_ok")

    public init(store: SQLiteStore, status: IntegrityStatus, interval: Duration = .seconds(3600), logger: Logger) {
        self.store = store
        self.status = status
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully {
            await checkOnce()
            do {
                try await cancelWhenGracefulShutdown { [interval] in try await Task.sleep(for: interval) }
            } catch {
                return
            }
        }
    }

    public func checkOnce() async {
        let start = ContinuousClock.now
        let checkedAt = Date()
        var snapshot = IntegrityStatus.Snapshot(status: "error", check: "quick_check", checkedAt: checkedAt)
        do {
            let result = try await store.writer.read { db in try DatabaseInspector.integrity(of: db, quick: true) }
            snapshot.status = result.ok ? "ok" : "failed"
            snapshot.problems = result.ok ? nil : result.problems
        } catch {
            snapshot.problems = ["\(error)"]
        }
        snapshot.durationMs = (ContinuousClock.now - start).milliseconds
        status.record(snapshot)
        healthy.record(snapshot.status == "ok" ? 1 : 0)
        if snapshot.status == "ok" {
            logger.debug("database quick_check ok", metadata: ["integrity.duration_ms": "\(snapshot.durationMs ?? 0)"])
        } else {
            logger.error("database quick_check failed", metadata: [
                "integrity.status": "\(snapshot.status)",
                "integrity.problems": "\((snapshot.problems ?? []).prefix(3).joined(separator: "; "))",
            ])
        }
    }
}

// The service group logs each service's description (at debug level and below); the default
// one prints every stored property, secrets among them (webhook URLs with their credentials).
extension IntegrityMonitor: CustomStringConvertible {
    public var description: String { "IntegrityMonitor" }
}
