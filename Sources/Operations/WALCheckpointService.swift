import Logging
import Metrics
import OracleCore
import ServiceLifecycle
import Storage

/// Checkpoints the WAL every `interval` (200 ms by default: small checkpoints, few pages each) through a ``WALCheckpointer``,
/// so requests never pay for it (the store is opened with `.background`). When it cannot open
/// its connection or a checkpoint fails, it logs it; commits then checkpoint at the store's
/// backstop, as before.
public struct WALCheckpointService: Service {
    let location: DatabaseLocation
    let interval: Duration
    let logger: Logger
    let frames = Gauge(label: "oracle_database_wal_frames")

    public init(location: DatabaseLocation, interval: Duration = .milliseconds(200), logger: Logger) {
        self.location = location
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        let checkpointer: WALCheckpointer
        do {
            checkpointer = try WALCheckpointer(location: location)
        } catch {
            logger.warning("WAL checkpointer not started; commits checkpoint at the backstop", metadata: ["error": "\(error)"])
            return
        }
        defer { try? checkpointer.close() }
        var failing = false
        while !Task.isShuttingDownGracefully {
            do {
                let result = try await checkpointer.checkpoint()
                frames.record(result.walFrames - result.checkpointedFrames)
                if failing { logger.notice("WAL checkpoints work again") }
                failing = false
            } catch {
                // Logged once per run of failures, not every second.
                if !failing { logger.warning("WAL checkpoint failed; retrying", metadata: ["error": "\(error)"]) }
                failing = true
            }
            do {
                try await cancelWhenGracefulShutdown { [interval] in try await Task.sleep(for: interval) }
            } catch {
                return
            }
        }
    }
}

// The service group logs each service's description (at debug level and below); the default
// one prints every stored property, secrets among them (webhook URLs with their credentials).
extension WALCheckpointService: CustomStringConvertible {
    public var description: String { "WALCheckpointService" }
}
